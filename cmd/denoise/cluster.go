package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/spf13/pflag"

	"github.com/denoise-go/denoise/cluster"
	"github.com/denoise-go/denoise/configs"
	"github.com/denoise-go/denoise/decode"
)

// addClusterFlags adds the options of a job run on NATS JetStream workers (--cluster).
func addClusterFlags(fs *pflag.FlagSet) {
	fs.String("cluster", "", "run the job on NATS JetStream workers (denoise worker): a server URL, or embedded for a server and --cluster-workers workers in this process; a video is cut into pieces, a folder or @list.txt of inputs gives one item per input")
	fs.Int("cluster-workers", 2, "with --cluster embedded: workers in this process")
	fs.String("cluster-store", "", "with --cluster embedded: the server's JetStream folder (default: a temporary one; give one to resume an interrupted job)")
	fs.String("cluster-data", cluster.DataAuto, "how inputs and outputs reach the workers: shared (the same paths on every machine), object (JetStream's object store), auto (shared when embedded, object otherwise; URLs are read as they are)")
	fs.String("job-id", "", "the job's name on the cluster (default: a digest of the inputs and settings, so the same command resumes)")
	fs.Int64("piece-frames", cluster.DefaultPieceFrames, "with --cluster: frames per piece of a video (each piece also reads the temporal window's frames on both sides)")
	addQueueFlags(fs)
	addNATSFlags(fs)
}

// addQueueFlags adds the settings of the work queue, which the submitters and the workers
// of a deployment share.
func addQueueFlags(fs *pflag.FlagSet) {
	fs.Duration("ack-wait", cluster.DefaultAckWait, "cluster: how long an item may go without a sign of life from its worker before another worker gets it")
	fs.Int("max-attempts", cluster.DefaultMaxAttempts, "cluster: attempts at an item before it is reported as failed")
	fs.Int("replicas", 1, "cluster: copies the NATS cluster keeps of the queue and the buckets (3 on a three-server cluster)")
}

func addNATSFlags(fs *pflag.FlagSet) {
	fs.String("nats-creds", "", "NATS credentials file (user JWT and nkey seed)")
	fs.String("nats-nkey", "", "NATS nkey seed file")
	fs.String("nats-tls-ca", "", "CA certificate that verifies the NATS server")
	fs.String("nats-tls-cert", "", "TLS client certificate for the NATS server (with --nats-tls-key)")
	fs.String("nats-tls-key", "", "TLS client key for the NATS server")
	fs.Bool("nats-allow-anonymous", false, "connect without credentials to a NATS server that is not on this machine")
}

func natsConnect(fs *pflag.FlagSet, url, name string) cluster.Connect {
	s := func(n string) string { v, _ := fs.GetString(n); return v }
	anon, _ := fs.GetBool("nats-allow-anonymous")
	return cluster.Connect{URL: url, Creds: s("nats-creds"), NKey: s("nats-nkey"), TLSCA: s("nats-tls-ca"),
		TLSCert: s("nats-tls-cert"), TLSKey: s("nats-tls-key"), AllowAnonymous: anon, Name: name}
}

func queueSettings(fs *pflag.FlagSet) (cluster.Queue, error) {
	wait, _ := fs.GetDuration("ack-wait")
	att, _ := fs.GetInt("max-attempts")
	rep, _ := fs.GetInt("replicas")
	if wait < time.Second {
		return cluster.Queue{}, usageError{fmt.Errorf("--ack-wait %v: want at least 1s", wait)}
	}
	if att < 1 || rep < 1 {
		return cluster.Queue{}, usageError{errors.New("--max-attempts and --replicas: want at least 1")}
	}
	return cluster.Queue{AckWait: wait, MaxAttempts: att, Replicas: rep}, nil
}

// bind connects to url and sets the queue and buckets up.
func bind(ctx context.Context, fs *pflag.FlagSet, url, name string) (*nats.Conn, *cluster.Bindings, error) {
	q, err := queueSettings(fs)
	if err != nil {
		return nil, nil, err
	}
	nc, err := natsConnect(fs, url, name).Dial()
	if err != nil {
		return nil, nil, err
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, nil, err
	}
	b, err := cluster.Setup(ctx, js, q)
	if err != nil {
		nc.Close()
		return nil, nil, fmt.Errorf("nats %s: %w (is JetStream enabled on the server?)", url, err)
	}
	if (fs.Changed("ack-wait") || fs.Changed("max-attempts")) && (b.Queue.AckWait != q.AckWait || b.Queue.MaxAttempts != q.MaxAttempts) {
		slog.Warn("the queue on the server keeps the settings it was created with; --ack-wait and --max-attempts apply to a new queue",
			"ack_wait", b.Queue.AckWait, "max_attempts", b.Queue.MaxAttempts)
	}
	return nc, b, nil
}

