// Command prepare makes the training inputs of train/train.py: it loads clean images, adds
// seeded synthetic noise on the fly with quality.Noise (the eval protocol: Gaussian noise,
// then impulses, on 8-bit codes, rounded and clipped), runs the noisy image through the same
// stages that run before the CNN at inference (the denoise mode named by a chain, built by
// modes.Build: "impulse", "nlm", "impulse+nlm"; "none" runs nothing) and writes (input,
// target) patch pairs as float32 records, through pipeline.RunFrames, the pipeline denoise
// runs. Training inputs are therefore what inference sees, by construction: no second
// implementation of the stages or of their running exists.
//
// Output: a 32-byte header ("DNPATCH1", then int32 version=1, in channels, out channels,
// patch height, patch width, 0), then records of float32 (little endian): the AWGN sigma and
// the impulse probability of the record's image, the input channels (image channels, then
// with -guide the same channels as they entered the chain's smoothing stage — modes.WithGuide
// —, then a noise-level map σ/255 when asked) and the target (clean) channels, each patch
// row-major. Temporal stages (stnlm) see each image as a sequence of one frame.
// Records come in an order fixed by -seed whatever -workers is.
//
//	prepare -data ../shared/datasets/train400 -count 1000 -out patches.bin
//	prepare -stream -chains none:0.5,impulse:0.5 ...   (endless, to standard output)
package main

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"github.com/denoise-go/denoise/configs"
	"github.com/denoise-go/denoise/filter/cnn"
	"github.com/denoise-go/denoise/filter/noise"
	"github.com/denoise-go/denoise/frame"
	"github.com/denoise-go/denoise/modes"
	"github.com/denoise-go/denoise/pipeline"
	"github.com/denoise-go/denoise/quality"
)

// Options is everything that fixes the records.
type Options struct {
	Data        []string // folders of clean images
	Color       bool     // RGB patches; else gray (colour images converted to BT.601 luma)
	Split       string   // all, train or val
	ValEvery    int      // every ValEvery-th image (by name, per folder) is a validation image
	Patch       int      // patch side
	PerImage    int      // patches cut from one noisy image
	Sigma       Range    // AWGN sigma, 0–255 scale
	SP, RV      Range    // impulse probabilities
	ImpulseProb float64  // share of images with impulses (salt-and-pepper or random-valued, half each)
	Chains      []Chain  // stages before the CNN, drawn by weight per image
	ImpulseIn   []string // chains whose images may get impulses (empty: all)
	Guide       bool     // guide channels: the picture as it entered the chain's smoothing stage (modes.WithGuide)
	Source      bool     // source channels: the picture as it entered the chain (modes.WithSource)
	SigmaMap    string   // none, estimate (as the cnn filter does), true (the AWGN sigma)
	StageSigma  string   // estimate (stages get sigma 0, as by default), true (the AWGN sigma)
	Augment     bool     // random flips and rotations of the clean image
	Seed        uint64
	Count       int // records; 0 with Stream: endless
	Workers     int
	ConfigFile  string // YAML configuration of the stages (denoise's --config)
}

// Range is a uniform interval.
type Range struct{ Lo, Hi float64 }

func (r Range) draw(rng *rand.Rand) float64 { return r.Lo + (r.Hi-r.Lo)*rng.Float64() }

func parseRange(s string) (Range, error) {
	lo, hi, ok := strings.Cut(s, ":")
	if !ok {
		hi = lo
	}
	a, err1 := strconv.ParseFloat(strings.TrimSpace(lo), 64)
	b, err2 := strconv.ParseFloat(strings.TrimSpace(hi), 64)
	if err1 != nil || err2 != nil || a < 0 || b < a {
		return Range{}, fmt.Errorf("range %q: want LO:HI with 0 ≤ LO ≤ HI", s)
	}
	return Range{a, b}, nil
}

// Chain is a denoise mode run before the CNN ("none": nothing), with its weight. A mode
// written MODE/N (N odd, 3 to 9) runs over N frames of a synthetic pan across the clean image
// (random speed up to MaxSpeed pixels per frame, sub-pixel jitter, independent noise per
// frame), so a temporal stage denoises the centre frame with its neighbours, as on video.
type Chain struct {
	Mode   string
	Weight float64
}

// MaxSpeed is the largest pan speed of a sequence chain, pixels per frame along each axis.
const MaxSpeed = 3.0

