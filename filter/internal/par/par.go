// Package par runs the parts of one job on helper goroutines that live as long as their
// Pool, so that splitting a frame into bands neither starts goroutines nor allocates per frame.
package par

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// Task is a job split into parts numbered from 0. RunPart must be safe to call concurrently
// for distinct parts.
type Task interface {
	RunPart(i int)
}

// Pool runs tasks on up to Threads goroutines: the caller's and Threads−1 helpers started on
// first use. The helpers end once the Pool is garbage. A Pool runs one task at a time; the
// zero Pool runs everything on the caller's goroutine.
type Pool struct {
	threads int
	h       *helpers
	cleanup runtime.Cleanup
}

// helpers is all the helper goroutines reference, so that they do not keep the Pool alive.
type helpers struct {
	n    int
	wake chan struct{}
	done sync.WaitGroup
	// the task being run; cleared when it is done
	t     Task
	parts int
	next  atomic.Int64
}

func (h *helpers) loop() {
	for range h.wake {
		h.drain()
		h.done.Done()
	}
}

func (h *helpers) drain() {
	for {
		i := int(h.next.Add(1) - 1)
		if i >= h.parts {
			return
		}
		h.t.RunPart(i)
	}
}

// SetThreads sets how many goroutines Run uses (≤ 1: only the caller's).
func (p *Pool) SetThreads(n int) { p.threads = n }

// Threads returns the number of goroutines Run uses.
func (p *Pool) Threads() int { return max(1, p.threads) }

// Run calls t.RunPart(i) for every i in [0, n) and returns when all are done; the caller's
// goroutine takes parts too.
func (p *Pool) Run(t Task, n int) {
	k := min(p.Threads(), n)
	if k <= 1 {
		for i := 0; i < n; i++ {
			t.RunPart(i)
		}
		return
	}
	p.start(k - 1)
	h := p.h
	h.t, h.parts = t, n
	h.next.Store(0)
	h.done.Add(k - 1)
	for range k - 1 {
		h.wake <- struct{}{}
	}
	h.drain()
	h.done.Wait()
	h.t = nil
}

func (p *Pool) start(n int) {
	if p.h != nil && p.h.n >= n {
		return
	}
	if p.h != nil {
		p.cleanup.Stop()
		close(p.h.wake)
	}
	h := &helpers{n: n, wake: make(chan struct{}, n)}
	for range n {
		go h.loop()
	}
	p.h = h
	p.cleanup = runtime.AddCleanup(p, func(h *helpers) { close(h.wake) }, h)
}

// Close ends the helpers now rather than when the Pool is garbage; a later Run starts new
// ones.
func (p *Pool) Close() {
	if p.h != nil {
		p.cleanup.Stop()
		close(p.h.wake)
		p.h = nil
	}
}