// stopContext ends at the first SIGINT or SIGTERM.
func stopContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

// runCluster runs the command's job on the cluster (--cluster).
func runCluster(cfg *configs.Config, fs *pflag.FlagSet, log *slog.Logger) error {
	if t, err := trimFlags(fs); err != nil || !t.IsZero() {
		if err != nil {
			return err
		}
		return usageError{errors.New("--cluster runs whole inputs: cut the piece first (-ss, -t, -to and -frames:v are not taken)")}
	}
	if l, _ := fs.GetBool("live"); l || cfg.Pipeline.Live {
		return usageError{errors.New("--cluster runs files, not live streams")}
	}
	url, _ := fs.GetString("cluster")
	ctx, stop := stopContext()
	defer stop()
	sub := &cluster.Submitter{Config: cfg, Logger: log, Progress: os.Stderr}
	sub.JobID, _ = fs.GetString("job-id")
	sub.PieceFrames, _ = fs.GetInt64("piece-frames")
	sub.Data, _ = fs.GetString("cluster-data")
	if p, _ := fs.GetString("progress"); p == "off" {
		sub.Progress = nil
	}
	if url == "embedded" {
		n, _ := fs.GetInt("cluster-workers")
		if n < 1 {
			return usageError{errors.New("--cluster-workers: want at least 1")}
		}
		store, _ := fs.GetString("cluster-store")
		srv, err := cluster.StartServer("127.0.0.1", 0, store)
		if err != nil {
			return err
		}
		defer srv.Close()
		url, sub.Local = srv.URL(), true
		wc, wb, err := bind(ctx, fs, url, "denoise-embedded-workers")
		if err != nil {
			return err
		}
		defer wc.Close()
		w := &cluster.Worker{B: wb, Concurrency: n, Logger: log.With("worker", "embedded")}
		var workers sync.WaitGroup
		workCtx, stopWorkers := context.WithCancel(ctx)
		defer func() { stopWorkers(); workers.Wait() }() // before the server closes
		workers.Go(func() { _ = w.Run(workCtx) })
	}
	nc, b, err := bind(ctx, fs, url, "denoise-submit")
	if err != nil {
		return err
	}
	defer nc.Close()
	sub.B, sub.NC = b, nc
	decode.RouteFFmpegLogs(log, cfg.LogLevel == "debug")
	rep, err := sub.Run(ctx)
	if rep != nil {
		log.Info("cluster job", "id", rep.Job, "items", rep.Items, "resumed", rep.Resumed, "frames_in", rep.FramesIn,
			"frames_out", rep.FramesOut, "took", rep.Elapsed.Round(time.Millisecond))
	}
	if err != nil && rep != nil && ctx.Err() != nil {
		return fmt.Errorf("stopped: job %s stays on the server; the same command resumes it", rep.Job)
	}
	return err
}

func workerFlags() *pflag.FlagSet {
	fs := pflag.NewFlagSet("denoise worker", pflag.ContinueOnError)
	fs.SortFlags = false
	fs.String("nats", "", "NATS server URL (several separated by commas)")
	fs.Int("concurrency", 1, "items run at once (each uses every core for its frames)")
	fs.String("metrics-addr", "", "serve the worker's Prometheus /metrics on this address, e.g. :9091")
	fs.String("dir", "", "folder for fetched inputs and outputs before they are stored (default: the system's temporary folder)")
	fs.String("name", "", "the worker's name in the items' states (default: host-pid)")
	fs.String("log-level", "info", "log level: debug, info, warn, error")
	addQueueFlags(fs)
	addNATSFlags(fs)
	fs.BoolP("help", "h", false, "show this help")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: denoise worker --nats URL [options]\n\nPulls denoise jobs' items from NATS JetStream and runs them (submitted with denoise … --cluster URL).\n\nOptions:")
		fs.PrintDefaults()
	}
	return fs
}