// splitFrames splits "MODE/N" into the mode and its frame count (1 without /N).
func splitFrames(chain string) (string, int, error) {
	mode, n, ok := strings.Cut(chain, "/")
	if !ok {
		return chain, 1, nil
	}
	k, err := strconv.Atoi(n)
	if err != nil || k < 3 || k > 9 || k%2 == 0 {
		return "", 0, fmt.Errorf("chain %q: frames %q; want an odd number from 3 to 9", chain, n)
	}
	return mode, k, nil
}

func parseChains(s string) ([]Chain, error) {
	var cs []Chain
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		mode, w, ok := strings.Cut(part, ":")
		c := Chain{Mode: strings.TrimSpace(mode), Weight: 1}
		if _, _, err := splitFrames(c.Mode); err != nil {
			return nil, err
		}
		if ok {
			v, err := strconv.ParseFloat(w, 64)
			if err != nil || v < 0 {
				return nil, fmt.Errorf("chain %q: weight %q is not a number ≥ 0", part, w)
			}
			c.Weight = v
		}
		cs = append(cs, c)
	}
	if len(cs) == 0 {
		return nil, errors.New("no chain given (e.g. none, or none:0.5,impulse:0.5)")
	}
	return cs, nil
}

func main() {
	var o Options
	var data, sigma, sp, rv, chains, out string
	var seed int64
	var stream bool
	flag.StringVar(&data, "data", "../shared/datasets/train400", "folders of clean images, comma-separated")
	flag.BoolVar(&o.Color, "color", false, "RGB patches (else gray)")
	flag.StringVar(&o.Split, "split", "all", "images: all, train, val")
	flag.IntVar(&o.ValEvery, "val-every", 40, "every Nth image is a validation image")
	flag.IntVar(&o.Patch, "patch", 40, "patch side")
	flag.IntVar(&o.PerImage, "per-image", 8, "patches per noisy image")
	flag.StringVar(&sigma, "sigma", "0:55", "AWGN sigma range LO:HI, 0–255 scale")
	flag.StringVar(&sp, "sp", "0:0.3", "salt-and-pepper probability range")
	flag.StringVar(&rv, "rv", "0:0.15", "random-valued impulse probability range")
	flag.Float64Var(&o.ImpulseProb, "impulse-prob", 0.5, "share of images with impulses")
	flag.StringVar(&chains, "chains", "none", "denoise modes run before the CNN, MODE[:WEIGHT],… (none: nothing)")
	var impulseIn string
	flag.StringVar(&impulseIn, "impulse-chains", "", "chains whose images may get impulses, comma-separated (empty: all)")
	flag.BoolVar(&o.Guide, "guide", false, "add guide channels: the picture as it entered the chain's smoothing stage (nlm, stnlm), else the input")
	flag.BoolVar(&o.Source, "source", false, "add source channels (after the guide's): the picture as it entered the chain, before impulse replacement")
	flag.StringVar(&o.SigmaMap, "sigma-map", "none", "noise-level input channel: none, estimate, true")
	flag.StringVar(&o.StageSigma, "stage-sigma", "estimate", "sigma given to the stages: estimate (0) or true")
	flag.BoolVar(&o.Augment, "augment", true, "random flips and rotations")
	flag.Int64Var(&seed, "seed", 1, "seed")
	flag.IntVar(&o.Count, "count", 0, "records to write (0 with -stream: endless)")
	flag.IntVar(&o.Workers, "workers", runtime.GOMAXPROCS(0), "goroutines")
	flag.StringVar(&o.ConfigFile, "config", "", "YAML configuration for the stages (as denoise --config)")
	flag.StringVar(&out, "out", "-", "output file (-: standard output)")
	flag.BoolVar(&stream, "stream", false, "write to standard output until it is closed")
	flag.Parse()

	fail := func(err error) {
		fmt.Fprintln(os.Stderr, "prepare:", err)
		os.Exit(1)
	}
	var err error
	o.Data = strings.Split(data, ",")
	o.Seed = uint64(seed)
	if o.Sigma, err = parseRange(sigma); err != nil {
		fail(fmt.Errorf("-sigma: %w", err))
	}
	if o.SP, err = parseRange(sp); err != nil {
		fail(fmt.Errorf("-sp: %w", err))
	}
	if o.RV, err = parseRange(rv); err != nil {
		fail(fmt.Errorf("-rv: %w", err))
	}
	if o.Chains, err = parseChains(chains); err != nil {
		fail(fmt.Errorf("-chains: %w", err))
	}
	for _, c := range strings.Split(impulseIn, ",") {
		if c = strings.TrimSpace(c); c != "" {
			o.ImpulseIn = append(o.ImpulseIn, c)
		}
	}
	if stream {
		out = "-"
	} else if o.Count <= 0 {
		fail(errors.New("-count must be > 0 without -stream"))
	}
	w := io.Writer(os.Stdout)
	if out != "-" {
		f, err := os.Create(out)
		if err != nil {
			fail(err)
		}
		defer f.Close()
		w = f
	}
	if err := Run(o, w); err != nil {
		if errors.Is(err, syscall.EPIPE) {
			return // the trainer stopped reading
		}
		fail(err)
	}
}

