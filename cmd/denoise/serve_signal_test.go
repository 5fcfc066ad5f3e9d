package main

import (
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
			j := startCmd(t, cmd)
			m := regexp.MustCompile(`msg=serving .* temp=(\S+)`).FindStringSubmatch(j.waitFor(t, "msg=serving", time.Minute))
			if m == nil {
				t.Fatalf("no temporary folder in the serving line:\n%s", j.log())
			}
			temp := m[1]
			if _, err := os.Stat(temp); err != nil {
				t.Fatalf("temporary folder: %v", err)
			}
			sent := time.Now()
			_ = cmd.Process.Signal(sig)
			if code := j.exit(t, sent, 5*time.Second); code != 0 {
				t.Fatalf("exit %d after %v:\n%s", code, sig, j.log())
			}
			if !strings.Contains(j.log(), "temporary folder removed") {
				t.Errorf("no shutdown line:\n%s", j.log())
			}
			if _, err := os.Stat(temp); !os.IsNotExist(err) {
				t.Errorf("the temporary folder %s is still there (%v)", temp, err)
			}
		})
	}
}
