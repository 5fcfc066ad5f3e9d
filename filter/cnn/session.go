package cnn

import (
	"fmt"
	"strconv"
	"strings"
	"sync"

	ort "github.com/yalue/onnxruntime_go"

	"github.com/denoise-go/denoise/frame"
	"github.com/denoise-go/denoise/internal/dsp"
)

// Model is a loaded, checked ONNX model: the bytes, what they take and give, and the
// options sessions are made with. It is safe for concurrent use; sessions are not.
type Model struct {
	Spec
	data    []byte
	opt     Options
	library string
	margin  int
	ort     ortConfig
}

// ortConfig is how ONNX Runtime sessions are made. defaultORT holds the measured choice
// (the table in filter/cnn/README.md); benchmarks vary it.
type ortConfig struct {
	level      ort.GraphOptimizationLevel
	spin       bool // intra-op threads spin while waiting for work
	parallel   bool // ORT_PARALLEL execution mode (inter-op threads run independent nodes)
	interOp    int
	arena      bool // CPU memory arena
	memPattern bool // memory pattern planning
	denormZero bool // session.set_denormal_as_zero
	dynBlock   int  // session.dynamic_block_base (0: ORT's static partition of each operator)
	// tileThreads: with Threads n > 1, n ONNX Runtime sessions of one thread each run the
	// tiles of a plane side by side (at least n tiles), instead of one session whose n
	// threads share each operator
	tileThreads bool
}

var defaultORT = ortConfig{
	level:      ort.GraphOptimizationLevelEnableAll,
	interOp:    1,
	arena:      true,
	memPattern: true,
}

// Load finds the ONNX Runtime library, initialises it once for the process, reads the model
// the options name and checks that it fits a denoising filter. Errors are one line.
func Load(opt Options) (*Model, error) {
	opt = opt.withDefaults()
	if err := opt.validate(); err != nil {
		return nil, err
	}
	// read the model first: a missing model file is reported even without the library
	data, name, err := readModel(opt)
	if err != nil {
		return nil, err
	}
	lib, err := initLibrary(opt.Library)
	if err != nil {
		return nil, err
	}
	spec, err := inspect(data, name)
	if err != nil {
		return nil, err
	}
	m := &Model{Spec: *spec, data: data, opt: opt, library: lib, ort: defaultORT}
	switch {
	case opt.Overlap > 0:
		m.margin = opt.Overlap
	case spec.Radius > 0:
		m.margin = spec.Radius
	default:
		m.margin = DefaultOverlap
	}
	if spec.FixedW > 0 {
		if _, err := newLayout(1, 1, opt.Tile, m.margin, spec.FixedW, spec.FixedH); err != nil {
			return nil, modelError(name, "%v", err)
		}
	}
	// a first session proves that the library can run the model with these options, so a
	// misfit fails when the pipeline is built rather than on its first frame
	s, err := m.NewSession()
	if err != nil {
		return nil, err
	}
	s.Close()
	return m, nil
}

// Margin is the overlap of tiles in pixels (≥ the receptive-field radius when it is known).
func (m *Model) Margin() int { return m.margin }

// Library is the path of the ONNX Runtime library in use.
func (m *Model) Library() string { return m.library }

// Session runs a model on tiles. It owns its ONNX Runtime session and the input and output
// tensors of the current tile size, reused across frames; it is not safe for concurrent use.
type Session struct {
	m       *Model
	s       *ort.DynamicAdvancedSession
	in, out *ort.Tensor[float32]
	th, tw  int
	// workers run the tiles: this session alone, or with ortConfig.tileThreads this one and
	// Threads−1 more, each an ORT session of one thread with its own tensors
	workers []*Session
	errs    []error
	// scratch of the current plane geometry: the output before it replaces the input
	lay   layout
	dst   []float32
	chans []*frame.Plane // the planes that fill the input channels, image then guide
	views viewScratch    // Options.Ensemble's turned copies and sums
}

// NewSession makes an ONNX Runtime session for one worker (with ortConfig.tileThreads and
// Threads > 1, one session of one thread per thread, which run tiles side by side).
func (m *Model) NewSession() (*Session, error) {
	n, threads := 1, m.opt.Threads
	if m.ort.tileThreads && threads > 1 && m.opt.Provider == "cpu" {
		n, threads = threads, 1
	}
	s, err := m.newORTSession(threads)
	if err != nil {
		return nil, err
	}
	sess := &Session{m: m, s: s}
	sess.workers = append(sess.workers, sess)
	for range n - 1 {
		o, err := m.newORTSession(1)
		if err != nil {
			sess.Close()
			return nil, err
		}
		sess.workers = append(sess.workers, &Session{m: m, s: o})
	}
	sess.errs = make([]error, n)
	return sess, nil
}

