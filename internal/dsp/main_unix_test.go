//go:build unix

package dsp

import (
	"os"
	"strings"
	"syscall"
	"testing"
)

// TestMain runs the package's tests with asynchronous preemption off: the runtime's preemption
// handler restores full YMM registers, so a preemption landing between a kernel's
// ClearAVXUpperBits and the harness's XINUSE check would fail the check spuriously. The test
// binary re-executes itself once with GODEBUG=asyncpreemptoff=1.
func TestMain(m *testing.M) {
	godebug := os.Getenv("GODEBUG")
	if !strings.Contains(godebug, "asyncpreemptoff=1") {
		if godebug != "" {
			godebug += ","
		}
		if exe, err := os.Executable(); err == nil && os.Getenv("DSP_TEST_REEXEC") == "" {
			env := []string{"DSP_TEST_REEXEC=1", "GODEBUG=" + godebug + "asyncpreemptoff=1"}
			for _, kv := range os.Environ() {
				if !strings.HasPrefix(kv, "GODEBUG=") {
					env = append(env, kv)
				}
			}
			err = syscall.Exec(exe, os.Args, env)
			// Exec returns only on failure: run as we are.
			_ = err
		}
	}
	os.Exit(m.Run())
}
