package main

import (
	"bytes"
	"encoding/binary"
	"fmt"
	stdimage "image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/denoise-go/denoise/filter/cnn"
	"github.com/denoise-go/denoise/filter/noise"
	"github.com/denoise-go/denoise/frame"
)

// testDir writes n small PNG images (gray or colour) with distinct content.
func testDir(t *testing.T, n int, rgb bool) string {
	t.Helper()
	dir := t.TempDir()
	for i := range n {
		var m stdimage.Image
		w, h := 50+i, 45
		if rgb {
			im := stdimage.NewRGBA(stdimage.Rect(0, 0, w, h))
			for y := range h {
				for x := range w {
					im.Set(x, y, color.RGBA{uint8(x*5 + i), uint8(y * 5), uint8((x + y) * 3), 255})
				}
			}
			m = im
		} else {
			im := stdimage.NewGray(stdimage.Rect(0, 0, w, h))
			for y := range h {
				for x := range w {
					im.SetGray(x, y, color.Gray{uint8((x*7 + y*3 + i*11) % 256)})
				}
			}
			m = im
		}
		f, err := os.Create(filepath.Join(dir, fmt.Sprintf("im%02d.png", i)))
		if err != nil {
			t.Fatal(err)
		}
		if err := png.Encode(f, m); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	return dir
}

func baseOptions(dir string) Options {
	return Options{Data: []string{dir}, Split: "all", ValEvery: 4, Patch: 16, PerImage: 3,
		Sigma: Range{0, 50}, SP: Range{0, 0.3}, RV: Range{0, 0.15}, ImpulseProb: 0.5,
		Chains: []Chain{{"none", 1}}, SigmaMap: "none", StageSigma: "estimate", Augment: true,
		Seed: 9, Count: 40, Workers: 2}
}

type records struct {
	cin, cout, h, w int
	meta            [][2]float32
	in, out         [][]float32
}

func generate(t *testing.T, o Options) (records, []byte) {
	t.Helper()
	var buf bytes.Buffer
	if err := Run(o, &buf); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	if string(b[:8]) != magic {
		t.Fatalf("magic %q", b[:8])
	}
	hdr := make([]int, 6)
	for i := range hdr {
		hdr[i] = int(int32(binary.LittleEndian.Uint32(b[8+4*i:])))
	}
	r := records{cin: hdr[1], cout: hdr[2], h: hdr[3], w: hdr[4]}
	if hdr[0] != version {
		t.Fatalf("version %d", hdr[0])
	}
	n := r.h * r.w
	rec := 2 + (r.cin+r.cout)*n
	body := b[32:]
	if len(body)%(4*rec) != 0 {
		t.Fatalf("%d bytes of records, not a multiple of %d", len(body), 4*rec)
	}
	for k := 0; k < len(body); k += 4 * rec {
		v := make([]float32, rec)
		for i := range v {
			v[i] = math.Float32frombits(binary.LittleEndian.Uint32(body[k+4*i:]))
		}
		r.meta = append(r.meta, [2]float32{v[0], v[1]})
		r.in = append(r.in, v[2:2+r.cin*n])
		r.out = append(r.out, v[2+r.cin*n:])
	}
	return r, b
}

func TestFormatAndDeterminism(t *testing.T) {
	o := baseOptions(testDir(t, 6, false))
	r, b1 := generate(t, o)
	if r.cin != 1 || r.cout != 1 || r.h != 16 || r.w != 16 || len(r.in) != 40 {
		t.Fatalf("header %d→%d %dx%d, %d records", r.cin, r.cout, r.w, r.h, len(r.in))
	}
	o.Workers = 1
	_, b2 := generate(t, o)
	if !bytes.Equal(b1, b2) {
		t.Error("output depends on the number of workers")
	}
	o.Seed++
	_, b3 := generate(t, o)
	if bytes.Equal(b1, b3) {
		t.Error("another seed gave the same records")
	}
	noisy := 0
	for i := range r.in {
		for j, v := range r.out[i] {
			if c := float64(v) * 255; v < 0 || v > 1 || math.Abs(c-math.Round(c)) > 1e-4 {
				t.Fatalf("target sample %v is not an 8-bit code", v)
			}
			if r.in[i][j] != v {
				noisy++
			}
		}
		if s, p := r.meta[i][0], r.meta[i][1]; s < 0 || s > 50 || p < 0 || p > 0.3 {
			t.Fatalf("record %d: sigma %v, p %v out of range", i, s, p)
		}
	}
	if noisy == 0 {
		t.Error("no input differs from its target")
	}
}

// Without noise and stages the input is the clean target itself.
func TestCleanIdentity(t *testing.T) {
	o := baseOptions(testDir(t, 3, false))
	o.Sigma, o.ImpulseProb = Range{0, 0}, 0
	r, _ := generate(t, o)
	for i := range r.in {
		for j := range r.in[i] {
			if r.in[i][j] != r.out[i][j] {
				t.Fatalf("record %d sample %d: input %v, target %v", i, j, r.in[i][j], r.out[i][j])
			}
		}
	}
}

// The noise is the project's protocol: at a fixed sigma the input−target spread is σ/255.
func TestNoiseLevel(t *testing.T) {
	o := baseOptions(testDir(t, 3, false))
	o.Sigma, o.ImpulseProb, o.Count, o.PerImage = Range{20, 20}, 0, 200, 8
	r, _ := generate(t, o)
	var s2 float64
	n := 0
	for i := range r.in {
		for j := range r.in[i] {
			if t := r.out[i][j]; t > 0.2 && t < 0.8 { // away from clipping
				d := float64(r.in[i][j]-t) * 255
				s2 += d * d
				n++
			}
		}
	}
	if s := math.Sqrt(s2 / float64(n)); math.Abs(s-20) > 1 {
		t.Errorf("noise std %.2f, want 20", s)
	}
}

// A noise-level map channel is constant; "true" holds the AWGN σ/255.
func TestSigmaMap(t *testing.T) {
	o := baseOptions(testDir(t, 3, false))
	o.SigmaMap, o.PerImage, o.Patch = "estimate", 1, 45
	r, _ := generate(t, o)
	if r.cin != 2 {
		t.Fatalf("cin %d", r.cin)
	}
	n := r.h * r.w
	for i := range r.in {
		m := r.in[i][n:]
		for _, v := range m {
			if v != m[0] {
				t.Fatal("noise-level map is not constant")
			}
		}
	}
	o.SigmaMap = "true"
	r, _ = generate(t, o)
	for i := range r.in {
		// the record's sigma is float32, so compare within float32 precision
		if got, want := r.in[i][n], cnn.SigmaMapValue(float64(r.meta[i][0])); math.Abs(float64(got-want)) > 1e-6 {
			t.Errorf("record %d: map %v, want σ/255 = %v", i, got, want)
		}
	}
}

// The estimate channel equals cnn.EstimateSigma of the whole noisy image: checked on
// images that are exactly one patch.
func TestSigmaMapEstimate(t *testing.T) {
	dir := t.TempDir()
	im := stdimage.NewGray(stdimage.Rect(0, 0, 24, 24))
	for i := range im.Pix {
		im.Pix[i] = uint8(i * 37 % 200)
	}
	f, _ := os.Create(filepath.Join(dir, "a.png"))
	png.Encode(f, im)
	f.Close()
	o := baseOptions(dir)
	o.Patch, o.PerImage, o.SigmaMap, o.Augment, o.Count = 24, 1, "estimate", false, 5
	r, _ := generate(t, o)
	n := 24 * 24
	for i := range r.in {
		p := frame.Plane{W: 24, H: 24, Stride: 24, Pix: append([]float32(nil), r.in[i][:n]...)}
		var est noise.Estimator
		want := cnn.SigmaMapValue(cnn.EstimateSigma([]*frame.Plane{&p}, &est))
		if got := r.in[i][n]; got != want {
			t.Errorf("record %d: map %v, want %v", i, got, want)
		}
	}
}

func TestColour(t *testing.T) {
	o := baseOptions(testDir(t, 3, true))
	o.Color, o.SigmaMap = true, "estimate"
	r, _ := generate(t, o)
	if r.cin != 4 || r.cout != 3 {
		t.Fatalf("colour with map: %d→%d channels", r.cin, r.cout)
	}
}

func TestSplitsDisjoint(t *testing.T) {
	dir := testDir(t, 8, false)
	tr, err := loadImages([]string{dir}, false, "train", 4, 16)
	if err != nil {
		t.Fatal(err)
	}
	va, err := loadImages([]string{dir}, false, "val", 4, 16)
	if err != nil {
		t.Fatal(err)
	}
	if len(tr) != 6 || len(va) != 2 || va[0].name != "im03.png" || va[1].name != "im07.png" {
		t.Errorf("train %d, val %d (%v)", len(tr), len(va), va)
	}
}

func TestDihedral(t *testing.T) {
	im := clean{w: 3, h: 2, c: 1, pix: []uint8{1, 2, 3, 4, 5, 6}}
	seen := map[string]bool{}
	for d := range 8 {
		o := im.dihedral(d)
		if o.w*o.h != 6 {
			t.Fatalf("d=%d: %dx%d", d, o.w, o.h)
		}
		seen[fmt.Sprint(o.w, o.pix)] = true
	}
	if len(seen) != 8 {
		t.Errorf("%d distinct transforms of 8", len(seen))
	}
	if o := im.dihedral(4); fmt.Sprint(o.pix) != "[1 4 2 5 3 6]" {
		t.Errorf("transpose: %v", o.pix)
	}
}

func TestUnknownChain(t *testing.T) {
	o := baseOptions(testDir(t, 1, false))
	o.Chains = []Chain{{"nosuchmode", 1}}
	err := Run(o, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), `chain "nosuchmode"`) {
		t.Errorf("unknown chain: %v", err)
	}
}

