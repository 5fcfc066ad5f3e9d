package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"github.com/denoise-go/denoise/configs"
	"github.com/denoise-go/denoise/decode"
	runjob "github.com/denoise-go/denoise/job"
	"github.com/denoise-go/denoise/web"
)

const serveUsage = `denoise serve runs the web page and its HTTP API: upload a picture or a short video,
pick a mode, compare before and after, download the result.

Usage:
  denoise serve [--addr 127.0.0.1:8080] [--preset NAME] [limits]

The server listens on this machine only unless --addr names another interface
(--addr :8080 listens on all of them). Uploads and results live in a private temporary
folder that is removed when the server stops.

Options:
`

func serveFlags() *pflag.FlagSet {
	d := web.DefaultLimits()
	fs := pflag.NewFlagSet("denoise serve", pflag.ContinueOnError)
	fs.SortFlags = false
	fs.String("addr", web.DefaultAddr, "address to listen on")
	fs.String("preset", "", "built-in preset ("+strings.Join(configs.Presets(), ", ")+") or a YAML file: the base of every job's settings")
	fs.String("config", "", "YAML configuration file: the base of every job's settings")
	fs.String("max-upload", web.FormatBytes(d.MaxUploadBytes), "largest upload accepted (bytes, or with KiB, MiB, GiB)")
	fs.Int64("max-pixels", d.MaxPixels, "largest width×height of one frame")
	fs.Int("max-jobs", d.MaxJobs, "jobs running at once; more are refused (429). A job takes its slot once its upload is in")
	fs.Int("max-uploads", d.MaxUploads, "uploads received at once; more are refused (503) (0: twice --max-jobs)")
	fs.String("min-upload-rate", web.FormatBytes(d.MinUploadRate), "slowest average rate per second an upload may arrive at after its first 5 s (408 below it; 0: no minimum)")
	fs.Duration("header-timeout", d.HeaderTimeout, "time allowed to receive a request's headers")
	fs.Duration("request-timeout", d.RequestTimeout, "time allowed to receive one request, the upload included")
	fs.Duration("job-timeout", d.JobTimeout, "time allowed to process one job")
	fs.Duration("result-ttl", d.ResultTTL, "how long finished jobs and their results are kept")
	fs.String("temp-dir", "", "folder in which the private temporary folder is made (default: the system's)")
	fs.String("log-level", "info", "log level: debug, info, warn, error")
	fs.BoolP("help", "h", false, "show this help")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), serveUsage)
		fs.PrintDefaults()
	}
	return fs
}

func serveMain(args []string) error {
	fs := serveFlags()
	fs.SetOutput(os.Stderr)
	if help, err := parseSubcommand(fs, args); help || err != nil {
		return err
	}
	lim, err := serveLimits(fs)
	if err != nil {
		return usageError{err}
	}
	preset, _ := fs.GetString("preset")
	cfgFile, _ := fs.GetString("config")
	cfg, err := configs.Load(configs.Sources{Preset: preset, ConfigFile: cfgFile, Environ: os.Environ()})
	if err != nil {
		return usageError{err}
	}
	level, _ := fs.GetString("log-level")
	log := newLogger(level)
	decode.RouteFFmpegLogs(log, level == "debug")
	// From here on the first SIGINT/SIGTERM shuts the server down (its temporary folder
	// removed); a second kills it.
	ctx, stop := runjob.NotifyStop(context.Background(), nil)
	defer stop.Release()
	tmp, _ := fs.GetString("temp-dir")
	srv, err := web.New(web.Options{Config: cfg, Limits: lim, TempDir: tmp, Logger: log, FFmpegLogger: log})
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	addr, _ := fs.GetString("addr")
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		_ = srv.Close()
		return fmt.Errorf("serve: listen %s: %w", addr, err)
	}
	if ta, ok := ln.Addr().(*net.TCPAddr); ok && !ta.IP.IsLoopback() {
		log.Warn("listening beyond this machine: anyone who can reach it can upload", "addr", ln.Addr().String())
	}
	log.Info("serving", "url", "http://"+displayAddr(ln.Addr())+"/", "max_upload", web.FormatBytes(lim.MaxUploadBytes),
		"max_pixels", lim.MaxPixels, "max_jobs", lim.MaxJobs, "max_uploads", srv.Limits().MaxUploads, "job_timeout", lim.JobTimeout, "temp", srv.TempDir())
	err = srv.Serve(ctx, ln)
	log.Info("stopped; temporary folder removed", "temp", srv.TempDir())
	return err
}

// serveLimits reads the limits from the parsed flags of denoise serve.
func serveLimits(fs *pflag.FlagSet) (web.Limits, error) {
	lim := web.DefaultLimits()
	var err error
	maxUpload, _ := fs.GetString("max-upload")
	if lim.MaxUploadBytes, err = parseSize(maxUpload); err != nil {
		return lim, fmt.Errorf("serve: --max-upload: %w", err)
	}
	lim.MaxPixels, _ = fs.GetInt64("max-pixels")
	lim.MaxJobs, _ = fs.GetInt("max-jobs")
	lim.MaxUploads, _ = fs.GetInt("max-uploads")
	if rate, _ := fs.GetString("min-upload-rate"); strings.TrimSpace(rate) == "0" {
		lim.MinUploadRate = 0
	} else if lim.MinUploadRate, err = parseSize(strings.TrimSuffix(strings.TrimSpace(rate), "/s")); err != nil {
		return lim, fmt.Errorf("serve: --min-upload-rate: %w", err)
	}
	lim.HeaderTimeout, _ = fs.GetDuration("header-timeout")
	lim.RequestTimeout, _ = fs.GetDuration("request-timeout")
	lim.JobTimeout, _ = fs.GetDuration("job-timeout")
	lim.ResultTTL, _ = fs.GetDuration("result-ttl")
	if err := lim.Validate(); err != nil {
		return lim, fmt.Errorf("serve: %w", err)
	}
	return lim, nil
}

// displayAddr is a listener's address as a URL host: all-interfaces listeners as localhost.
func displayAddr(a net.Addr) string {
	ta, ok := a.(*net.TCPAddr)
	if !ok || !ta.IP.IsUnspecified() {
		return a.String()
	}
	return net.JoinHostPort("localhost", strconv.Itoa(ta.Port))
}

// parseSize reads a byte count: 1048576, 512KiB, 64MiB, 1GiB (K, M, G, KB, MB, GB are
// read as the binary units too).
func parseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		m      int64
	}{{"gib", 1 << 30}, {"mib", 1 << 20}, {"kib", 1 << 10}, {"gb", 1 << 30}, {"mb", 1 << 20}, {"kb", 1 << 10},
		{"g", 1 << 30}, {"m", 1 << 20}, {"k", 1 << 10}, {"b", 1}} {
		if strings.HasSuffix(strings.ToLower(t), u.suffix) {
			t, mult = strings.TrimSpace(t[:len(t)-len(u.suffix)]), u.m
			break
		}
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || v <= 0 {
		return 0, errors.New(strconv.Quote(s) + " is not a size (e.g. 64MiB)")
	}
	return int64(v * float64(mult)), nil
}