// workerMain is `denoise worker`: it pulls items from the queue until stopped.
func workerMain(args []string) error {
	fs := workerFlags()
	if help, err := parseSubcommand(fs, args); help || err != nil {
		return err
	}
	url, _ := fs.GetString("nats")
	if url == "" {
		return usageError{errors.New("worker: no server given (--nats nats://host:4222)")}
	}
	lv, _ := fs.GetString("log-level")
	log := newLogger(lv)
	decode.RouteFFmpegLogs(log, lv == "debug")
	ctx, stop := stopContext()
	defer stop()
	name, _ := fs.GetString("name")
	nc, b, err := bind(ctx, fs, url, "denoise-worker")
	if err != nil {
		return err
	}
	defer nc.Close()
	w := &cluster.Worker{B: b, Name: name, Logger: log}
	w.Concurrency, _ = fs.GetInt("concurrency")
	w.Dir, _ = fs.GetString("dir")
	if addr, _ := fs.GetString("metrics-addr"); addr != "" {
		w.Metrics = cluster.NewMetrics()
		srv, err := w.Metrics.Serve(addr)
		if err != nil {
			return fmt.Errorf("metrics: %w", err)
		}
		defer srv.Close()
	}
	log.Info("worker ready", "nats", url, "concurrency", w.Concurrency)
	return w.Run(ctx)
}

// natsServerMain is `denoise nats-server`: a single NATS server with JetStream, for a
// cluster of a few machines without a NATS deployment of their own (a production cluster
// runs nats-server itself, clustered, with its own accounts and TLS).
func natsServerFlags() *pflag.FlagSet {
	fs := pflag.NewFlagSet("denoise nats-server", pflag.ContinueOnError)
	fs.SortFlags = false
	fs.String("addr", "127.0.0.1:4222", "address to listen on (0.0.0.0:4222 for other machines; give --user and --password then)")
	fs.String("store", "", "JetStream folder: jobs survive a restart of the server (default: a temporary one)")
	fs.String("user", "", "user name clients must give (with --password)")
	fs.String("password", "", "password clients must give (or DENOISE_NATS_PASSWORD)")
	fs.BoolP("help", "h", false, "show this help")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: denoise nats-server [--addr HOST:PORT] [--store DIR] [--user U --password P]\n\nRuns a NATS server with JetStream for denoise workers and submitters until stopped.\n\nOptions:")
		fs.PrintDefaults()
	}
	return fs
}

func natsServerMain(args []string) error {
	fs := natsServerFlags()
	if help, err := parseSubcommand(fs, args); help || err != nil {
		return err
	}
	addr, _ := fs.GetString("addr")
	store, _ := fs.GetString("store")
	user, _ := fs.GetString("user")
	pass, _ := fs.GetString("password")
	if pass == "" {
		pass = os.Getenv("DENOISE_NATS_PASSWORD")
	}
	if (user == "") != (pass == "") {
		return usageError{errors.New("nats-server: --user and --password go together")}
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return usageError{fmt.Errorf("nats-server: --addr %q: %w", addr, err)}
	}
	p, err := strconv.Atoi(port)
	if err != nil {
		return usageError{fmt.Errorf("nats-server: --addr %q: bad port", addr)}
	}
	srv, err := cluster.StartServerAuth(host, p, store, user, pass)
	if err != nil {
		return err
	}
	defer srv.Close()
	log := newLogger("info")
	if _, remote := cluster.RemoteHost(srv.URL()); remote && user == "" {
		log.Warn("listening beyond this machine without a password: anyone who reaches it can queue work and read data")
	}
	log.Info("nats server ready", "url", srv.URL(), "store", store)
	ctx, stop := stopContext()
	defer stop()
	<-ctx.Done()
	return nil
}

// parseSubcommand parses a subcommand's arguments: help is true when --help was shown, and
// there is then nothing more to do.
func parseSubcommand(fs *pflag.FlagSet, args []string) (help bool, err error) {
	if err := fs.Parse(args); err != nil {
		return false, usageError{err}
	}
	if h, _ := fs.GetBool("help"); h {
		fs.SetOutput(os.Stdout)
		fs.Usage()
		return true, nil
	}
	if fs.NArg() > 0 {
		return false, usageError{fmt.Errorf("%s: unexpected argument %q", strings.TrimPrefix(fs.Name(), "denoise "), fs.Arg(0))}
	}
	return false, nil
}