// TestGuideChannels: with -guide the records carry, after the image channel, the picture
// as it entered the chain's smoothing stage: the noisy input for chain nlm (the same draw
// as chain none's input), the input itself for chains without one; and temporal stages
// (impulse+stnlm) run on single images.
func TestGuideChannels(t *testing.T) {
	dir := testDir(t, 6, false)
	o := baseOptions(dir)
	o.ImpulseProb, o.Guide = 0, true
	o.Chains = []Chain{{"none", 1}}
	none, _ := generate(t, o)
	o.Chains = []Chain{{"nlm", 1}}
	nl, _ := generate(t, o)
	if nl.cin != 2 || none.cin != 2 {
		t.Fatalf("in channels %d, %d; want 2", nl.cin, none.cin)
	}
	n := nl.h * nl.w
	var smoothed float64
	for i := range nl.in {
		for k := range n {
			if none.in[i][k] != none.in[i][n+k] {
				t.Fatalf("chain none: guide differs from the input at record %d", i)
			}
			if nl.in[i][n+k] != none.in[i][k] {
				t.Fatalf("chain nlm: guide of record %d is not the noisy input", i)
			}
			smoothed += math.Abs(float64(nl.in[i][k] - nl.in[i][n+k]))
		}
	}
	if smoothed/float64(len(nl.in)*n) < 1e-3 {
		t.Error("chain nlm: the image channel is not smoothed")
	}

	o.Chains = []Chain{{"impulse+stnlm", 1}, {"nlm", 1}}
	o.ImpulseProb, o.ImpulseIn = 1, []string{"impulse+stnlm"}
	r, _ := generate(t, o)
	withImpulses := 0
	for i := range r.in {
		if r.meta[i][1] > 0 {
			withImpulses++
		}
	}
	if withImpulses == 0 || withImpulses == len(r.in) {
		t.Errorf("%d of %d records with impulses; want only chain impulse+stnlm's", withImpulses, len(r.in))
	}
	o.ImpulseIn = []string{"impulse+nlm"}
	if _, err := newGenerator(o); err == nil || !strings.Contains(err.Error(), "not one of the chains") {
		t.Errorf("-impulse-chains naming no chain: %v", err)
	}
}

