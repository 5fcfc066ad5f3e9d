package temporal

import (
	"fmt"

	"github.com/denoise-go/denoise/frame"
	"github.com/denoise-go/denoise/internal/dsp"
)

// SceneCutConfig tunes a SceneCutDetector. Zero fields take the defaults in brackets.
type SceneCutConfig struct {
	// Sigma is the noise standard deviation of the frames in sample units when known; 0
	// judges each pair against the costs of the pairs seen so far in the scene.
	Sigma float32
	// Threshold: a block is unmatched when its best motion-compensated cost exceeds
	// Threshold times what a matched block of the scene costs [1.75].
	Threshold float32
	// Fraction of unmatched blocks from which a frame may start a new scene [0.6]. On clean
	// natural video with complex motion about half the blocks can exceed the threshold
	// inside a shot; a cut leaves nearly none matched.
	Fraction float32
	// Jump: the fraction must also exceed the median of the scene's recent fractions by this
	// much [0.3], so that a scene whose motion the blocks cannot follow (fast, blurred,
	// deforming) does not cut at every frame.
	Jump float32
	// History is how many recent frames the running medians look at [15].
	History int
}

func (c SceneCutConfig) withDefaults() (SceneCutConfig, error) {
	if c.Threshold == 0 {
		c.Threshold = 1.75
	}
	if c.Fraction == 0 {
		c.Fraction = 0.6
	}
	if c.Jump == 0 {
		c.Jump = 0.3
	}
	if c.History == 0 {
		c.History = 15
	}
	switch {
	case c.Sigma < 0 || c.Sigma > 1:
		return c, fmt.Errorf("scenecut: sigma %g: want 0 (estimate) to 1", c.Sigma)
	case c.Threshold < 1:
		return c, fmt.Errorf("scenecut: threshold %g: want ≥ 1", c.Threshold)
	case c.Fraction <= 0 || c.Fraction > 1 || c.Jump < 0 || c.Jump > 1:
		return c, fmt.Errorf("scenecut: fraction %g and jump %g: want (0,1] and [0,1]", c.Fraction, c.Jump)
	case c.History < 1 || c.History > 1000:
		return c, fmt.Errorf("scenecut: history of %d frames: want 1 to 1000", c.History)
	}
	return c, nil
}

// SceneCutStats describes the last frame a SceneCutDetector saw.
type SceneCutStats struct {
	// Unmatched is the fraction of blocks whose motion-compensated cost against the
	// previous frame is beyond what noise explains.
	Unmatched float32
	// Level is the cost per pixel (at the detector's half resolution) a matched block was
	// taken to have; blocks beyond Threshold times it count as unmatched. 0 for the first
	// frame of a stream.
	Level float32
	Cut   bool
}

// SceneCutDetector tells, frame by frame, whether a frame starts a new scene. It matches
// each frame's luma against the previous one's with motion compensation at half resolution
// (halving the resolution quarters the noise variance and the work, and pans and zooms are
// followed by the vectors), counts the blocks that no vector explains, and calls a cut when
// most blocks are unmatched and many more than lately. Not safe for concurrent use.
type SceneCutDetector struct {
	cfg SceneCutConfig
	est *MotionEstimator

	half    [2]frame.Plane // this frame's and the previous frame's luma at half size
	pyr     [2]Pyramid
	cur     int // index of this frame's buffers
	field   MotionField
	have    bool      // a previous frame is held
	noise   float32   // cost of pure noise when Sigma is known
	levels  []float32 // the scene's recent median block costs
	fracs   []float32 // and unmatched fractions
	scratch []float32
	sel     dsp.SelectScratch
	last    SceneCutStats
	fullW   int
	fullH   int
}

// NewSceneCutDetector checks cfg and returns a detector.
func NewSceneCutDetector(cfg SceneCutConfig) (*SceneCutDetector, error) {
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	// 2×2 box means halve the noise's standard deviation.
	est, err := NewMotionEstimator(MotionConfig{BlockSize: cutBlock, Levels: 2, Range: 16, SubPel: 4, Sigma: c.Sigma / 2})
	if err != nil {
		return nil, err
	}
	// Differences of two noisy frames at half size: 2·(σ/2)².
	return &SceneCutDetector{cfg: c, est: est, noise: c.Sigma * c.Sigma / 2}, nil
}

// Reset forgets the previous frame: the next one starts a scene.
func (d *SceneCutDetector) Reset() {
	d.have = false
	d.levels, d.fracs = d.levels[:0], d.fracs[:0]
}

