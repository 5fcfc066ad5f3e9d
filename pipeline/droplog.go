package pipeline

import (
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"
)

// dropLog reports live-mode drops at most once a second, so a pipeline that falls behind for
// a long time says so without flooding the log.
type dropLog struct {
	log  *slog.Logger
	n    atomic.Int64 // drops not yet reported
	done chan struct{}
	quit chan struct{}
}

func newDropLog(log *slog.Logger) *dropLog {
	d := &dropLog{log: log, done: make(chan struct{}), quit: make(chan struct{})}
	go d.loop(time.Second)
	return d
}

func (d *dropLog) add() { d.n.Add(1) }

func (d *dropLog) loop(every time.Duration) {
	defer close(d.done)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			d.flush()
		case <-d.quit:
			d.flush() // the tail, so that the logged drops add up to Stats.Dropped
			return
		}
	}
}

func (d *dropLog) flush() {
	if n := d.n.Swap(0); n > 0 {
		d.log.Warn(fmt.Sprintf("pipeline is too slow, dropped %d frames in the last second", n), "dropped", n)
	}
}

func (d *dropLog) stop() {
	close(d.quit)
	<-d.done
}
