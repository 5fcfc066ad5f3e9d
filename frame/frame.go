package frame

import (
	"fmt"
	"sync/atomic"
)

// Plane is one channel of samples, row-major with Stride ≥ W.
type Plane struct {
	W, H, Stride int
	Pix          []float32
}

// Row returns row y, exactly W samples long.
func (p *Plane) Row(y int) []float32 {
	o := y * p.Stride
	return p.Pix[o : o+p.W : o+p.W]
}

// Resize makes p a w×h plane with Stride w, reusing its samples' memory when it is large
// enough (the samples are then left as they were, unordered).
func (p *Plane) Resize(w, h int) {
	if cap(p.Pix) < w*h {
		p.Pix = make([]float32, w*h)
	}
	p.W, p.H, p.Stride, p.Pix = w, h, w, p.Pix[:w*h]
}

// CopyFrom copies src's samples into p; the sizes must match.
func (p *Plane) CopyFrom(src *Plane) {
	if p.Stride == src.Stride {
		copy(p.Pix[:p.Stride*p.H], src.Pix[:src.Stride*src.H])
		return
	}
	for y := 0; y < p.H; y++ {
		copy(p.Row(y), src.Row(y))
	}
}

// Frame is one picture in the working format. A *Frame sent on a channel is handed over:
// the receiver forwards it or calls Release. Retain lets a temporal window keep a frame
// that has also been passed on.
type Frame struct {
	Format Format
	W, H   int
	Planes []Plane

	// Index counts frames from 0 in decode order of presentation.
	Index int64
	// PTS and Duration are in units of TimeBase, as the source gave them.
	PTS, Duration int64
	TimeBase      Rational
	// Key is an opaque tag set by a source, copied by CopyMeta (e.g. a file name).
	Key string
	// Neighbours is how many neighbouring frames a temporal smoothing stage combined into
	// this picture (0: none, or no such stage ran); copied by CopyMeta.
	Neighbours int
	// Guide, when set, is this picture as it was before a smoothing stage (the input of
	// NLM or spatio-temporal NLM), kept for a later stage that looks at both (the CNN).
	// The frame owns one reference to it: SetGuide replaces it, and the frame's last
	// Release releases it. CopyMeta does not copy it.
	Guide *Frame
	// Source, when set, is this picture as it entered the chain of stages before the CNN
	// (before impulse replacement, say), kept and owned like Guide.
	Source *Frame

	refs atomic.Int32
	pool *Pool
}

// New allocates a frame outside any pool.
func New(f Format, w, h int) *Frame {
	fr := &Frame{Format: f, W: w, H: h}
	fr.alloc()
	fr.refs.Store(1)
	return fr
}

func (fr *Frame) alloc() {
	n := fr.Format.NumPlanes()
	fr.Planes = make([]Plane, n)
	for i := range fr.Planes {
		pw, ph := fr.Format.PlaneSize(i, fr.W, fr.H)
		fr.Planes[i] = Plane{W: pw, H: ph, Stride: pw, Pix: make([]float32, pw*ph)}
	}
}

// Geometry is what frames of one pool share.
type Geometry struct {
	Format Format
	W, H   int
}

// Geometry returns the frame's format and size.
func (fr *Frame) Geometry() Geometry { return Geometry{fr.Format, fr.W, fr.H} }

func (g Geometry) String() string { return fmt.Sprintf("%dx%d %s", g.W, g.H, g.Format) }

// CopyMeta copies timestamps and tags from src.
func (fr *Frame) CopyMeta(src *Frame) {
	fr.Index, fr.PTS, fr.Duration, fr.TimeBase, fr.Key = src.Index, src.PTS, src.Duration, src.TimeBase, src.Key
	fr.Neighbours = src.Neighbours
}

// CopyFrom copies src's samples and metadata; the geometries must match.
func (fr *Frame) CopyFrom(src *Frame) {
	for i := range fr.Planes {
		fr.Planes[i].CopyFrom(&src.Planes[i])
	}
	fr.CopyMeta(src)
}

// Retain adds a reference; each Retain needs one more Release.
func (fr *Frame) Retain() *Frame {
	fr.refs.Add(1)
	return fr
}

// Release drops a reference; the last one returns the frame to its pool.
func (fr *Frame) Release() {
	switch n := fr.refs.Add(-1); {
	case n == 0:
		for _, slot := range [...]**Frame{&fr.Guide, &fr.Source} {
			if g := takeKept(slot); g != nil {
				g.Release()
			}
		}
		if fr.pool != nil {
			fr.pool.put(fr)
		}
	case n < 0:
		panic("frame: Release of a frame with no references")
	}
}

// SetGuide makes g (whose reference the frame takes over; nil clears) the frame's guide,
// releasing the one it had.
func (fr *Frame) SetGuide(g *Frame) { setKept(&fr.Guide, g) }

// TakeGuide removes the frame's guide and returns it with its reference (nil when none).
func (fr *Frame) TakeGuide() *Frame { return takeKept(&fr.Guide) }

// SetSource makes g (whose reference the frame takes over; nil clears) the frame's source,
// releasing the one it had.
func (fr *Frame) SetSource(g *Frame) { setKept(&fr.Source, g) }

// TakeSource removes the frame's source and returns it with its reference (nil when none).
func (fr *Frame) TakeSource() *Frame { return takeKept(&fr.Source) }

// setKept puts g into a frame's slot for a kept picture, releasing the one there.
func setKept(slot **Frame, g *Frame) {
	if old := *slot; old != nil && old != g {
		old.Release()
	}
	*slot = g
}

// takeKept empties a frame's slot for a kept picture and returns what it held.
func takeKept(slot **Frame) *Frame {
	g := *slot
	*slot = nil
	return g
}

// Pool hands out frames of the same geometry as a given frame (or any geometry), recycling
// released ones. It is safe for concurrent use.
type Pool struct {
	free      chan *Frame
	allocated atomic.Int64
}

// NewPool returns a pool that keeps at most capacity released frames.
func NewPool(capacity int) *Pool {
	return &Pool{free: make(chan *Frame, capacity)}
}

// Get returns a frame of geometry g with one reference. Samples are not cleared.
func (p *Pool) Get(g Geometry) *Frame {
	for {
		select {
		case fr := <-p.free:
			if fr.Geometry() != g {
				continue // geometry changed mid-stream: let the old frame go
			}
			fr.refs.Store(1)
			return fr
		default:
			fr := &Frame{Format: g.Format, W: g.W, H: g.H, pool: p}
			fr.alloc()
			fr.refs.Store(1)
			p.allocated.Add(1)
			return fr
		}
	}
}

// Like returns a pooled frame of src's geometry with src's metadata.
func (p *Pool) Like(src *Frame) *Frame {
	fr := p.Get(src.Geometry())
	fr.CopyMeta(src)
	return fr
}

// Allocated is the number of frames the pool has ever allocated.
func (p *Pool) Allocated() int64 { return p.allocated.Load() }

func (p *Pool) put(fr *Frame) {
	select {
	case p.free <- fr:
	default: // pool full: leave it to the garbage collector
	}
}

// Pool returns the pool the frame came from, or nil.
func (fr *Frame) Pool() *Pool { return fr.pool }
