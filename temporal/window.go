package temporal

import (
	"fmt"

	"github.com/denoise-go/denoise/frame"
)

// Consistency says whether a Window runs the forward-backward check on aligned neighbours.
type Consistency uint8

const (
	// ConsistencyAuto checks in a centred window, where the backward field of a pair is the
	// forward field of the same pair seen from the other frame and costs nothing extra, and
	// not in a causal one, where it would double the motion search.
	ConsistencyAuto Consistency = iota
	ConsistencyOn
	ConsistencyOff
)

// WindowConfig tunes a Window.
type WindowConfig struct {
	// Radius is how many neighbours a centre frame gets on each side (past only when
	// Causal): up to 2·Radius+1 frames are held.
	Radius int
	// Causal windows use past frames only, so a centre is ready as soon as it arrives.
	Causal bool
	// NoSceneCuts turns scene-cut detection off; a change of frame size still restarts.
	NoSceneCuts bool
	Consistency Consistency
	// Sigma is the noise standard deviation in sample units when known; 0 lets the motion
	// fields estimate it. It sets the reliability scale (and the estimator's and the
	// scene-cut detector's, unless their own configs say otherwise).
	Sigma      float32
	Motion     MotionConfig
	Compensate CompensateConfig
	SceneCut   SceneCutConfig
	// Luma returns the plane motion is estimated on and reliability is measured on, e.g. an
	// impulse-cleaned luma, of the frame's full size; nil uses plane 0. It is read once,
	// when the frame is pushed; where motion is estimated at half scale the window keeps
	// no copy of it, and it must stay unchanged while the frame is held (the window's
	// consumers write their results into frames of their own).
	Luma func(*frame.Frame) *frame.Plane
}

// Window is the sliding window of a temporal stage: it holds the frames a centre frame
// needs, restarts at scene cuts and size changes so that no frame is ever the neighbour of a
// frame from another scene, and aligns neighbours onto the centre on demand: motion fields
// are estimated once per ordered pair and kept while both frames are held, warped frames and
// reliability maps come from pools. A stage calls Push and Flush from its own and does its
// work in the callback: a spatio-temporal NLM searches the centre and Aligned(k).Frame for
// every neighbour, scaling each candidate's weight by Aligned(k).Reliability. Not safe for
// concurrent use.
type Window struct {
	cfg  WindowConfig
	est  *MotionEstimator
	comp *Compensator
	cut  *SceneCutDetector
	fb   bool

	slots      []*slot // held frames in order; consecutive sequence numbers
	next       int64   // sequence number of the next centre to hand out
	seq        int64   // sequence number of the next frame pushed
	sceneStart bool    // the next centre handed out starts a scene
	started    bool    // a frame has been pushed since the last Flush
	geom       frame.Geometry

	fields     []*pairField
	freeFields []*pairField
	freeSlots  []*slot
	warpPool   *frame.Pool
	relPool    *frame.Pool
	lumaW      frame.Plane // scratch: a neighbour's cleaned luma warped, when Luma is set

	centre  Centre
	aligned []Aligned
}

type slot struct {
	f    *frame.Frame
	seq  int64
	pyr  Pyramid
	luma frame.Plane // view of the pyramid's finest level
}

type pairField struct {
	cur, ref int64
	f        MotionField
}