// Run writes the header and records to w.
func Run(o Options, w io.Writer) error {
	g, err := newGenerator(o)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	if err := g.writeHeader(bw); err != nil {
		return err
	}
	if err := g.run(bw); err != nil {
		return err
	}
	return bw.Flush()
}

const (
	magic   = "DNPATCH1"
	version = 1
)

type generator struct {
	o         Options
	images    []clean
	imageCh   int
	inCh      int
	cfg       *configs.Config
	recFloats int
}

func newGenerator(o Options) (*generator, error) {
	switch {
	case o.Patch < 8:
		return nil, errors.New("-patch must be at least 8")
	case o.PerImage < 1:
		return nil, errors.New("-per-image must be at least 1")
	case o.ImpulseProb < 0 || o.ImpulseProb > 1:
		return nil, errors.New("-impulse-prob must be in [0,1]")
	case o.SP.Hi > 1 || o.RV.Hi > 1:
		return nil, errors.New("impulse probabilities must be at most 1")
	case o.Workers < 1:
		o.Workers = 1
	}
	switch o.SigmaMap {
	case "none", "estimate", "true":
	default:
		return nil, fmt.Errorf("-sigma-map %q: want none, estimate or true", o.SigmaMap)
	}
	switch o.StageSigma {
	case "estimate", "true":
	default:
		return nil, fmt.Errorf("-stage-sigma %q: want estimate or true", o.StageSigma)
	}
	g := &generator{o: o, imageCh: 1}
	if o.Color {
		g.imageCh = 3
	}
	g.inCh = g.imageCh
	if o.Guide {
		g.inCh += g.imageCh
	}
	if o.Source {
		if !o.Guide {
			return nil, fmt.Errorf("-source needs -guide (source channels follow the guide's)")
		}
		g.inCh += g.imageCh
	}
	if o.SigmaMap != "none" {
		g.inCh++
	}
	g.recFloats = 2 + (g.inCh+g.imageCh)*o.Patch*o.Patch
	cfg, err := configs.Load(configs.Sources{ConfigFile: o.ConfigFile})
	if err != nil {
		return nil, err
	}
	g.cfg = cfg
	// build every chain once now, and run it over no frames (which makes and closes its
	// filters), so that an unknown or unregistered mode or a bad setting fails at once
	for _, c := range o.Chains {
		st, err := g.stages(c.Mode, 0)
		if err != nil {
			return nil, err
		}
		if _, _, err := pipeline.RunFrames(context.Background(), st, nil); err != nil {
			return nil, fmt.Errorf("chain %q: %w", c.Mode, err)
		}
	}
	for _, m := range o.ImpulseIn {
		if !slices.ContainsFunc(o.Chains, func(c Chain) bool { return c.Mode == m }) {
			return nil, fmt.Errorf("-impulse-chains: %q is not one of the chains", m)
		}
	}
	imgs, err := loadImages(o.Data, o.Color, o.Split, o.ValEvery, o.Patch)
	if err != nil {
		return nil, err
	}
	g.images = imgs
	return g, nil
}

func (g *generator) writeHeader(w io.Writer) error {
	h := make([]byte, 8+6*4)
	copy(h, magic)
	for i, v := range []int32{version, int32(g.inCh), int32(g.imageCh), int32(g.o.Patch), int32(g.o.Patch), 0} {
		binary.LittleEndian.PutUint32(h[8+4*i:], uint32(v))
	}
	_, err := w.Write(h)
	return err
}

