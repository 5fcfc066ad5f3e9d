package pipeline

import (
	"sync"
	"time"

	"github.com/denoise-go/denoise/frame"
)

// job is a frame and its position in the stage's input, by which the output is put back
// in order.
type job struct {
	seq int64
	f   *frame.Frame
}

// runFilter runs a per-frame stage: a dispatcher numbers the input and hands it to the
// workers, and this goroutine puts their output back in input order. A token per frame in
// flight, returned when the frame leaves in order, keeps at most one frame per worker between
// dispatch and output, so the reorder buffer is a ring of that many slots.
func (r *runner) runFilter(s *stageRun, in <-chan *frame.Frame, out chan<- *frame.Frame) {
	defer close(out)
	w := len(s.filters)
	jobs := make(chan job)
	results := make(chan job, w) // never full: at most w frames are in flight
	tokens := make(chan struct{}, w)

	var workers sync.WaitGroup
	for _, flt := range s.filters {
		workers.Go(func() {
			for j := range jobs {
				if r.aborted() {
					j.f.Release()
					continue
				}
				t0 := time.Now()
				o, err := flt.Process(j.f) // Process owns j.f from here, error or not
				if err != nil {
					if o != nil {
						o.Release()
					}
					r.fail(s.name, err)
					continue
				}
				s.m.observe(time.Since(t0))
				results <- job{j.seq, o}
			}
		})
	}
	go func() {
		workers.Wait()
		close(results)
	}()
	go func() {
		defer close(jobs)
		var seq int64
		// A token is taken before the frame is received, so that a frame waiting for a
		// worker waits in the queue: at most w frames are in the stage, not w+1 (at
		// 1080p, 12.4 MB less).
		for {
			select {
			case tokens <- struct{}{}:
			case <-r.abort:
				for f := range in {
					f.Release()
				}
				return
			}
			if s.demand != nil {
				select {
				case s.demand <- struct{}{}: // a worker is free: the source may read
				default: // already called for
				}
			}
			f, ok := <-in
			if !ok {
				return
			}
			if r.aborted() {
				f.Release()
				<-tokens
				continue
			}
			s.in.Add(1)
			s.m.incIn()
			jobs <- job{seq, f}
			seq++
		}
	}()

	ring := make([]*frame.Frame, w)
	var next int64
	for res := range results {
		ring[res.seq%int64(w)] = res.f
		for {
			i := next % int64(w)
			f := ring[i]
			if f == nil {
				break
			}
			ring[i] = nil
			next++
			if r.send(out, f) {
				s.out.Add(1)
				s.m.incOut()
			}
			<-tokens
		}
	}
	// Only an abort leaves frames here: those behind a frame that failed.
	for _, f := range ring {
		if f != nil {
			f.Release()
		}
	}
}