// newORTSession makes one ONNX Runtime session of the given intra-op threads.
func (m *Model) newORTSession(threads int) (*ort.DynamicAdvancedSession, error) {
	so, err := ort.NewSessionOptions()
	if err != nil {
		return nil, fmt.Errorf("cnn: session options: %s", firstLine(err.Error()))
	}
	defer so.Destroy()
	if err := so.SetIntraOpNumThreads(threads); err != nil {
		return nil, fmt.Errorf("cnn: threads %d: %s", threads, firstLine(err.Error()))
	}
	if err := m.ort.apply(so); err != nil {
		return nil, fmt.Errorf("cnn: session options: %s", firstLine(err.Error()))
	}
	switch m.opt.Provider {
	case "cuda":
		if err := appendCUDA(so, m.opt.Device); err != nil {
			return nil, fmt.Errorf("cnn: execution provider cuda is not available in the ONNX Runtime at %s (it needs a CUDA build of the library and a GPU; choose provider cpu): %s", m.library, ortMessage(err))
		}
	}
	s, err := ort.NewDynamicAdvancedSessionWithONNXData(m.data, []string{m.Input}, []string{m.Output}, so)
	if err != nil {
		return nil, modelError(m.Name, "ONNX Runtime cannot run it: %s", firstLine(strings.TrimPrefix(err.Error(), "Error creating C session: ")))
	}
	return s, nil
}

// apply sets c on so.
func (c ortConfig) apply(so *ort.SessionOptions) error {
	if err := so.SetGraphOptimizationLevel(c.level); err != nil {
		return err
	}
	if err := so.SetInterOpNumThreads(max(c.interOp, 1)); err != nil {
		return err
	}
	mode := ort.ExecutionMode(ort.ExecutionModeSequential)
	if c.parallel {
		mode = ort.ExecutionMode(ort.ExecutionModeParallel)
	}
	if err := so.SetExecutionMode(mode); err != nil {
		return err
	}
	if err := so.SetCpuMemArena(c.arena); err != nil {
		return err
	}
	if err := so.SetMemPattern(c.memPattern); err != nil {
		return err
	}
	// idle ORT threads must not spin by default: other pipeline stages share the cores
	entries := [][2]string{{"session.intra_op.allow_spinning", b01(c.spin)}, {"session.inter_op.allow_spinning", b01(c.spin)}}
	if c.denormZero {
		entries = append(entries, [2]string{"session.set_denormal_as_zero", "1"})
	}
	if c.dynBlock > 0 {
		entries = append(entries, [2]string{"session.dynamic_block_base", strconv.Itoa(c.dynBlock)})
	}
	for _, e := range entries {
		if err := so.AddSessionConfigEntry(e[0], e[1]); err != nil {
			return err
		}
	}
	return nil
}