// NewWindow checks cfg and returns an empty window.
func NewWindow(cfg WindowConfig) (*Window, error) {
	if cfg.Radius < 0 || cfg.Radius > 32 {
		return nil, fmt.Errorf("window: radius %d: want 0 to 32", cfg.Radius)
	}
	if cfg.Sigma < 0 || cfg.Sigma > 1 {
		return nil, fmt.Errorf("window: sigma %g: want 0 (estimate) to 1", cfg.Sigma)
	}
	if cfg.Motion.Sigma == 0 {
		cfg.Motion.Sigma = cfg.Sigma
	}
	if cfg.SceneCut.Sigma == 0 {
		cfg.SceneCut.Sigma = cfg.Sigma
	}
	est, err := NewMotionEstimator(cfg.Motion)
	if err != nil {
		return nil, fmt.Errorf("window: %w", err)
	}
	comp, err := NewCompensator(cfg.Compensate)
	if err != nil {
		return nil, fmt.Errorf("window: %w", err)
	}
	w := &Window{cfg: cfg, est: est, comp: comp}
	if !cfg.NoSceneCuts {
		if w.cut, err = NewSceneCutDetector(cfg.SceneCut); err != nil {
			return nil, fmt.Errorf("window: %w", err)
		}
	}
	switch cfg.Consistency {
	case ConsistencyAuto:
		w.fb = !cfg.Causal
	case ConsistencyOn:
		w.fb = true
	}
	n := 2*cfg.Radius + 1
	w.slots = make([]*slot, 0, n+1)
	w.warpPool, w.relPool = frame.NewPool(2*n), frame.NewPool(2*n)
	w.aligned = make([]Aligned, 2*cfg.Radius)
	w.centre.Neighbours = make([]Neighbour, 0, 2*cfg.Radius)
	w.centre.w = w
	return w, nil
}

// Lookahead is how many frames after a centre the window waits for: Radius, or 0 when causal.
func (w *Window) Lookahead() int {
	if w.cfg.Causal {
		return 0
	}
	return w.cfg.Radius
}

// Close ends the helper goroutines of the window's motion estimators now rather than when
// the window is garbage. It does not release the frames the window holds (Flush does).
func (w *Window) Close() {
	w.est.Close()
	if w.cut != nil {
		w.cut.Close()
	}
}

// Centre is a frame handed out by a Window with its neighbours. It and everything reached
// from it are valid only during the callback that receives it; Retain a frame to keep it.
type Centre struct {
	Frame      *frame.Frame
	Neighbours []Neighbour // in time order, the centre itself left out
	// SceneStart is true for the first centre of a scene (or of the stream).
	SceneStart bool

	w    *Window
	slot *slot
}

// Neighbour is a frame of the centre's scene within the window's radius.
type Neighbour struct {
	Offset int          // its index minus the centre's: negative for past frames
	Frame  *frame.Frame // as pushed, not aligned

	slot    *slot
	aligned *Aligned
}

// Aligned is a neighbour motion-compensated onto its centre.
type Aligned struct {
	// Frame is the neighbour warped onto the centre, all planes; it carries the
	// neighbour's metadata.
	Frame *frame.Frame
	// Reliability is a one-plane, luma-sized frame of weights in [0,1]: how far each
	// warped pixel can stand in for the centre's (see Compensator.Reliability).
	Reliability *frame.Frame
	Field       *MotionField // centre to neighbour
	Backward    *MotionField // neighbour to centre, when the window checks consistency
}

// Luma is the plane motion was estimated on for the centre (what WindowConfig.Luma gave).
func (c *Centre) Luma() *frame.Plane { return &c.slot.luma }

// Aligned returns neighbour k aligned onto the centre, computing it on the first call.
func (c *Centre) Aligned(k int) *Aligned {
	nb := &c.Neighbours[k]
	if nb.aligned != nil {
		return nb.aligned
	}
	w := c.w
	a := &w.aligned[k]
	a.Field = w.field(c.slot, nb.slot)
	a.Backward = nil
	if w.fb {
		a.Backward = w.field(nb.slot, c.slot)
	}
	a.Frame = w.warpPool.Get(nb.Frame.Geometry())
	a.Frame.CopyMeta(nb.Frame)
	w.comp.Warp(a.Frame, nb.Frame, a.Field)

	// A float map, never encoded: it has no bit depth.
	a.Reliability = w.relPool.Get(frame.Geometry{Format: frame.Format{Layout: frame.Gray}, W: c.Frame.W, H: c.Frame.H})
	a.Reliability.CopyMeta(nb.Frame)
	warpedLuma := &a.Frame.Planes[0]
	if w.cfg.Luma != nil {
		// Reliability compares like with like: the centre's cleaned luma against the
		// neighbour's cleaned luma, warped the same way.
		l := &nb.slot.luma
		w.lumaW.Resize(l.W, l.H)
		w.comp.WarpPlane(&w.lumaW, l, a.Field, 0, 0)
		warpedLuma = &w.lumaW
	}
	w.comp.Reliability(&a.Reliability.Planes[0], c.Luma(), warpedLuma, a.Field, a.Backward, w.cfg.Sigma)
	nb.aligned = a
	return a
}

