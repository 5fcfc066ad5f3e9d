// Package temporal holds the filters that look at several frames in order: windows, motion
// alignment and the averaging of aligned frames.
package temporal

import (
	"fmt"

	"github.com/denoise-go/denoise/frame"
	"github.com/denoise-go/denoise/internal/dsp"
)

// Average is a temporal stage whose output frame i is the per-sample mean of the input frames
// in [i−r, i+r] that exist: at the ends of the sequence the window shrinks instead of padding,
// so no frame is over-weighted. Output i carries frame i's metadata. Frames out == frames in.
type Average struct {
	n, r int
	// win holds the frames still needed, oldest first: sequence numbers [base, base+len(win)).
	// Its capacity is n, so sliding it never allocates.
	win   []*frame.Frame
	base  int64
	count int64 // frames pushed since the start or the last Flush
	next  int64 // sequence number of the next output
}

// NewAverage returns an Average over a centred window of n frames; n must be odd and ≥ 1.
func NewAverage(n int) (*Average, error) {
	if n < 1 || n%2 == 0 {
		return nil, fmt.Errorf("average: window of %d frames: want an odd number ≥ 1", n)
	}
	return &Average{n: n, r: n / 2, win: make([]*frame.Frame, 0, n)}, nil
}

// Name is "average".
func (a *Average) Name() string { return "average" }

// Lookahead is r = n/2: output i waits for frame i+r.
func (a *Average) Lookahead() int { return a.r }

// Push adds in to the window and emits output frame next once frame next+r is there.
func (a *Average) Push(in *frame.Frame, emit func(*frame.Frame) error) error {
	if a.r == 0 {
		return emit(in) // the mean of one frame is that frame
	}
	if len(a.win) > 0 && in.Geometry() != a.win[0].Geometry() {
		// A mid-stream size or format change: frames of two geometries cannot be averaged,
		// so the old sequence ends here and a new one starts with in.
		if err := a.Flush(emit); err != nil {
			in.Release()
			return err
		}
	}
	a.win = append(a.win, in)
	a.count++
	if a.count-1-a.next < int64(a.r) {
		return nil
	}
	return a.emitNext(emit)
}

// Flush emits the outputs still owed, each over the window clipped at the last frame, and
// releases the window. The stage is then ready for a new sequence.
func (a *Average) Flush(emit func(*frame.Frame) error) error {
	var err error
	for a.next < a.count && err == nil {
		err = a.emitNext(emit)
	}
	for i, f := range a.win {
		f.Release()
		a.win[i] = nil
	}
	a.win = a.win[:0]
	a.base, a.count, a.next = 0, 0, 0
	return err
}

// emitNext computes output a.next from the frames of [next−r, next+r] pushed so far, slides
// the window past the frames no later output needs, and emits.
func (a *Average) emitNext(emit func(*frame.Frame) error) error {
	i := a.next
	lo := max(i-int64(a.r), a.base)
	hi := min(i+int64(a.r), a.count-1)
	srcs := a.win[lo-a.base : hi-a.base+1]
	center := a.win[i-a.base]
	// An aligner goes here: it would replace srcs with the frames motion-compensated
	// onto center, and Mean would average those instead.
	out := like(center)
	Mean(out, srcs)
	a.next++
	for a.base < a.next-int64(a.r) {
		a.win[0].Release()
		copy(a.win, a.win[1:])
		a.win[len(a.win)-1] = nil
		a.win = a.win[:len(a.win)-1]
		a.base++
	}
	return emit(out)
}

// like returns a frame of src's geometry and metadata, from src's pool when it has one.
func like(src *frame.Frame) *frame.Frame {
	if p := src.Pool(); p != nil {
		return p.Like(src)
	}
	f := frame.New(src.Format, src.W, src.H)
	f.CopyMeta(src)
	return f
}

// Mean writes the per-sample mean of srcs into dst, plane by plane. The frames must share
// dst's geometry, and dst must not be one of srcs[1:].
func Mean(dst *frame.Frame, srcs []*frame.Frame) {
	if len(srcs) == 0 {
		panic("temporal: Mean of no frames")
	}
	inv := 1 / float32(len(srcs))
	for p := range dst.Planes {
		dp := &dst.Planes[p]
		for y := 0; y < dp.H; y++ {
			d := dp.Row(y)
			copy(d, srcs[0].Planes[p].Row(y))
			for _, s := range srcs[1:] {
				dsp.WarpAddRow(d, s.Planes[p].Row(y))
			}
			dsp.WarpScaleRow(d, inv)
		}
	}
}