func b01(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// ortMessage is the first line of an ONNX Runtime error without its source location.
func ortMessage(err error) string {
	msg := firstLine(err.Error())
	if i := strings.LastIndex(msg, " : FAIL : "); i >= 0 {
		msg = msg[i+len(" : FAIL : "):]
	}
	return msg
}

func appendCUDA(so *ort.SessionOptions, device int) error {
	co, err := ort.NewCUDAProviderOptions()
	if err != nil {
		return err
	}
	defer co.Destroy()
	if err := co.Update(map[string]string{"device_id": strconv.Itoa(device)}); err != nil {
		return err
	}
	return so.AppendExecutionProviderCUDA(co)
}

// Close frees the session and its tensors.
func (s *Session) Close() error {
	for _, w := range s.workers {
		if w != s {
			w.Close()
		}
	}
	s.workers = nil
	s.freeTensors()
	if s.s != nil {
		s.s.Destroy()
		s.s = nil
	}
	return nil
}

func (s *Session) freeTensors() {
	if s.in != nil {
		s.in.Destroy()
		s.out.Destroy()
		s.in, s.out = nil, nil
	}
	s.th, s.tw = 0, 0
}

// ensureTensors (re)allocates the bound tensors for h×w tiles.
func (s *Session) ensureTensors(h, w int) error {
	if s.in != nil && s.th == h && s.tw == w {
		return nil
	}
	s.freeTensors()
	in, err := ort.NewEmptyTensor[float32](ort.NewShape(1, int64(s.m.InChannels), int64(h), int64(w)))
	if err != nil {
		return fmt.Errorf("cnn: input tensor %dx%d: %s", w, h, firstLine(err.Error()))
	}
	out, err := ort.NewEmptyTensor[float32](ort.NewShape(1, int64(s.m.OutChannels), int64(h), int64(w)))
	if err != nil {
		in.Destroy()
		return fmt.Errorf("cnn: output tensor %dx%d: %s", w, h, firstLine(err.Error()))
	}
	s.in, s.out, s.th, s.tw = in, out, h, w
	return nil
}

func (s *Session) run() error {
	if err := s.s.Run([]ort.Value{s.in}, []ort.Value{s.out}); err != nil {
		return fmt.Errorf("cnn: run %s on a %dx%d tile: %s", s.m.Name, s.tw, s.th, firstLine(err.Error()))
	}
	return nil
}

// RunRaw runs the network once on a whole 1×InChannels×h×w tensor (no tiling, no residual,
// no clamping) and returns its 1×OutChannels×h×w output. It is for checks and tools.
func (s *Session) RunRaw(in []float32, h, w int) ([]float32, error) {
	if len(in) != s.m.InChannels*h*w {
		return nil, fmt.Errorf("cnn: raw input has %d values; want %d×%d×%d", len(in), s.m.InChannels, h, w)
	}
	if s.m.FixedW > 0 && (h != s.m.FixedH || w != s.m.FixedW) {
		return nil, modelError(s.m.Name, "input is fixed at %dx%d", s.m.FixedW, s.m.FixedH)
	}
	if err := s.ensureTensors(h, w); err != nil {
		return nil, err
	}
	copy(s.in.GetData(), in)
	if err := s.run(); err != nil {
		return nil, err
	}
	return append([]float32(nil), s.out.GetData()...), nil
}

// Denoise replaces the image channels planes (one, or three for an RGB model; all of one
// size) by the network's estimate of the clean image, clamped to [0,1]. guide holds the
// guide channels of a model that takes them, then its source channels (as many planes as
// planes per set, of the same size; nil: the planes themselves in every set); sigma is the
// noise level on the 0–255 scale for a model with a noise-level map (ignored otherwise).
//
// With Options.Ensemble n > 1 the network runs on n turned or mirrored views of the picture
// and the results, turned back, are averaged (ensemble.go).
func (s *Session) Denoise(planes, guide []*frame.Plane, sigma float64) error {
	guide, err := s.checkPlanes(planes, guide)
	if err != nil {
		return err
	}
	if s.m.opt.Ensemble > 1 {
		return s.denoiseViews(planes, guide, sigma, s.m.opt.Ensemble)
	}
	return s.denoise(planes, guide, sigma)
}

// checkPlanes checks the planes given to Denoise and returns the guide and source planes
// the model reads (nil when it takes none; the image planes in every set when none are
// given).
func (s *Session) checkPlanes(planes, guide []*frame.Plane) ([]*frame.Plane, error) {
	if len(planes) != s.m.ImageChannels {
		return nil, fmt.Errorf("cnn: %d planes given to a model of %d image channels", len(planes), s.m.ImageChannels)
	}
	w, h := planes[0].W, planes[0].H
	for _, p := range planes[1:] {
		if p.W != w || p.H != h {
			return nil, fmt.Errorf("cnn: planes of different sizes (%dx%d and %dx%d)", w, h, p.W, p.H)
		}
	}
	sets := s.m.GuideSets()
	if sets == 0 {
		guide = nil
	} else if guide == nil {
		guide = planes
		for range sets - 1 {
			guide = append(guide[:len(guide):len(guide)], planes...)
		}
	} else if len(guide) != sets*len(planes) {
		return nil, fmt.Errorf("cnn: %d guide and source planes for %d image planes; want %d", len(guide), len(planes), sets*len(planes))
	} else {
		for _, p := range guide {
			if p.W != w || p.H != h {
				return nil, fmt.Errorf("cnn: guide plane %dx%d for a %dx%d image", p.W, p.H, w, h)
			}
		}
	}
	return guide, nil
}

// denoise is Denoise for checked planes, one view.
func (s *Session) denoise(planes, guide []*frame.Plane, sigma float64) error {
	w, h := planes[0].W, planes[0].H
	// channels filled from the picture per tile: the image planes, then the guide's and the
	// source's
	chans := planes
	if guide != nil {
		chans = append(append(s.chans[:0], planes...), guide...)
		s.chans = chans
	}
	if s.lay.w != w || s.lay.h != h || s.dst == nil {
		lay, err := newLayout(w, h, s.m.opt.Tile, s.m.margin, s.m.FixedW, s.m.FixedH)
		if err != nil {
			return modelError(s.m.Name, "%v", err)
		}
		// tiles side by side: at least one per worker, smaller ones when the plane is small
		for core := s.m.opt.Tile; s.m.FixedW == 0 && lay.nx*lay.ny < len(s.workers) && core > 32; {
			core = core * 3 / 4
			if lay, err = newLayout(w, h, core, s.m.margin, 0, 0); err != nil {
				return modelError(s.m.Name, "%v", err)
			}
		}
		s.lay = lay
		s.dst = make([]float32, len(planes)*w*h)
	}
	workers := s.workers
	if len(workers) == 0 {
		return fmt.Errorf("cnn: session of %s is closed", s.m.Name)
	}
	workers = workers[:min(len(workers), s.lay.nx*s.lay.ny)]
	if len(workers) == 1 {
		if err := s.tiles(s, 0, 1, chans, planes, sigma); err != nil {
			return err
		}
	} else {
		var wg sync.WaitGroup
		for k := 1; k < len(workers); k++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				s.errs[k] = s.tiles(workers[k], k, len(workers), chans, planes, sigma)
			}()
		}
		s.errs[0] = s.tiles(s, 0, len(workers), chans, planes, sigma)
		wg.Wait()
		for k := range workers {
			if err := s.errs[k]; err != nil {
				return err
			}
		}
	}
	for c, p := range planes {
		d := s.dst[c*w*h : (c+1)*w*h]
		for y := 0; y < h; y++ {
			copy(p.Row(y), d[y*w:(y+1)*w])
		}
	}
	return nil
}

