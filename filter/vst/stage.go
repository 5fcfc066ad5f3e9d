package vst

import (
	"errors"
	"fmt"
	"math"
	"sync"

	"github.com/denoise-go/denoise/frame"
)

// Options configure a Model.
type Options struct {
	// Params, when set, are the parameters to use; nil estimates them from the data.
	Params *Params
	// EstimateFrames is how many frames, from the first, the estimate pools (0: 1). The
	// parameters are then fixed for the whole sequence: the forward stream holds that many
	// frames before it emits the first.
	EstimateFrames int
	// OnModel, when set, is called once, when the parameters are set (with the index of the
	// first frame), so that they can be reported.
	OnModel func(index int64, m *Model)
}

// Model is the Poisson-Gaussian transform of one sequence: its Forward stream sets it from
// the first frames, Invert reads it. Frames between the two carry f(z)/T in the
// working format, T = f(2^bits − 1) the transform of the largest code, so their noise has
// standard deviation 1/T in working units: Sigma255 = 255/T on the 0–255 scale of the inner
// stages' sigma.
type Model struct {
	opt Options

	mu       sync.Mutex
	t        *Transform
	fit      *Fit
	scale    float64
	bitDepth int
}

// NewModel returns an unset model.
func NewModel(opt Options) (*Model, error) {
	if opt.Params != nil {
		if err := opt.Params.Validate(); err != nil {
			return nil, err
		}
	}
	if opt.EstimateFrames < 0 || opt.EstimateFrames > 64 {
		return nil, fmt.Errorf("vst: estimate frames %d: want 0 to 64", opt.EstimateFrames)
	}
	return &Model{opt: opt}, nil
}

// Ready reports whether the parameters are set.
func (m *Model) Ready() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.t != nil
}

// Transform returns the transform (nil before the model is set).
func (m *Model) Transform() *Transform {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.t
}

// Fit returns the estimate the parameters came from, if they were estimated.
func (m *Model) Fit() (Fit, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fit == nil {
		return Fit{}, false
	}
	return *m.fit, true
}

// Scale is T: the transformed frames carry f(z)/T (0 before the model is set).
func (m *Model) Scale() float64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.scale
}

// Sigma255 is the noise level of the transformed frames on the 0–255 scale: f(z) has unit
// variance, and a working sample u stands for f = u·T, so σ = 255/T (0 before the model is
// set).
func (m *Model) Sigma255() float64 {
	s := m.Scale()
	if s == 0 {
		return 0
	}
	return 255 / s
}

func (m *Model) String() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.t == nil {
		return "vst: not set"
	}
	cam, how := m.t.Params().Camera(), ""
	if m.fit != nil {
		cam, how = m.fit.Camera(), fmt.Sprintf("; estimated: var = %.4g·mean %+.4g", m.fit.A, m.fit.B)
	}
	return fmt.Sprintf("%s (ADU: codes of %d bits%s); transformed noise sigma %.3g on the 0-255 scale",
		cam, m.bitDepth, how, 255/m.scale)
}

// set estimates (or takes) the parameters from frames.
func (m *Model) set(frames []*frame.Frame) error {
	f0 := frames[0]
	bd := f0.Format.BitDepth
	if bd < 1 || bd > 16 {
		return fmt.Errorf("vst: bit depth %d", bd)
	}
	var p Params
	var fit *Fit
	if m.opt.Params != nil {
		p = *m.opt.Params
	} else {
		planes := make([]*frame.Plane, len(frames))
		for i, f := range frames {
			planes[i] = &f.Planes[0]
		}
		ft, err := Estimate(planes, bd)
		if err != nil {
			return fmt.Errorf("Poisson-Gaussian parameters from the first %d frame(s) of %dx%d: %w", len(frames), f0.W, f0.H, err)
		}
		p, fit = ft.Params, &ft
	}
	t, err := NewTransform(p)
	if err != nil {
		return err
	}
	// Scale: the transform of the largest code maps to 1, as the largest code itself does in
	// the working format, so that a sigma on the 0–255 scale means after the transform what
	// it means before (a share of the full scale of the bit depth).
	maxCode := float64(int(1)<<bd - 1)
	scale := t.Forward(maxCode)
	if !(scale > 1e-9) || math.IsInf(scale, 0) {
		scale = 1
	}
	m.mu.Lock()
	m.t, m.fit, m.scale, m.bitDepth = t, fit, scale, bd
	m.mu.Unlock()
	if m.opt.OnModel != nil {
		m.opt.OnModel(f0.Index, m)
	}
	return nil
}

// Forward returns the stream that applies the GAT. Frames go through it in order, so that
// the parameters come from the first frames of the sequence whatever runs after it.
func (m *Model) Forward() *ForwardStream { return &ForwardStream{m: m} }

// ForwardStream applies the GAT to frames in order (Push, then Flush at the end), holding
// the first EstimateFrames until the parameters are set; each frame is transformed in place.
// Push and Flush take ownership of their frames and hand each to emit, which takes it over.
type ForwardStream struct {
	m    *Model
	held []*frame.Frame
}

// Lookahead is how many frames after the first the stream holds before it emits it.
func (s *ForwardStream) Lookahead() int { return max(s.m.opt.EstimateFrames, 1) - 1 }

// Push takes in and emits every frame that can be transformed.
func (s *ForwardStream) Push(in *frame.Frame, emit func(*frame.Frame) error) error {
	if s.m.Ready() {
		return s.emit(in, emit)
	}
	s.held = append(s.held, in)
	if len(s.held) < max(s.m.opt.EstimateFrames, 1) {
		return nil
	}
	return s.release(emit)
}

// Flush sets the model from the frames held, if it is not set yet, and emits them.
func (s *ForwardStream) Flush(emit func(*frame.Frame) error) error {
	if len(s.held) == 0 {
		return nil
	}
	return s.release(emit)
}

// release sets the model from the held frames and emits them.
func (s *ForwardStream) release(emit func(*frame.Frame) error) error {
	held := s.held
	s.held = nil
	var err error
	if !s.m.Ready() {
		err = s.m.set(held)
	}
	for i, f := range held {
		if err != nil {
			f.Release()
			continue
		}
		if e := s.emit(f, emit); e != nil {
			err = e
			for _, g := range held[i+1:] {
				g.Release()
			}
			break
		}
	}
	return err
}

func (s *ForwardStream) emit(f *frame.Frame, emit func(*frame.Frame) error) error {
	t, scale := s.m.Transform(), s.m.Scale()
	maxCode := f.Format.MaxCode()
	inv := 1 / scale
	for i := range colourPlanes(f.Format) {
		pl := &f.Planes[i]
		for y := 0; y < pl.H; y++ {
			t.ForwardRow(pl.Row(y), float64(maxCode), inv)
		}
	}
	return emit(f)
}

// Invert applies, in place, the exact unbiased inverse to a frame the Forward stream of the
// same model transformed (and a denoiser smoothed). It may run on several goroutines at once.
func (m *Model) Invert(in *frame.Frame) error {
	t, scale := m.Transform(), m.Scale()
	if t == nil {
		return errors.New("vst: inverse before the transform was set")
	}
	inv := 1 / float64(in.Format.MaxCode())
	for i := range colourPlanes(in.Format) {
		pl := &in.Planes[i]
		for y := 0; y < pl.H; y++ {
			t.InverseRow(pl.Row(y), scale, inv)
		}
	}
	return nil
}

func colourPlanes(f frame.Format) int {
	n := f.NumPlanes()
	if f.Alpha {
		n--
	}
	return n
}
