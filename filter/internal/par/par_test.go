package par

import (
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

type counter struct {
	hits []atomic.Int32
}

func (c *counter) RunPart(i int) { c.hits[i].Add(1) }

func TestRunCoversEveryPartOnce(t *testing.T) {
	var p Pool
	for _, th := range []int{0, 1, 2, 3, 8, 2} {
		p.SetThreads(th)
		for _, n := range []int{0, 1, 2, 5, 100} {
			c := &counter{hits: make([]atomic.Int32, n)}
			p.Run(c, n)
			for i := range c.hits {
				if c.hits[i].Load() != 1 {
					t.Fatalf("threads %d, %d parts: part %d ran %d times", th, n, i, c.hits[i].Load())
				}
			}
		}
	}
}

func TestRunDoesNotAllocate(t *testing.T) {
	p := &Pool{}
	p.SetThreads(3)
	c := &counter{hits: make([]atomic.Int32, 10)}
	p.Run(c, 10)
	if a := testing.AllocsPerRun(20, func() { p.Run(c, 10) }); a != 0 {
		t.Errorf("Run allocates %v times", a)
	}
}

func TestHelpersEndWithPool(t *testing.T) {
	before := runtime.NumGoroutine()
	p := &Pool{}
	p.SetThreads(4)
	p.Run(&counter{hits: make([]atomic.Int32, 8)}, 8)
	p.SetThreads(6)
	p.Run(&counter{hits: make([]atomic.Int32, 8)}, 8)
	p = nil
	for range 50 {
		runtime.GC()
		time.Sleep(5 * time.Millisecond)
		if runtime.NumGoroutine() <= before {
			return
		}
	}
	t.Errorf("%d goroutines before, %d after the pool is garbage", before, runtime.NumGoroutine())
}