// TestPan: the views of a sequence chain are crops of the clean image moved by their
// offsets — exact for the centre view and whole-pixel offsets, bilinear between — and a
// sequence chain's records have the guide channels and are reproducible.
func TestPan(t *testing.T) {
	im := clean{c: 1, w: 60, h: 50, pix: make([]uint8, 60*50)}
	for i := range im.pix {
		im.pix[i] = uint8((i*37 + i/60*11) % 251)
	}
	offs := [][2]float64{{-3, 2}, {0, 0}, {2, -1}, {0.5, 0}}
	v := im.moving(4, 40, 30, 8, 9, offs)
	at := func(c clean, x, y int) float64 { return float64(c.pix[y*c.w+x]) }
	for y := range 30 {
		for x := range 40 {
			for k := range 3 {
				if got, want := at(v[k], x, y), at(im, x+8+int(offs[k][0]), y+9+int(offs[k][1])); got != want {
					t.Fatalf("view %d (%d,%d) = %g, want %g", k, x, y, got, want)
				}
			}
			if got, want := at(v[3], x, y), math.Round((at(im, x+8, y+9)+at(im, x+9, y+9))/2); got != want {
				t.Fatalf("half-pixel view (%d,%d) = %g, want %g", x, y, got, want)
			}
		}
	}

	o := baseOptions(testDir(t, 6, false))
	o.Guide, o.ImpulseProb, o.Sigma = true, 0, Range{20, 20}
	o.Chains = []Chain{{"stnlm/3", 1}}
	r, b1 := generate(t, o)
	if r.cin != 2 || len(r.in) != o.Count {
		t.Fatalf("%d records of %d in channels", len(r.in), r.cin)
	}
	o.Workers = 1
	if _, b2 := generate(t, o); !bytes.Equal(b1, b2) {
		t.Error("sequence records depend on the number of workers")
	}
	for _, bad := range []string{"stnlm/4", "stnlm/1", "stnlm/x", "stnlm/11"} {
		if _, err := parseChains(bad); err == nil {
			t.Errorf("chain %q accepted", bad)
		}
	}
}

