package temporal

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// The passes of the motion search run over rows of blocks on the estimator's goroutine and
// helpers. Most passes carry vectors along the rows and down (a block's predictor is the
// median of its left, top and top-right neighbours), so they run as a wavefront: rows are
// claimed in order, and a block waits until the row claimed before its own has reached it.
// Every block then sees exactly the neighbours it sees in a serial pass: the vectors do not
// depend on the number of goroutines or on their scheduling.

type passKind int

const (
	passForward passKind = iota // searchLevel's first pass, top-down
	passReverse                 // its second, bottom-up
	passSubPel                  // the sub-pixel refinement, top-down
	passSmooth                  // the median smoothing: rows independent
)

// motionPass holds what a pass needs; the helpers hold only it, so that they do not keep
// the estimator alive, and end when it is garbage.
type motionPass struct {
	cfg     MotionConfig
	threads int

	kind       passKind
	st, parent *levelState
	cur, ref   *pyrLevel
	lam        float32 // penalty weight (smooth: the tolerance)
	top        bool
	rc         int32 // exhaustive range at the top level
	dst        *MotionField
	sigma2     float32
	src        []Vec // smooth's input

	rows     int
	next     atomic.Int32   // the next row to claim
	progress []atomic.Int32 // per claimed row: blocks done

	helpers int
	wake    chan struct{}
	done    sync.WaitGroup
	stopped sync.Once
}

func newMotionPass(cfg MotionConfig) *motionPass {
	t := cfg.Threads
	if t <= 0 {
		t = runtime.GOMAXPROCS(0)
	}
	return &motionPass{cfg: cfg, threads: t}
}

// size makes room for passes of up to rows rows.
func (p *motionPass) size(rows int) {
	if len(p.progress) < rows {
		p.progress = make([]atomic.Int32, rows)
	}
}

// run calls the pass's row function for rows 0 … rows−1 on up to threads goroutines and
// returns when all are done. Below two rows per goroutine it is not worth waking helpers.
func (p *motionPass) run(kind passKind, rows int) {
	p.kind, p.rows = kind, rows
	for i := range p.progress[:rows] {
		p.progress[i].Store(0)
	}
	p.next.Store(0)
	k := min(p.threads, rows/2)
	if k <= 1 {
		for r := range rows {
			p.row(r)
		}
		return
	}
	p.start(k - 1)
	p.done.Add(k - 1)
	for range k - 1 {
		p.wake <- struct{}{}
	}
	p.drain()
	p.done.Wait()
}

// release lets go of the last estimate's pyramids and fields, which the helpers, living on
// between estimates, would otherwise keep alive.
func (p *motionPass) release() {
	p.st, p.parent, p.cur, p.ref, p.dst, p.src = nil, nil, nil, nil, nil, nil
}

// start starts n helpers if fewer are running.
func (p *motionPass) start(n int) {
	if p.helpers >= n {
		return
	}
	if p.wake == nil {
		p.wake = make(chan struct{}, p.threads)
	}
	for ; p.helpers < n; p.helpers++ {
		go p.helper()
	}
}

func (p *motionPass) helper() {
	for range p.wake {
		p.drain()
		p.done.Done()
	}
}

// stopWhenGarbage ends p's helpers once owner is unreachable, if stop has not.
func (p *motionPass) stopWhenGarbage(owner *MotionEstimator) {
	runtime.AddCleanup(owner, func(p *motionPass) { p.stop() }, p)
}

// stop ends the helpers; later passes run on the caller's goroutine alone.
func (p *motionPass) stop() {
	p.stopped.Do(func() {
		if p.wake != nil {
			close(p.wake)
		}
		p.threads = 1
	})
}

// drain claims rows until none are left. A claimed row waits only on rows claimed before
// it, whose goroutines are running: the wavefront cannot deadlock.
func (p *motionPass) drain() {
	for {
		r := int(p.next.Add(1) - 1)
		if r >= p.rows {
			return
		}
		p.row(r)
	}
}

func (p *motionPass) row(r int) {
	switch p.kind {
	case passForward:
		p.forwardRow(r)
	case passReverse:
		p.reverseRow(r)
	case passSubPel:
		p.subPelRow(r)
	case passSmooth:
		p.smoothRow(r)
	}
}

// wait returns once claimed row r has done need blocks.
func (p *motionPass) wait(r, need int) {
	pr := &p.progress[r]
	for spins := 0; int(pr.Load()) < need; spins++ {
		switch {
		case spins < 64:
		case spins < 1024:
			runtime.Gosched()
		default:
			// The row's goroutine is not running (the machine is busy): stop burning
			// the CPU it needs.
			time.Sleep(20 * time.Microsecond)
		}
	}
}