// stages returns the stages of mode, as denoise builds them (sigma 0: estimated), the last
// keeping its input as the guide when the records have guide channels. A temporal stage
// sees each still image as a sequence of one frame (as denoise runs a single picture).
func (g *generator) stages(chain string, sigma float64) ([]pipeline.Stage, error) {
	mode, _, err := splitFrames(chain)
	if err != nil {
		return nil, err
	}
	if mode == "none" || mode == "" {
		return nil, nil
	}
	cfg := *g.cfg
	cfg.Mode, cfg.Sigma = mode, sigma
	cfg.Pipeline.Workers = 1
	st, err := modes.Build(&cfg)
	if err != nil {
		return nil, fmt.Errorf("chain %q: %w (is its filter registered in modes/?)", mode, err)
	}
	if g.o.Guide {
		st = modes.WithGuide(st)
	}
	if g.o.Source {
		st = modes.WithSource(st)
	}
	return st, nil
}

func releaseAll(fs []*frame.Frame) {
	for _, f := range fs {
		f.Release()
	}
}

type result struct {
	job  int
	data []float32
	err  error
}

// run generates jobs (one noisy image each) on the workers and writes their records in job
// order, so the output depends on the seed only.
func (g *generator) run(w io.Writer) error {
	jobs := make(chan int)
	results := make(chan result, g.o.Workers)
	window := 4 * g.o.Workers
	tokens := make(chan struct{}, window)
	for range window {
		tokens <- struct{}{}
	}
	done := make(chan struct{})
	defer close(done)
	go func() {
		defer close(jobs)
		for i := 0; ; i++ {
			select {
			case <-tokens:
			case <-done:
				return
			}
			select {
			case jobs <- i:
			case <-done:
				return
			}
		}
	}()
	for range g.o.Workers {
		go func() {
			wk := &worker{g: g, est: noise.Estimator{Method: noise.LaplacianMAD}, pool: frame.NewPool(4), cache: map[string][]pipeline.Stage{}}
			for j := range jobs {
				d, err := wk.job(j)
				select {
				case results <- result{j, d, err}:
				case <-done:
					return
				}
			}
		}()
	}
	pending := map[int][]float32{}
	next, written := 0, 0
	buf := make([]byte, 4*g.recFloats)
	for r := range results {
		if r.err != nil {
			return fmt.Errorf("image job %d: %w", r.job, r.err)
		}
		pending[r.job] = r.data
		for {
			d, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			next++
			tokens <- struct{}{}
			for k := 0; k+g.recFloats <= len(d); k += g.recFloats {
				if g.o.Count > 0 && written == g.o.Count {
					return nil
				}
				for i, v := range d[k : k+g.recFloats] {
					binary.LittleEndian.PutUint32(buf[4*i:], math.Float32bits(v))
				}
				if _, err := w.Write(buf); err != nil {
					return err
				}
				written++
			}
			if g.o.Count > 0 && written == g.o.Count {
				return nil
			}
		}
	}
	return nil
}

type worker struct {
	g     *generator
	est   noise.Estimator
	pool  *frame.Pool
	cache map[string][]pipeline.Stage
}