// TestSourceChannels: with -source the records carry, after the guide channel, the picture
// as it entered the chain: the noisy input (impulses and all) when the impulse stage has
// replaced samples of the image and guide channels.
func TestSourceChannels(t *testing.T) {
	dir := testDir(t, 6, false)
	o := baseOptions(dir)
	o.ImpulseProb, o.Guide, o.Source = 1, true, true
	o.Chains = []Chain{{"none", 1}}
	none, _ := generate(t, o)
	o.Chains = []Chain{{"impulse", 1}}
	imp, _ := generate(t, o)
	if imp.cin != 3 || none.cin != 3 {
		t.Fatalf("in channels %d, %d; want 3", imp.cin, none.cin)
	}
	n := imp.h * imp.w
	replaced := 0
	for i := range imp.in {
		for k := range n {
			if none.in[i][k] != none.in[i][n+k] || none.in[i][k] != none.in[i][2*n+k] {
				t.Fatalf("chain none: guide or source differs from the input at record %d", i)
			}
			if imp.in[i][2*n+k] != none.in[i][k] {
				t.Fatalf("chain impulse: source of record %d is not the noisy input", i)
			}
			if imp.in[i][n+k] != imp.in[i][k] {
				t.Fatalf("chain impulse: guide of record %d is not the CNN's input", i)
			}
			if imp.in[i][k] != imp.in[i][2*n+k] {
				replaced++
			}
		}
	}
	if replaced == 0 {
		t.Error("chain impulse: no sample replaced, so the source check proves nothing")
	}
	o.Guide = false
	if _, err := newGenerator(o); err == nil || !strings.Contains(err.Error(), "-source needs -guide") {
		t.Errorf("-source without -guide: %v", err)
	}
}
