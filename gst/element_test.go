package gst

import (
	"runtime"
	"testing"
	"unsafe"

	"github.com/denoise-go/denoise/frame"
)

// discard is a host that keeps count of what it is given.
type discard struct{ frames, events, drops int }

func (d *discard) Output(*frame.Frame, Meta, *Converter) error { d.frames++; return nil }
func (d *discard) Event(unsafe.Pointer, bool)                  { d.events++ }
func (d *discard) Dropped(Meta, uint64, uint64)                { d.drops++ }

func heapAfterGC() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

func TestElementReleasesRuns(t *testing.T) {
	run := func() {
		h := &discard{}
		e, err := New(h, Props{Mode: "stnlm", Radius: 2, Live: "false"})
		if err != nil {
			t.Fatal(err)
		}
		if err := e.Start("I420", 64, 48, false); err != nil {
			t.Fatal(err)
		}
		g, _ := e.Geometry()
		for i := range 4 {
			f := frame.New(g.Format, g.W, g.H)
			for k := range f.Planes[0].Pix {
				f.Planes[0].Pix[k] = float32((k*7+i*13)%255) / 255
			}
			if err := e.PushFrame(f, Meta{PTS: None, Duration: None}); err != nil {
				t.Fatal(err)
			}
		}
		if err := e.Drain(); err != nil {
			t.Fatal(err)
		}
		if h.frames != 4 {
			t.Fatalf("%d frames out of 4", h.frames)
		}
		e.Close()
	}
	for range 20 {
		run()
	}
	base, g0 := heapAfterGC(), runtime.NumGoroutine()
	for range 200 {
		run()
	}
	heap, g1 := heapAfterGC(), runtime.NumGoroutine()
	t.Logf("heap %d → %d bytes, goroutines %d → %d", base, heap, g0, g1)
	if heap > base+4<<20 {
		t.Errorf("heap grew from %d to %d bytes over 200 runs", base, heap)
	}
	if g1 > g0 {
		t.Errorf("%d goroutines after 200 runs, %d before: the runs leave theirs behind", g1, g0)
	}
}