// SigmaMapValue is the value of a noise-level map channel for noise σ on the 0–255 scale
// (σ/255, the working units of samples), as train/train.py feeds it.
func SigmaMapValue(sigma float64) float32 { return float32(sigma / 255) }

// tiles runs worker r (one of n; r is s itself or one of its workers, with its own ORT
// session and tensors) on tiles k, k+n, k+2n, … of s.lay, writing their cores into s.dst.
// Workers read the planes and write disjoint parts of s.dst, so they run side by side.
func (s *Session) tiles(r *Session, k, n int, chans, planes []*frame.Plane, sigma float64) error {
	lay := s.lay
	w, h := lay.w, lay.h
	tw, th := lay.tileW(), lay.tileH()
	if err := r.ensureTensors(th, tw); err != nil {
		return err
	}
	in, out := r.in.GetData(), r.out.GetData()
	if s.m.SigmaMap {
		v := SigmaMapValue(sigma)
		sm := in[len(chans)*tw*th:]
		for i := range sm {
			sm[i] = v
		}
	}
	for t := k; t < lay.nx*lay.ny; t += n {
		x0, y0, x1, y1 := lay.core(t%lay.nx, t/lay.nx)
		for c, p := range chans {
			ch := in[c*tw*th : (c+1)*tw*th]
			for j := 0; j < th; j++ {
				dsp.MirrorRow(ch[j*tw:(j+1)*tw], p.Row(dsp.Mirror(y0-lay.m+j, h)), x0-lay.m)
			}
		}
		if err := r.run(); err != nil {
			return err
		}
		for c := range planes {
			o := out[c*tw*th : (c+1)*tw*th]
			src := in[c*tw*th : (c+1)*tw*th]
			d := s.dst[c*w*h : (c+1)*w*h]
			for y := y0; y < y1; y++ {
				i := (y-y0+lay.m)*tw + lay.m
				drow := d[y*w+x0 : y*w+x1]
				if s.m.Residual {
					dsp.CNNResidualRow(drow, src[i:i+x1-x0], o[i:i+x1-x0])
				} else {
					dsp.Clamp01Row(drow, o[i:i+x1-x0])
				}
			}
		}
	}
	return nil
}