// Motion estimates the motion fields that aligning neighbour k takes (centre to neighbour,
// and back when the window checks consistency), without warping: the part of Aligned that
// depends on the two frames alone, so that a stage can run it early.
func (c *Centre) Motion(k int) {
	nb := &c.Neighbours[k]
	if nb.aligned != nil {
		return
	}
	c.w.field(c.slot, nb.slot)
	if c.w.fb {
		c.w.field(nb.slot, c.slot)
	}
}

// Release gives neighbour k's aligned frame and reliability back to the window's pools
// before the callback returns (a later Aligned(k) computes them again from the fields it
// keeps), so that a stage that has copied what it needs holds one aligned neighbour at a
// time rather than all of them.
func (c *Centre) Release(k int) {
	nb := &c.Neighbours[k]
	a := nb.aligned
	if a == nil {
		return
	}
	a.Frame.Release()
	a.Reliability.Release()
	*a = Aligned{}
	nb.aligned = nil
}

// setLuma points the slot's luma at its analysis plane: the unpadded interior of its
// pyramid's full-resolution level, a copy taken at push, so that a consumer may write into
// the frame's own planes afterwards; at half scale, where the pyramid has no such level,
// luma itself, which must then stay as it is while the frame is held.
func (s *slot) setLuma(luma *frame.Plane) {
	if !s.pyr.HasFullLevel() {
		s.luma = *luma
		return
	}
	l := &s.pyr.levels[0]
	o := l.off(0, 0)
	s.luma = frame.Plane{W: l.w, H: l.h, Stride: l.stride, Pix: l.pix[o : o+(l.h-1)*l.stride+l.w]}
}

// field returns the motion from a to b, estimating it on first use.
func (w *Window) field(a, b *slot) *MotionField {
	for _, p := range w.fields {
		if p.cur == a.seq && p.ref == b.seq {
			return &p.f
		}
	}
	var p *pairField
	if n := len(w.freeFields); n > 0 {
		p, w.freeFields = w.freeFields[n-1], w.freeFields[:n-1]
	} else {
		p = new(pairField)
	}
	p.cur, p.ref = a.seq, b.seq
	w.est.EstimatePyramids(&p.f, &a.pyr, &b.pyr)
	w.fields = append(w.fields, p)
	return &p.f
}

// Push takes ownership of f and calls ready, in order, for every centre frame whose
// neighbours are now all known: the frames of its scene within the radius. A scene cut or a
// size change at f first hands out the centres still waiting, with the neighbours their
// scene has. On error the window stays consistent; Flush releases what it holds.
func (w *Window) Push(f *frame.Frame, ready func(*Centre) error) error {
	luma := &f.Planes[0]
	if w.cfg.Luma != nil {
		luma = w.cfg.Luma(f)
		if luma == nil || luma.W != f.W || luma.H != f.H {
			f.Release()
			return fmt.Errorf("window: frame %d: the analysis luma is not %dx%d", f.Index, f.W, f.H)
		}
	}
	// The window may be empty inside a scene (radius 0), so a restart is judged from the
	// last frame pushed, not from what is held.
	restart := !w.started
	if w.started && f.Geometry() != w.geom {
		restart = true
		if w.cut != nil {
			w.cut.Reset()
		}
	}
	w.started, w.geom = true, f.Geometry()
	// Where the window's fields are at half resolution, the detector's own estimate would
	// repeat one the window makes anyway (this frame to the last, a neighbour pair of every
	// window with a radius): the detector judges that field instead, which then stays for
	// the centres that need it.
	shared := w.cut != nil && w.cfg.Radius > 0 && w.est.HalfScale(f.W, f.H)
	if w.cut != nil && !shared && w.cut.Push(luma) {
		restart = true
	}
	s := w.newSlot()
	s.f, s.seq = f, w.seq
	w.est.BuildPyramid(&s.pyr, luma)
	s.setLuma(luma)
	if shared && !restart {
		if n := len(w.slots); n > 0 && w.slots[n-1].seq == s.seq-1 && w.cut.PushField(w.field(s, w.slots[n-1])) {
			restart = true
		}
	}
	if restart && len(w.slots) > 0 {
		if err := w.drain(ready); err != nil {
			s.f = nil
			w.freeSlots = append(w.freeSlots, s)
			f.Release()
			return err
		}
	}
	if restart {
		w.est.ForgetNoise() // a new scene's noise is read off its own frames
	}
	w.seq++
	w.slots = append(w.slots, s)
	if restart {
		w.next = s.seq
		w.sceneStart = true
	}
	for w.next < w.seq && (w.cfg.Causal || w.next+int64(w.cfg.Radius) < w.seq) {
		if err := w.emit(ready); err != nil {
			return err
		}
	}
	return nil
}

