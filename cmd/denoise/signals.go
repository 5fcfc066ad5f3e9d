package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/pflag"

	"github.com/denoise-go/denoise/decode"
)

// signalStop cancels a job on its first SIGINT or SIGTERM. Cancelling interrupts the read
// in progress (decode/interrupt.go), the frames already read are finished and written and
// the output is finalised. A second signal ends the process at once: after the first,
// the signals are given back their default action.
type signalStop struct {
	mu  sync.Mutex
	sig os.Signal
}

func stopOnSignal(ctx context.Context, cancel func(), log *slog.Logger) *signalStop {
	st := &signalStop{}
	c := make(chan os.Signal, 1)
	signal.Notify(c, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		defer signal.Stop(c)
		select {
		case s := <-c:
			st.mu.Lock()
			st.sig = s
			st.mu.Unlock()
			signal.Stop(c) // a second signal ends the process at once
			log.Info("stopping: finishing the frames in flight and finalising the output", "signal", s.String())
			cancel()
		case <-ctx.Done():
		}
	}()
	return st
}

// received is the signal that stopped the job, or nil.
func (st *signalStop) received() os.Signal {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.sig
}

// exitCode is the exit code of a job stopped by sig: the shell's 128 + its number.
func exitCode(sig os.Signal) int {
	if sig == syscall.SIGTERM {
		return exitTerminated
	}
	return exitInterrupted
}

// stalledError is a job whose source stopped sending, after its output was finalised.
type stalledError struct {
	stall  error
	frames int64
	output string
}

func (e *stalledError) Error() string {
	return fmt.Sprintf("%v: %d frames written to %s (finalised, playable)", e.stall, e.frames, e.output)
}

func (e *stalledError) Unwrap() error { return e.stall }

// readTimeout is the input's read timeout: --read-timeout where given (for any input),
// otherwise its default for network inputs and none for files, pipes and devices.
func readTimeout(fs *pflag.FlagSet, input string) (time.Duration, error) {
	d, _ := fs.GetDuration("read-timeout")
	if d < 0 {
		return 0, usageError{fmt.Errorf("--read-timeout %v: give a positive duration (or 0 for none)", d)}
	}
	if fs.Changed("read-timeout") || decode.IsNetwork(input) {
		return d, nil
	}
	return 0, nil
}