// job makes the records of one noisy image; everything random comes from (seed, j).
func (wk *worker) job(j int) ([]float32, error) {
	g, o := wk.g, wk.g.o
	rng := rand.New(rand.NewPCG(o.Seed, uint64(j)))
	im := g.images[rng.IntN(len(g.images))]
	if o.Augment {
		im = im.dihedral(rng.IntN(8))
	}
	sigma := o.Sigma.draw(rng)
	var n quality.Noise
	if sigma > 0 {
		n.Parts = append(n.Parts, quality.Component{Kind: quality.AWGN, Sigma: sigma})
	}
	p := 0.0
	chain := drawChain(o.Chains, rng)
	if rng.Float64() < o.ImpulseProb && (len(o.ImpulseIn) == 0 || slices.Contains(o.ImpulseIn, chain)) {
		if rng.IntN(2) == 0 {
			p = o.SP.draw(rng)
			n.Parts = append(n.Parts, quality.Component{Kind: quality.SaltPepper, P: p})
		} else {
			p = o.RV.draw(rng)
			n.Parts = append(n.Parts, quality.Component{Kind: quality.RandomImpulse, P: p})
		}
	}
	noiseSeed := int64(rng.Uint64() >> 1)

	// the clean views: the image, or the frames of a pan across it (the centre one is the target)
	_, nframes, _ := splitFrames(chain)
	views, centre := []clean{im}, 0
	if nframes > 1 {
		views, centre = pan(im, nframes, o.Patch, rng)
	}
	im = views[centre]
	seq := make([]*frame.Frame, len(views))
	for k, v := range views {
		f := wk.pool.Get(frame.Geometry{Format: v.format(), W: v.w, H: v.h})
		f.Index = int64(k)
		v.fill(f)
		n.Apply(f, noiseSeed+int64(k-centre)*0x9e3779b9)
		seq[k] = f
	}
	var stages []pipeline.Stage
	var err error
	if o.StageSigma == "true" {
		stages, err = g.stages(chain, max(sigma, 0.01)) // 0 would mean "estimate"
	} else if stages = wk.cache[chain]; stages == nil {
		stages, err = g.stages(chain, 0)
		wk.cache[chain] = stages
	}
	if err != nil {
		releaseAll(seq)
		return nil, err
	}
	// RunFrames takes over seq, and makes and closes the stages' filters
	if seq, _, err = pipeline.RunFrames(context.Background(), stages, seq); err != nil {
		return nil, err
	}
	f := seq[centre]
	releaseAll(seq[:centre])
	releaseAll(seq[centre+1:])
	planes := make([]*frame.Plane, g.imageCh)
	for c := range planes {
		planes[c] = &f.Planes[c]
	}
	// what the filter feeds the guide and source channels (cnn.GuideFrames)
	gf, sf := cnn.GuideFrames(f)
	var guide []*frame.Plane
	if o.Guide {
		for c := range g.imageCh {
			guide = append(guide, &gf.Planes[c])
		}
	}
	if o.Source {
		for c := range g.imageCh {
			guide = append(guide, &sf.Planes[c])
		}
	}
	var sm float32
	switch o.SigmaMap {
	case "estimate":
		sm = cnn.SigmaMapValue(cnn.EstimateSigma(planes, &wk.est))
	case "true":
		sm = cnn.SigmaMapValue(sigma)
	}
	ps := o.Patch
	out := make([]float32, 0, o.PerImage*g.recFloats)
	for range o.PerImage {
		x0, y0 := rng.IntN(im.w-ps+1), rng.IntN(im.h-ps+1)
		out = append(out, float32(sigma), float32(p))
		for _, pl := range planes {
			for y := y0; y < y0+ps; y++ {
				out = append(out, pl.Row(y)[x0:x0+ps]...)
			}
		}
		for _, pl := range guide {
			for y := y0; y < y0+ps; y++ {
				out = append(out, pl.Row(y)[x0:x0+ps]...)
			}
		}
		if o.SigmaMap != "none" {
			for range ps * ps {
				out = append(out, sm)
			}
		}
		for c := range g.imageCh {
			for y := y0; y < y0+ps; y++ {
				row := im.pix[c*im.w*im.h+y*im.w+x0:]
				for x := range ps {
					out = append(out, float32(row[x])/255)
				}
			}
		}
	}
	f.Release()
	return out, nil
}

// pan returns n views of im panning at a random speed (up to MaxSpeed px/frame per axis)
// with sub-pixel jitter, each as large as the motion leaves room for (at least patch), and
// the index of the centre view, an exact crop of im.
func pan(im clean, n, patch int, rng *rand.Rand) ([]clean, int) {
	c := n / 2
	vx, vy := (2*rng.Float64()-1)*MaxSpeed, (2*rng.Float64()-1)*MaxSpeed
	offs := make([][2]float64, n)
	reach := 0.0
	for k := range n {
		if k != c {
			offs[k] = [2]float64{float64(k-c)*vx + rng.Float64() - 0.5, float64(k-c)*vy + rng.Float64() - 0.5}
		}
		reach = max(reach, math.Abs(offs[k][0]), math.Abs(offs[k][1]))
	}
	m := int(math.Ceil(reach)) + 1
	w, h := im.w-2*m, im.h-2*m
	if w < patch || h < patch { // too small to move: a still sequence
		for k := range offs {
			offs[k] = [2]float64{}
		}
		m, w, h = 0, im.w, im.h
	}
	return im.moving(n, w, h, m, m, offs), c
}

func drawChain(cs []Chain, rng *rand.Rand) string {
	var total float64
	for _, c := range cs {
		total += c.Weight
	}
	if total <= 0 {
		return cs[0].Mode
	}
	v := rng.Float64() * total
	for _, c := range cs {
		if v < c.Weight {
			return c.Mode
		}
		v -= c.Weight
	}
	return cs[len(cs)-1].Mode
}
