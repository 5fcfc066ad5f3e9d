package quality

import (
	"fmt"
	"math"

	"github.com/denoise-go/denoise/frame"
)

// SSIM's settings: scikit-image 0.19's structural_similarity defaults (a 7×7 uniform
// window, K1 0.01, K2 0.03, sample covariance, no Gaussian weights).
const (
	SSIMWinSize = 7
	ssimK1      = 0.01
	ssimK2      = 0.03
)

// Sample is the element type of the slice forms of the metrics.
type Sample interface{ ~float32 | ~float64 }

// MSE is the mean squared difference of two planes of the same size, in their units.
// It panics if the sizes differ.
func MSE(ref, test *frame.Plane) float64 {
	samePlaneSize(ref, test)
	return planeSSE(ref, test) / float64(ref.W*ref.H)
}

// PSNR is skimage.metrics.peak_signal_noise_ratio(ref, test, data_range=dataRange):
// 10·log10(dataRange²/MSE) in dB, +Inf for identical planes. dataRange is the span of
// the samples' scale: 1 for working-format planes, 255 for 8-bit codes, 65535 for
// 16-bit codes. It panics if the sizes differ.
func PSNR(ref, test *frame.Plane, dataRange float64) float64 {
	return psnrFromMSE(MSE(ref, test), dataRange)
}

// SSIM is skimage.metrics.structural_similarity(ref, test, data_range=dataRange) with
// the defaults: the mean over the plane, less a border of 3 samples, of the SSIM map of
// 7×7 uniform windows (scipy's 'reflect' borders) with sample covariances. It is NaN
// when the plane is narrower or lower than 7 (where skimage raises an error), and
// panics if the sizes differ.
func SSIM(ref, test *frame.Plane, dataRange float64) float64 {
	samePlaneSize(ref, test)
	return ssim(planeRows(ref), planeRows(test), ref.W, ref.H, dataRange)
}

// PSNRSlice is PSNR of two sample slices of the same length, of any shape: for an
// interleaved H×W×C colour image it is skimage's PSNR of the H×W×C array.
func PSNRSlice[T Sample](ref, test []T, dataRange float64) float64 {
	if len(ref) != len(test) {
		panic(fmt.Sprintf("quality: PSNR of slices of lengths %d and %d", len(ref), len(test)))
	}
	return psnrFromMSE(sse(ref, test)/float64(len(ref)), dataRange)
}

// SSIMSlice is SSIM of two w×h row-major images given as slices of w·h samples.
func SSIMSlice[T Sample](ref, test []T, w, h int, dataRange float64) float64 {
	return SSIMChannels(ref, test, w, h, 1, dataRange)
}

// SSIMChannels is SSIM of two w×h images of c interleaved channels (an H×W×C array,
// row-major), as skimage computes it with channel_axis=-1: the mean of the channels'
// SSIMs.
func SSIMChannels[T Sample](ref, test []T, w, h, c int, dataRange float64) float64 {
	n := w * h * c
	if len(ref) != n || len(test) != n {
		panic(fmt.Sprintf("quality: SSIM of %dx%dx%d images needs %d samples, got %d and %d",
			w, h, c, n, len(ref), len(test)))
	}
	sum := 0.0
	for ch := range c {
		sum += ssim(channelRows(ref, w, c, ch), channelRows(test, w, c, ch), w, h, dataRange)
	}
	return sum / float64(c)
}

// FramePSNR is the PSNR of test against ref in working units (data range 1): of the
// only plane of a gray frame, of the three planes taken together for RGB (skimage's
// PSNR of the H×W×3 array), and of luma alone for YUV. Alpha is ignored. It panics if
// the frames' layouts or sizes differ.
func FramePSNR(ref, test *frame.Frame) float64 {
	sameFrameGeometry(ref, test)
	return framePSNR(ref, test, metricPlanes(ref))
}

// FramePSNRAll is the PSNR of all colour planes together: the squared errors of every
// sample of every plane (subsampled chroma counting its own samples) over their count.
// For gray and RGB frames it equals FramePSNR.
func FramePSNRAll(ref, test *frame.Frame) float64 {
	sameFrameGeometry(ref, test)
	return framePSNR(ref, test, colourPlanes(ref))
}

