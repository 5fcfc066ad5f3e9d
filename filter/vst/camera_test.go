package vst

import (
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/denoise-go/denoise/frame"
	"github.com/denoise-go/denoise/quality"
)

// Offset and read noise of the synthetic camera, in ADU.
const camOffset, camReadNoise = 500, 20

// cameraFrames are 16-bit frames of a camera with the given gain (ADU/e-), offset 500 ADU
// and read noise 20 ADU: a photon-free background on the left third (offset and read noise
// alone), the test scene with 0 to hi ADU of signal above the offset on the rest.
func cameraFrames(t *testing.T, n int, gain, hi float64) []*frame.Frame {
	t.Helper()
	spec, err := quality.ParseNoise("pg:" + strconv.FormatFloat(gain, 'g', -1, 64) + ":" +
		strconv.Itoa(camReadNoise) + ",native,noclip")
	if err != nil {
		t.Fatal(err)
	}
	var fs []*frame.Frame
	for i := range n {
		f := scene(256, 256, 0, hi)
		p := &f.Planes[0]
		for y := range p.H {
			clear(p.Row(y)[:p.W/3])
		}
		spec.Apply(f, int64(100+i)) // α·Poisson(signal/α) + N(0, 20²), rounded to codes
		for j, v := range p.Pix {
			p.Pix[j] = float32((math.Round(float64(v)*65535) + camOffset) / 65535)
		}
		f.Index = int64(i)
		fs = append(fs, f)
	}
	return fs
}

// TestCameraReport fits data with a known gain, offset 500 ADU and read noise 20 ADU, and
// checks the report in a microscopist's terms. The fit's own parameters split the intercept
// as σ = 0 and offset = −B/α (about 400 ADU for gain 3.88: the "sigma=0 offset=391" of the
// old report); the camera reading takes the photon-free background as the darkest level and
// recovers both.
//
// Tolerances: the gain within 5 %, as TestEstimateSynthetic holds the estimator to. The
// background holds about 65,000 pixels of 3 frames: their mean is known to a fraction of an
// ADU, so the offset may miss by what the cut into level sets leaves of the selection of low
// local means (a local mean of 25 pixels has a standard error of 4 ADU): 4 ADU. The read
// noise comes from the line's variance at that level: an error δ in the offset moves σ² by
// α·δ (16 ADU², 0.4 ADU of σ at α = 3.88), and the line's variance at the darkest level is
// measured on thousands of pixels (a few per cent of σ²): 1.5 ADU in all.
func TestCameraReport(t *testing.T) {
	for _, gain := range []float64{3.88, 1.2} {
		planes := []*frame.Plane{}
		frames := cameraFrames(t, 3, gain, 8000)
		for _, f := range frames {
			planes = append(planes, &f.Planes[0])
		}
		fit, err := Estimate(planes, 16)
		if err != nil {
			t.Fatalf("gain %v: %v", gain, err)
		}
		c := fit.Camera()
		t.Logf("gain %v: fit %v\n%v", gain, fit, c)
		if math.Abs(c.Gain-gain) > 0.05*gain {
			t.Errorf("gain %v: fitted %.4g ADU/e-, want ± 5 %%", gain, c.Gain)
		}
		if math.Abs(c.Offset-camOffset) > 4 {
			t.Errorf("gain %v: offset %.4g ADU, want %d ± 4", gain, c.Offset, camOffset)
		}
		// Rounding to codes adds 1/12 ADU² to the read noise's variance.
		if want := math.Sqrt(camReadNoise*camReadNoise + 1.0/12); math.Abs(c.ReadNoise-want) > 1.5 {
			t.Errorf("gain %v: read noise %.4g ADU, want %.4g ± 1.5", gain, c.ReadNoise, want)
		}
		// The bounds the report states hold: the offset is at most the darkest level, and no
		// read noise at all would need the offset −B/α.
		if c.Offset > c.Dark || math.Abs(c.ReadNoise*c.ReadNoise-(c.Intercept+c.Gain*c.Offset)) > 1e-6*c.ReadNoise*c.ReadNoise {
			t.Errorf("gain %v: offset %v, dark level %v, read noise %v: not on the fitted line", gain, c.Offset, c.Dark, c.ReadNoise)
		}

		// The report as the CLI logs it, through the model of the stages.
		m, err := NewModel(Options{EstimateFrames: 3})
		if err != nil {
			t.Fatal(err)
		}
		if err := m.set(frames); err != nil {
			t.Fatal(err)
		}
		got := m.String()
		for _, want := range []string{
			"gain=" + strconv.FormatFloat(c.Gain, 'g', 3, 64) + " ADU/e- (" + strconv.FormatFloat(1/c.Gain, 'g', 3, 64) + " e-/ADU)",
			"offset=" + strconv.FormatFloat(c.Offset, 'g', 4, 64) + " ADU",
			"read noise=" + strconv.FormatFloat(c.ReadNoise, 'g', 3, 64) + " ADU rms",
			"if the darkest level (" + strconv.FormatFloat(c.Dark, 'g', 4, 64) + " ADU) holds no photons",
			"(not separable: the fit fixes only read noise² − gain·offset = " + strconv.FormatFloat(c.Intercept, 'g', 4, 64) + " ADU²",
			"photons there lower both, down to read noise 0 at offset " + strconv.FormatFloat(-c.Intercept/c.Gain, 'g', 4, 64) + " ADU)",
			"codes of 16 bits",
		} {
			if !strings.Contains(got, want) {
				t.Errorf("gain %v: the report lacks %q:\n%s", gain, want, got)
			}
		}
		if strings.Contains(got, "sigma=") {
			t.Errorf("gain %v: the report still gives the transform's split of the intercept:\n%s", gain, got)
		}
	}
}

// TestCameraNoOffset: with no offset the intercept is the read noise's variance, and the
// report's floor is offset 0, not the negative offset that no read noise would need.
func TestCameraNoOffset(t *testing.T) {
	c := Fit{A: 2, B: 100, Bins: []Bin{{Mean: 30, N: 2000, Used: true}, {Mean: 900, N: 2000, Used: true}}}.Camera()
	got := c.String()
	want := "gain=2 ADU/e- (0.5 e-/ADU), offset=30 ADU, read noise=12.6 ADU rms, if the darkest level (30 ADU) holds no " +
		"photons (not separable: the fit fixes only read noise² − gain·offset = 100 ADU²; photons there lower both, " +
		"down to read noise 10 ADU rms at offset 0)"
	if got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

// TestCameraGiven: parameters given as such are reported as they are.
func TestCameraGiven(t *testing.T) {
	got := Params{Alpha: 2, Sigma: 5, Offset: 100}.Camera().String()
	if want := "gain=2 ADU/e- (0.5 e-/ADU), offset=100 ADU, read noise=5 ADU rms (given)"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