// Flush hands out the centres still waiting, each with the neighbours there are, and
// releases every frame: the window is then empty and ready for a new sequence.
func (w *Window) Flush(ready func(*Centre) error) error {
	err := w.drain(ready)
	if w.cut != nil {
		w.cut.Reset()
	}
	w.started = false
	return err
}

// drain hands out every waiting centre, then empties the window. After an error the rest
// are not handed out but the window is emptied all the same.
func (w *Window) drain(ready func(*Centre) error) error {
	var err error
	for w.next < w.seq && err == nil {
		err = w.emit(ready)
	}
	for len(w.slots) > 0 {
		w.dropOldest()
	}
	w.next = w.seq
	return err
}

// emit hands out centre w.next and lets go of the frames no later centre needs.
func (w *Window) emit(ready func(*Centre) error) error {
	base := w.slots[0].seq
	cs := w.slots[w.next-base]
	c := &w.centre
	c.Frame, c.slot = cs.f, cs
	c.SceneStart, w.sceneStart = w.sceneStart, false
	c.Neighbours = c.Neighbours[:0]
	r := int64(w.cfg.Radius)
	hi := w.next + r
	if w.cfg.Causal {
		hi = w.next - 1
	}
	for _, s := range w.slots {
		if s.seq >= w.next-r && s.seq <= hi && s.seq != w.next {
			c.Neighbours = append(c.Neighbours, Neighbour{Offset: int(s.seq - w.next), Frame: s.f, slot: s})
		}
	}
	w.next++
	err := ready(c)
	// The aligned frames were lent for the callback; a consumer that keeps one has
	// retained it.
	for i := range c.Neighbours {
		if a := c.Neighbours[i].aligned; a != nil {
			a.Frame.Release()
			a.Reliability.Release()
			*a = Aligned{}
		}
	}
	c.Neighbours = c.Neighbours[:0]
	c.Frame, c.slot = nil, nil
	for len(w.slots) > 0 && w.slots[0].seq < w.next-r {
		w.dropOldest()
	}
	return err
}

// dropOldest releases the oldest frame and forgets the fields that involve it.
func (w *Window) dropOldest() {
	s := w.slots[0]
	copy(w.slots, w.slots[1:])
	w.slots[len(w.slots)-1] = nil
	w.slots = w.slots[:len(w.slots)-1]
	kept := w.fields[:0]
	for _, p := range w.fields {
		if p.cur == s.seq || p.ref == s.seq {
			w.freeFields = append(w.freeFields, p)
		} else {
			kept = append(kept, p)
		}
	}
	clear(w.fields[len(kept):])
	w.fields = kept
	s.f.Release()
	s.f = nil
	w.freeSlots = append(w.freeSlots, s)
}

// newSlot reuses a slot, and with it the pyramid's buffers.
func (w *Window) newSlot() *slot {
	if n := len(w.freeSlots); n > 0 {
		s := w.freeSlots[n-1]
		w.freeSlots = w.freeSlots[:n-1]
		return s
	}
	return new(slot)
}
