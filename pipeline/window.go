package pipeline

import (
	"errors"
	"time"

	"github.com/denoise-go/denoise/frame"
)

// runTemporal runs a Temporal stage on one goroutine, in order. An Overlapping stage is
// settled whenever its input queue is empty.
func (r *runner) runTemporal(s *stageRun, in <-chan *frame.Frame, out chan<- *frame.Frame) {
	defer close(out)
	var blocked time.Duration // time emit spent on a full queue, kept out of the latency
	emit := func(f *frame.Frame) error {
		t0 := time.Now()
		ok := r.send(out, f)
		blocked += time.Since(t0)
		if !ok {
			return errAborted
		}
		s.out.Add(1)
		s.m.incOut()
		return nil
	}
	ov, _ := s.temporal.(Overlapping)
	if ov != nil {
		ov.Overlap()
	}
	for {
		var f *frame.Frame
		var ok bool
		select {
		case f, ok = <-in:
		default:
			if ov != nil && !r.aborted() {
				if err := ov.Settle(emit); err != nil && !errors.Is(err, errAborted) {
					r.fail(s.name, err)
				}
			}
			f, ok = <-in
		}
		if !ok {
			break
		}
		if r.aborted() {
			f.Release()
			continue
		}
		s.in.Add(1)
		s.m.incIn()
		blocked = 0
		t0 := time.Now()
		err := s.temporal.Push(f, emit)
		s.m.observe(time.Since(t0) - blocked)
		if err != nil && !errors.Is(err, errAborted) {
			r.fail(s.name, err)
		}
	}
	if !r.aborted() {
		if err := s.temporal.Flush(emit); err != nil && !errors.Is(err, errAborted) {
			r.fail(s.name, err)
		}
	}
	if r.aborted() {
		// The window still holds frames; flushing them into the bin releases them through
		// the stage's own bookkeeping. Flush is a no-op if the stage is already empty.
		_ = s.temporal.Flush(func(f *frame.Frame) error {
			f.Release()
			return nil
		})
	}
}
