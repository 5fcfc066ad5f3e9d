package temporal

import (
	"runtime"
	"sync"

	"github.com/denoise-go/denoise/filter/nlm"
)

// stepper runs the band steps of a frame's planes (see nlm.STDenoiser.RunStep) on the
// stage's goroutine and helpers, each step as soon as its input is there: a band's own
// candidates at once, its candidates from neighbour k once neighbour k is aligned. So the
// helpers work on the frame's own candidates while the stage's goroutine is still aligning
// the neighbours (motion search, warps, reliabilities: serial, and about half of the work
// at radius 2), instead of waiting for it. Every band runs its steps in order, so the
// output does not depend on the scheduling.
type stepper struct {
	mu    sync.Mutex
	cond  sync.Cond
	jobs  []stepJob
	n     int  // cross planes of the frame
	ready int  // cross planes prepared: steps 1..ready may run
	final bool // the output is given: the last steps may run
	left  int  // jobs with steps still to run

	waiting  bool // the stage's goroutine is in wait(waitStep)
	waitStep int

	helpers int
	started bool
	start   chan struct{} // one token per helper and frame; closed by stop
	done    sync.WaitGroup
	stopped sync.Once
}

// stepJob is one band of one plane.
type stepJob struct {
	d    *nlm.STDenoiser
	band int
	next int // the next step to run
	busy bool
}

func newStepper(threads int) *stepper {
	s := &stepper{helpers: max(0, threads-1), start: make(chan struct{})}
	s.cond.L = &s.mu
	return s
}

// begin resets the job list for a frame with n cross planes.
func (s *stepper) begin(n int) {
	s.jobs = s.jobs[:0]
	s.n, s.ready, s.left, s.final = n, 0, 0, false
}

// add queues the bands of d.
func (s *stepper) add(d *nlm.STDenoiser, bands int) {
	for b := range bands {
		s.jobs = append(s.jobs, stepJob{d: d, band: b})
	}
	s.left += bands
}

// run starts the helpers on the queued jobs.
func (s *stepper) run() {
	if s.helpers == 0 {
		return
	}
	if !s.started {
		s.started = true
		for range s.helpers {
			go s.helper()
		}
	}
	s.done.Add(s.helpers)
	for range s.helpers {
		s.start <- struct{}{}
	}
}

// helper works on a frame's jobs each time it is started, until the stepper is garbage.
func (s *stepper) helper() {
	for range s.start {
		s.work()
		s.done.Done()
	}
}

// crossReady marks the next cross plane prepared.
func (s *stepper) crossReady() {
	s.mu.Lock()
	s.ready++
	s.cond.Broadcast()
	s.mu.Unlock()
}

// finalReady lets the bands run their last steps, which write the output.
func (s *stepper) finalReady() {
	s.mu.Lock()
	s.final = true
	s.cond.Broadcast()
	s.mu.Unlock()
}

// finish marks every cross plane and the output ready, joins the work and returns when
// every job is done and the helpers are idle.
func (s *stepper) finish() {
	s.mu.Lock()
	if s.ready != s.n || !s.final {
		s.ready, s.final = s.n, true
		s.cond.Broadcast()
	}
	s.mu.Unlock()
	s.work()
	if s.helpers > 0 {
		s.done.Wait()
	}
}

// work runs steps until every job is done, waiting while none can run.
func (s *stepper) work() {
	s.mu.Lock()
	for s.left > 0 {
		j := s.pick()
		if j == nil {
			s.cond.Wait()
			continue
		}
		s.runStep(j)
	}
	s.mu.Unlock()
}

// runStep runs job j's next step with s.mu released (it is held on entry and on return), then
// wakes the waiters when the last job finished or a wait's step is reached.
func (s *stepper) runStep(j *stepJob) {
	j.busy = true
	s.mu.Unlock()
	j.d.RunStep(j.band, j.next)
	s.mu.Lock()
	j.busy = false
	j.next++
	if j.next == s.n+2 {
		if s.left--; s.left == 0 {
			s.cond.Broadcast()
		}
	}
	if s.waiting && s.past(s.waitStep) {
		s.cond.Broadcast()
	}
}

// wait runs steps until every job has run step (at most the number of cross planes marked
// ready), so that a cross plane's copy can be reused (nlm.STDenoiser.CrossSlots).
func (s *stepper) wait(step int) {
	s.mu.Lock()
	s.waiting, s.waitStep = true, step
	for !s.past(step) {
		j := s.pick()
		if j == nil {
			s.cond.Wait()
			continue
		}
		s.runStep(j)
	}
	s.waiting = false
	s.mu.Unlock()
}

// past reports whether every job has run step; s.mu is held.
func (s *stepper) past(step int) bool {
	for i := range s.jobs {
		if s.jobs[i].next <= step {
			return false
		}
	}
	return true
}

// pick returns the runnable job furthest behind, or nil; s.mu is held. Step 0 needs
// nothing, step k+1 cross plane k, the last step the ones before it and the output.
func (s *stepper) pick() *stepJob {
	var best *stepJob
	for i := range s.jobs {
		j := &s.jobs[i]
		if j.busy || j.next >= s.n+2 || (j.next >= 1 && j.next <= s.n && j.next > s.ready) || (j.next == s.n+1 && !s.final) {
			continue
		}
		if best == nil || j.next < best.next {
			best = j
		}
	}
	return best
}

// stopWhenGarbage ends the helpers once owner is unreachable, if stop has not.
func (s *stepper) stopWhenGarbage(owner *STNLM) {
	runtime.AddCleanup(owner, func(s *stepper) { s.stop() }, s)
}

// stop ends the helpers; later frames run on the stage's goroutine alone.
func (s *stepper) stop() {
	s.stopped.Do(func() {
		close(s.start)
		s.helpers = 0
	})
}
