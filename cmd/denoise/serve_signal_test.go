package main

import (
	"bufio"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestServeStopsOnSignal: denoise serve shuts down on its first SIGINT or SIGTERM, through
// the same signal handling as a job, removing its temporary folder and exiting 0.
func TestServeStopsOnSignal(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			cmd := exec.Command(denoiseBin(t), "serve", "--addr", "127.0.0.1:0")
			cmd.Env = append(os.Environ(), "TMPDIR="+t.TempDir())
			stderr, err := cmd.StderrPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			sc := bufio.NewScanner(stderr)
			var temp string
			for sc.Scan() {
				if m := regexp.MustCompile(`msg=serving .* temp=(\S+)`).FindStringSubmatch(sc.Text()); m != nil {
					temp = m[1]
					break
				}
			}
			if temp == "" {
				_ = cmd.Process.Kill()
				t.Fatal("no serving line")
			}
			if _, err := os.Stat(temp); err != nil {
				t.Fatalf("temporary folder: %v", err)
			}
			rest := make(chan string, 1)
			go func() {
				var b strings.Builder
				for sc.Scan() {
					b.WriteString(sc.Text() + "\n")
				}
				rest <- b.String()
			}()
			_ = cmd.Process.Signal(sig)
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("exit after %v: %v\n%s", sig, err, <-rest)
				}
			case <-time.After(5 * time.Second):
				_ = cmd.Process.Kill()
				t.Fatalf("still running 5 s after %v", sig)
			}
			if log := <-rest; !strings.Contains(log, "temporary folder removed") {
				t.Errorf("no shutdown line:\n%s", log)
			}
			if _, err := os.Stat(temp); !os.IsNotExist(err) {
				t.Errorf("the temporary folder %s is still there (%v)", temp, err)
			}
		})
	}
}