// FrameSSIM is the SSIM of test against ref (data range 1): of the only plane of a
// gray frame, the mean over R, G and B (skimage with channel_axis), and of luma alone
// for YUV. Alpha is ignored. It panics if the frames' layouts or sizes differ.
func FrameSSIM(ref, test *frame.Frame) float64 {
	sameFrameGeometry(ref, test)
	return frameSSIM(ref, test, metricPlanes(ref))
}

// FrameSSIMAll is the mean SSIM over all colour planes, each at its own size: for YUV,
// of Y, U and V equally weighted. For gray and RGB frames it equals FrameSSIM. It is NaN
// if any plane is smaller than 7×7.
func FrameSSIMAll(ref, test *frame.Frame) float64 {
	sameFrameGeometry(ref, test)
	return frameSSIM(ref, test, colourPlanes(ref))
}

func framePSNR(ref, test *frame.Frame, planes int) float64 {
	s, n := 0.0, 0
	for i := range planes {
		s += planeSSE(&ref.Planes[i], &test.Planes[i])
		n += ref.Planes[i].W * ref.Planes[i].H
	}
	return psnrFromMSE(s/float64(n), 1)
}

func frameSSIM(ref, test *frame.Frame, planes int) float64 {
	s := 0.0
	for i := range planes {
		s += SSIM(&ref.Planes[i], &test.Planes[i], 1)
	}
	return s / float64(planes)
}

// metricPlanes is how many leading planes FramePSNR and FrameSSIM measure.
func metricPlanes(f *frame.Frame) int {
	if f.Format.Layout == frame.RGB {
		return 3
	}
	return 1
}

// colourPlanes is the number of planes less alpha.
func colourPlanes(f *frame.Frame) int {
	n := f.Format.NumPlanes()
	if f.Format.Alpha {
		n--
	}
	return n
}

func sameFrameGeometry(a, b *frame.Frame) {
	fa, fb := a.Format, b.Format
	if a.W != b.W || a.H != b.H || fa.Layout != fb.Layout || fa.Alpha != fb.Alpha ||
		fa.ChromaShiftW != fb.ChromaShiftW || fa.ChromaShiftH != fb.ChromaShiftH {
		panic(fmt.Sprintf("quality: frames differ in geometry: %v and %v", a.Geometry(), b.Geometry()))
	}
}

func samePlaneSize(a, b *frame.Plane) {
	if a.W != b.W || a.H != b.H {
		panic(fmt.Sprintf("quality: planes differ in size: %dx%d and %dx%d", a.W, a.H, b.W, b.H))
	}
}

func psnrFromMSE(mse, dataRange float64) float64 {
	if mse == 0 {
		return math.Inf(1)
	}
	return 10 * math.Log10(dataRange*dataRange/mse)
}

// sse is the sum of squared differences, in float64.
func sse[T Sample](a, b []T) float64 {
	s := 0.0
	for i := range a {
		d := float64(a[i]) - float64(b[i])
		s += d * d
	}
	return s
}

func planeSSE(a, b *frame.Plane) float64 {
	s := 0.0
	for y := 0; y < a.H; y++ {
		s += sse(a.Row(y), b.Row(y)) // a sum per row keeps rounding small on big planes
	}
	return s
}

// rowSource writes row y of an image, as float64, to dst (of the image's width).
type rowSource func(y int, dst []float64)

func planeRows(p *frame.Plane) rowSource {
	return func(y int, dst []float64) {
		for x, v := range p.Row(y) {
			dst[x] = float64(v)
		}
	}
}

func channelRows[T Sample](s []T, w, c, ch int) rowSource {
	return func(y int, dst []float64) {
		row := s[y*w*c:]
		for x := range dst {
			dst[x] = float64(row[x*c+ch])
		}
	}
}

