package job

import (
	"context"
	"log/slog"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// Stop is the signal handling of a job: the context NotifyStop returns is cancelled by the
// first SIGINT or SIGTERM, and Signal says which one came.
type Stop struct {
	mu  sync.Mutex
	sig os.Signal
	end context.CancelFunc
}

// NotifyStop returns a context that the first SIGINT or SIGTERM cancels, and the Stop that
// reports the signal. After that first signal the signals get their default action back, so
// a second one ends the process at once (cancelling lets the frames in flight be written
// and the output be finalised, which a user may not want to wait for). log, when not nil,
// gets a line when a signal arrives. Call Stop.Release when the work is over: it stops the
// handling and cancels the context.
func NotifyStop(parent context.Context, log *slog.Logger) (context.Context, *Stop) {
	ctx, cancel := context.WithCancel(parent)
	st := &Stop{end: cancel}
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
			if log != nil {
				log.Info("stopping: finishing the frames in flight and finalising the output", "signal", s.String())
			}
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, st
}

// Signal is the signal that cancelled the context, or nil.
func (st *Stop) Signal() os.Signal {
	if st == nil {
		return nil
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.sig
}

// Release ends the signal handling and cancels the context. It may be called more than once.
func (st *Stop) Release() {
	if st != nil {
		st.end()
	}
}
