package main

import (
	"bytes"
	"fmt"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/denoise-go/denoise/configs"
)

// TestManPageComplete: `denoise man` names every option of every command with its type and
// default, the FFmpeg-style options, the environment variables and the exit codes.
func TestManPageComplete(t *testing.T) {
	var code int
	page := captureStdout(t, func() { code = realMain([]string{"man"}) })
	if code != exitOK || !strings.Contains(page, "\n.TH DENOISE 1 ") {
		t.Fatalf("denoise man: exit %d, output starting %.80q", code, page)
	}
	for _, c := range commands() {
		if !strings.Contains(page, "\n.SS "+roff("denoise "+c.name)+"\n") {
			t.Errorf("the command %s has no subsection", c.name)
		}
		for _, o := range c.options() {
			var tags []string
			for _, s := range o.spellings() {
				tags = append(tags, `\fB`+roff(s)+`\fR`)
			}
			tag := strings.Join(tags, ", ")
			if o.short != "" && o.long != "" {
				tag = `\fB` + roff("-"+o.short) + `\fR, \fB` + roff("--"+o.long) + `\fR`
			}
			if o.arg != "" {
				tag += ` \fI` + roff(o.arg) + `\fR`
			}
			if !strings.Contains(page, "\n.TP\n"+tag+"\n") {
				t.Errorf("denoise %s: %s is missing (no line %q)", c.name, strings.Join(o.spellings(), ", "), tag)
			}
			if o.def != "" && !strings.Contains(page, roff("(default: "+o.def+")")) {
				t.Errorf("denoise %s: the default of %s, %s, is missing", c.name, strings.Join(o.spellings(), ", "), o.def)
			}
		}
	}
	for _, n := range ffmpegNames {
		if !strings.Contains(page, `\fB`+roff(n)+`\fR`) {
			t.Errorf("the FFmpeg-style option %s is missing", n)
		}
	}
	for k := range configs.Defaults() {
		env := "DENOISE_" + strings.ToUpper(strings.ReplaceAll(k, ".", "_"))
		if !strings.Contains(page, "\n.B "+roff(env)+"\n") {
			t.Errorf("the environment variable %s is missing", env)
		}
	}
	for _, env := range []string{"DENOISE_ORT_LIBRARY", "DENOISE_CPU"} {
		if !strings.Contains(page, "\n.B "+roff(env)+"\n") {
			t.Errorf("the environment variable %s is missing", env)
		}
	}
	for _, code := range []int{exitOK, exitError, exitUsage, exitDamaged, exitInterrupted} {
		if !strings.Contains(page, fmt.Sprintf("\n.TP\n.B %d\n", code)) {
			t.Errorf("the exit status %d is missing", code)
		}
	}
	for _, s := range []string{".SH NAME", ".SH SYNOPSIS", ".SH DESCRIPTION", ".SH OPTIONS", ".SH COMMANDS",
		".SH ENVIRONMENT", ".SH EXIT STATUS", ".SH EXAMPLES"} {
		if !strings.Contains(page, "\n"+s+"\n") {
			t.Errorf("no section %s", s)
		}
	}
	if err := manMain([]string{"extra"}, &bytes.Buffer{}); err == nil {
		t.Error("denoise man extra: no error")
	}
}

// TestManPageRenders: mandoc's lint finds nothing to warn about, and groff and man render
// the page without a warning.
func TestManPageRenders(t *testing.T) {
	need(t, "mandoc", "groff", "man")
	page := manPage()
	for _, c := range []struct {
		name string
		args []string
	}{
		{"mandoc", []string{"-T", "lint", "-W", "warning"}},
		{"groff", []string{"-man", "-Tutf8", "-ww", "-z"}},
		{"man", []string{"-l", "-"}},
	} {
		cmd := exec.Command(c.name, c.args...)
		cmd.Stdin = strings.NewReader(page)
		cmd.Env = append(cmd.Environ(), "MANWIDTH=80")
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		if err != nil || stderr.Len() > 0 {
			t.Errorf("%s %v: %v\n%s", c.name, c.args, err, stderr.String())
		}
		plain := regexp.MustCompile(".\b").ReplaceAllString(stdout.String(), "") // overstruck bold
		if c.name == "man" && !strings.Contains(plain, "EXIT STATUS") {
			t.Errorf("man -l -: the rendered page has no EXIT STATUS:\n%.400s", plain)
		}
	}
}
