package quality

import "math"

// This file holds plain, whole-image versions of scipy's uniform_filter and skimage's
// structural_similarity, written as directly from their sources as can be; ssim, which
// streams rows, must agree with them bit for bit.

// uniformFilter writes scipy.ndimage.uniform_filter(src, size) of an h×w row-major
// float64 array to dst, with scipy's default mode 'reflect' (d c b a | a b c d) and
// origin 0. It follows scipy's arithmetic (NI_UniformFilter1D), not a convolution with
// 1/size taps: axis 0 (down the columns) first into tmp, then axis 1 (along the rows);
// on each line a running sum, started from 0 over the first window, updated with
// (entering − leaving), and each output that sum divided by size. dst, src and tmp
// have h·w elements; dst and src may not alias tmp. size is odd.
func uniformFilter(dst, src, tmp []float64, w, h, size int) {
	r := size / 2
	fs := float64(size)

	// Axis 0: every column at once, one running sum per column.
	acc := make([]float64, w)
	for k := 0; k < size; k++ {
		row := src[reflectIndex(k-r, h)*w:][:w]
		for x, v := range row {
			acc[x] += v
		}
	}
	for x := range w {
		tmp[x] = acc[x] / fs
	}
	for y := 1; y < h; y++ {
		in := src[reflectIndex(y+r, h)*w:][:w]
		out := src[reflectIndex(y-1-r, h)*w:][:w]
		o := tmp[y*w:][:w]
		for x := range o {
			acc[x] += in[x] - out[x]
			o[x] = acc[x] / fs
		}
	}

	// Axis 1: along each row of tmp.
	for y := 0; y < h; y++ {
		line := tmp[y*w:][:w]
		o := dst[y*w:][:w]
		s := 0.0
		for k := 0; k < size; k++ {
			s += line[reflectIndex(k-r, w)]
		}
		o[0] = s / fs
		for x := 1; x < w; x++ {
			s += line[reflectIndex(x+r, w)] - line[reflectIndex(x-1-r, w)]
			o[x] = s / fs
		}
	}
}

// ssimWhole is skimage 0.19's structural_similarity on whole float64 arrays, line by
// line of its source.
func ssimWhole(x, y []float64, w, h int, dataRange float64) float64 {
	const win = SSIMWinSize
	if w < win || h < win {
		return math.NaN()
	}
	n := w * h
	prod, tmp := make([]float64, n), make([]float64, n)
	filt := func(src []float64) []float64 {
		out := make([]float64, n)
		uniformFilter(out, src, tmp, w, h, win)
		return out
	}
	ux, uy := filt(x), filt(y)
	for i := range prod {
		prod[i] = x[i] * x[i]
	}
	uxx := filt(prod)
	for i := range prod {
		prod[i] = y[i] * y[i]
	}
	uyy := filt(prod)
	for i := range prod {
		prod[i] = x[i] * y[i]
	}
	uxy := filt(prod)
	np := float64(win * win)
	covNorm := np / (np - 1)
	c1 := float64(ssimK1*dataRange) * float64(ssimK1*dataRange)
	c2 := float64(ssimK2*dataRange) * float64(ssimK2*dataRange)
	pad := (win - 1) / 2
	sum := 0.0
	for r := pad; r < h-pad; r++ {
		row := 0.0
		for c := pad; c < w-pad; c++ {
			i := r*w + c
			vx := covNorm * (uxx[i] - float64(ux[i]*ux[i]))
			vy := covNorm * (uyy[i] - float64(uy[i]*uy[i]))
			vxy := covNorm * (uxy[i] - float64(ux[i]*uy[i]))
			a1 := float64(2*ux[i]*uy[i]) + c1
			a2 := float64(2*vxy) + c2
			b1 := float64(float64(ux[i]*ux[i])+float64(uy[i]*uy[i])) + c1
			b2 := float64(vx+vy) + c2
			row += float64(a1*a2) / float64(b1*b2)
		}
		sum += row
	}
	return sum / float64((h-2*pad)*(w-2*pad))
}