// Last returns what the detector measured on the last frame pushed.
func (d *SceneCutDetector) Last() SceneCutStats { return d.last }

// Push takes the luma of the next frame (possibly impulse-cleaned) and says whether the frame
// starts a new scene. The first frame, and the first after a change of size, does.
func (d *SceneCutDetector) Push(luma *frame.Plane) bool {
	if d.have && (luma.W != d.fullW || luma.H != d.fullH) {
		d.Reset()
	}
	d.fullW, d.fullH = luma.W, luma.H
	d.cur ^= 1
	h := &d.half[d.cur]
	halve(h, luma)
	d.est.BuildPyramid(&d.pyr[d.cur], h)
	if !d.have {
		d.have = true
		d.last = SceneCutStats{Cut: true}
		return true
	}
	d.est.EstimatePyramids(&d.field, &d.pyr[d.cur], &d.pyr[d.cur^1])
	return d.judge(d.field.Cost)
}

// PushField judges a frame by a motion field from it to the previous frame estimated
// elsewhere at half resolution (its costs per pixel of half-size planes, as the detector's
// own), instead of estimating one: a window whose own fields are at half resolution
// estimates that pair anyway. The caller handles the first frame of a stream or size,
// which has no previous frame; Reset clears what the detector learnt of the scene.
func (d *SceneCutDetector) PushField(f *MotionField) bool {
	return d.judge(f.Cost)
}

// judge says whether a frame whose blocks cost costs (per pixel, half size) against the
// previous frame starts a new scene, and updates the scene's history.
func (d *SceneCutDetector) judge(costs []float32) bool {
	// The level a matched block costs: what noise alone costs when that is known, or more
	// if this scene's blocks usually cost more (motion the blocks follow imperfectly, fine
	// texture between pixels); else the median cost of the scene's recent pairs. The first
	// pair of a scene with no known noise has only itself to measure against, which would
	// make any frame look like its own scene: it cannot cut.
	med := d.median(costs)
	canCut := true
	var level float32
	switch {
	case len(d.levels) > 0:
		level = d.median(d.levels)
		if d.cfg.Sigma > 0 {
			level = max(level, d.noise)
		}
	case d.cfg.Sigma > 0:
		level = d.noise
	default:
		level, canCut = med, false
	}
	// A floor of about 2 codes of 8-bit difference keeps clean, static material from
	// counting its rounding as mismatch.
	limit := d.cfg.Threshold*level + 2*(2.0/255)*(2.0/255)
	bad := 0
	for _, c := range costs {
		if c > limit {
			bad++
		}
	}
	frac := float32(bad) / float32(len(costs))
	cut := canCut && frac >= d.cfg.Fraction
	if cut && len(d.fracs) > 0 {
		cut = frac >= d.median(d.fracs)+d.cfg.Jump
	}
	d.last = SceneCutStats{Unmatched: frac, Level: level, Cut: cut}
	if cut {
		d.levels, d.fracs = d.levels[:0], d.fracs[:0]
		return true
	}
	d.levels = pushBounded(d.levels, med, d.cfg.History)
	d.fracs = pushBounded(d.fracs, frac, d.cfg.History)
	return false
}

func (d *SceneCutDetector) median(v []float32) float32 {
	d.scratch = append(d.scratch[:0], v...)
	return dsp.Select(d.scratch, len(d.scratch)/2, &d.sel)
}

func pushBounded(v []float32, x float32, n int) []float32 {
	if len(v) == n {
		copy(v, v[1:])
		v = v[:n-1]
	}
	return append(v, x)
}

// halve writes into dst the 2×2 box means of src, an odd last row or column averaged with
// itself; dst is resized as needed.
func halve(dst, src *frame.Plane) {
	w, h := (src.W+1)/2, (src.H+1)/2
	if dst.W != w || dst.H != h {
		dst.Resize(w, h)
	}
	for y := 0; y < h; y++ {
		dsp.Downsample2Row(dst.Row(y), src.Row(2*y), src.Row(min(2*y+1, src.H-1)))
	}
}

// cutBlock is the block size at half resolution: 24×24 pixels of the frame. Larger blocks
// than the estimator's default average more noise out of each cost, and a cut is a matter
// of whole regions, not of details.
const cutBlock = 12

// Close ends the helper goroutines of the detector's motion estimator.
func (c *SceneCutDetector) Close() { c.est.Close() }