// ssim is skimage 0.19's structural_similarity for one channel, with its defaults, in
// its order of operations, so that it agrees to the last bits or nearly.
//
// skimage filters five whole images (x, y, x², y², xy) with scipy's uniform_filter,
// which runs NI_UniformFilter1D down the columns and then along the rows: on each line
// a running sum, started at 0 over the first (reflected) window, updated with
// (entering − leaving), each output that sum / 7. This does the same arithmetic one row
// at a time: the column sums are vectors updated as the rows go by, and each row of the
// result is filtered along and reduced to its SSIM sum at once, so memory is O(w). Only
// rows and columns inside skimage's crop are reduced. The explicit float64 conversions
// keep the compiler from fusing multiply-adds, which numpy does not do.
func ssim(xs, ys rowSource, w, h int, dataRange float64) float64 {
	const win = SSIMWinSize
	const r = win / 2
	const pad = (win - 1) / 2 // skimage's crop
	if w < win || h < win {
		return math.NaN()
	}
	buf := make([]float64, 14*w)
	row := func(i int) []float64 { return buf[i*w : (i+1)*w : (i+1)*w] }
	xin, yin, xout, yout := row(0), row(1), row(2), row(3)
	// Column running sums (axis 0) and their quotients, for x, y, x², y², xy.
	ax, ay, axx, ayy, axy := row(4), row(5), row(6), row(7), row(8)
	tx, ty, txx, tyy, txy := row(9), row(10), row(11), row(12), row(13)

	const fs = float64(win)
	np := float64(win * win)
	covNorm := np / (np - 1)
	c1 := float64(ssimK1*dataRange) * float64(ssimK1*dataRange)
	c2 := float64(ssimK2*dataRange) * float64(ssimK2*dataRange)

	for k := range win {
		xs(reflectIndex(k-r, h), xin)
		ys(reflectIndex(k-r, h), yin)
		for i := range w {
			a, b := xin[i], yin[i]
			ax[i] += a
			ay[i] += b
			axx[i] += float64(a * a)
			ayy[i] += float64(b * b)
			axy[i] += float64(a * b)
		}
	}
	sum := 0.0
	for yy := 0; yy < h-pad; yy++ {
		if yy > 0 {
			xs(reflectIndex(yy+r, h), xin)
			ys(reflectIndex(yy+r, h), yin)
			xs(reflectIndex(yy-1-r, h), xout)
			ys(reflectIndex(yy-1-r, h), yout)
			for i := range w {
				a, b, c, d := xin[i], yin[i], xout[i], yout[i]
				ax[i] += a - c
				ay[i] += b - d
				axx[i] += float64(a*a) - float64(c*c)
				ayy[i] += float64(b*b) - float64(d*d)
				axy[i] += float64(a*b) - float64(c*d)
			}
		}
		if yy < pad {
			continue
		}
		for i := range w {
			tx[i], ty[i] = ax[i]/fs, ay[i]/fs
			txx[i], tyy[i], txy[i] = axx[i]/fs, ayy[i]/fs, axy[i]/fs
		}
		// Axis 1 along this row, and the SSIM of its interior.
		var sx, sy, sxx, syy, sxy float64
		for k := range win {
			j := reflectIndex(k-r, w)
			sx += tx[j]
			sy += ty[j]
			sxx += txx[j]
			syy += tyy[j]
			sxy += txy[j]
		}
		rowSum := 0.0
		for i := 0; i < w-pad; i++ {
			if i > 0 {
				in, out := reflectIndex(i+r, w), reflectIndex(i-1-r, w)
				sx += tx[in] - tx[out]
				sy += ty[in] - ty[out]
				sxx += txx[in] - txx[out]
				syy += tyy[in] - tyy[out]
				sxy += txy[in] - txy[out]
			}
			if i < pad {
				continue
			}
			ux, uy := sx/fs, sy/fs
			vx := covNorm * (sxx/fs - float64(ux*ux))
			vy := covNorm * (syy/fs - float64(uy*uy))
			vxy := covNorm * (sxy/fs - float64(ux*uy))
			a1 := float64(2*ux*uy) + c1
			a2 := float64(2*vxy) + c2
			b1 := float64(float64(ux*ux)+float64(uy*uy)) + c1
			b2 := float64(vx+vy) + c2
			rowSum += float64(a1*a2) / float64(b1*b2)
		}
		sum += rowSum
	}
	return sum / float64((h-2*pad)*(w-2*pad))
}

// reflectIndex folds i into [0,n) as scipy's mode 'reflect' does: the edge sample is
// repeated (… c b a | a b c … x y z | z y x …), with period 2n.
func reflectIndex(i, n int) int {
	if i >= 0 && i < n {
		return i
	}
	p := 2 * n
	m := i % p
	if m < 0 {
		m += p
	}
	if m >= n {
		m = p - 1 - m
	}
	return m
}
