package main

import (
	"fmt"
	"image"
	_ "image/gif"
	_ "image/jpeg"
	_ "image/png"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/denoise-go/denoise/frame"
)

// clean is a clean 8-bit picture, planar: c planes of w×h.
type clean struct {
	name    string
	w, h, c int
	pix     []uint8
}

var imageExt = map[string]bool{".png": true, ".jpg": true, ".jpeg": true, ".gif": true}

// loadImages reads the images of dirs (sorted by name per folder), keeps the split's share and
// drops those smaller than a patch.
func loadImages(dirs []string, color bool, split string, valEvery, patch int) ([]clean, error) {
	switch split {
	case "all", "train", "val":
	default:
		return nil, fmt.Errorf("-split %q: want all, train or val", split)
	}
	var out []clean
	for _, dir := range dirs {
		ents, err := os.ReadDir(dir)
		if err != nil {
			return nil, err
		}
		var names []string
		for _, e := range ents {
			if !e.IsDir() && imageExt[strings.ToLower(filepath.Ext(e.Name()))] {
				names = append(names, e.Name())
			}
		}
		sort.Strings(names)
		for i, n := range names {
			isVal := valEvery > 0 && i%valEvery == valEvery-1
			if split == "train" && isVal || split == "val" && !isVal {
				continue
			}
			im, err := loadImage(filepath.Join(dir, n), color)
			if err != nil {
				return nil, err
			}
			if im.w >= patch && im.h >= patch {
				out = append(out, im)
			}
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no %s image of at least %dx%d in %s", split, patch, patch, strings.Join(dirs, ", "))
	}
	return out, nil
}

func loadImage(path string, color bool) (clean, error) {
	f, err := os.Open(path)
	if err != nil {
		return clean{}, err
	}
	defer f.Close()
	m, _, err := image.Decode(f)
	if err != nil {
		return clean{}, fmt.Errorf("%s: %w", path, err)
	}
	b := m.Bounds()
	im := clean{name: filepath.Base(path), w: b.Dx(), h: b.Dy(), c: 1}
	if color {
		im.c = 3
	}
	im.pix = make([]uint8, im.c*im.w*im.h)
	n := im.w * im.h
	for y := 0; y < im.h; y++ {
		for x := 0; x < im.w; x++ {
			r, g, bl, _ := m.At(b.Min.X+x, b.Min.Y+y).RGBA()
			i := y*im.w + x
			if color {
				im.pix[i], im.pix[n+i], im.pix[2*n+i] = uint8(r>>8), uint8(g>>8), uint8(bl>>8)
				continue
			}
			if gr, ok := m.(*image.Gray); ok {
				im.pix[i] = gr.GrayAt(b.Min.X+x, b.Min.Y+y).Y
				continue
			}
			// BT.601 luma of a colour image, on 8-bit codes
			im.pix[i] = uint8((299*(r>>8) + 587*(g>>8) + 114*(bl>>8) + 500) / 1000)
		}
	}
	return im, nil
}

// dihedral returns the image flipped and rotated by one of the 8 symmetries of the square.
func (im clean) dihedral(d int) clean {
	if d == 0 {
		return im
	}
	out := clean{name: im.name, c: im.c, w: im.w, h: im.h}
	if d&4 != 0 {
		out.w, out.h = im.h, im.w
	}
	out.pix = make([]uint8, len(im.pix))
	n := im.w * im.h
	for c := range im.c {
		src, dst := im.pix[c*n:(c+1)*n], out.pix[c*n:(c+1)*n]
		for y := range out.h {
			for x := range out.w {
				sx, sy := x, y
				if d&4 != 0 {
					sx, sy = y, x
				}
				if d&1 != 0 {
					sx = im.w - 1 - sx
				}
				if d&2 != 0 {
					sy = im.h - 1 - sy
				}
				dst[y*out.w+x] = src[sy*im.w+sx]
			}
		}
	}
	return out
}

func (im clean) format() frame.Format {
	if im.c == 3 {
		return frame.Format{Layout: frame.RGB, BitDepth: 8, PixFmt: "gbrp"}
	}
	return frame.Format{Layout: frame.Gray, BitDepth: 8, PixFmt: "gray"}
}

// fill writes the image into f as samples in [0,1].
func (im clean) fill(f *frame.Frame) {
	n := im.w * im.h
	for c := range im.c {
		p := &f.Planes[c]
		for y := range im.h {
			row := p.Row(y)
			src := im.pix[c*n+y*im.w : c*n+(y+1)*im.w]
			for x, v := range src {
				row[x] = float32(v) / 255
			}
		}
	}
}

// moving returns n views of im as a camera panning over it: view k is the w×h window at
// (x0, y0) + (k−c)·v + jitter_k (c = n/2; the centre view has no jitter and integer
// coordinates, so it is an exact crop), sampled bilinearly and rounded to 8-bit codes.
// offs gives each view's offset from the centre view.
func (im clean) moving(n, w, h, x0, y0 int, offs [][2]float64) []clean {
	views := make([]clean, n)
	for k := range n {
		v := clean{name: im.name, c: im.c, w: w, h: h, pix: make([]uint8, im.c*w*h)}
		ox, oy := float64(x0)+offs[k][0], float64(y0)+offs[k][1]
		fx, fy := math.Floor(ox), math.Floor(oy)
		ax, ay := ox-fx, oy-fy
		ix, iy := int(fx), int(fy)
		n1 := im.w * im.h
		for c := range im.c {
			src, dst := im.pix[c*n1:(c+1)*n1], v.pix[c*w*h:(c+1)*w*h]
			for y := range h {
				sy := min(iy+y, im.h-2)
				r0, r1 := src[sy*im.w:], src[(sy+1)*im.w:]
				for x := range w {
					sx := min(ix+x, im.w-2)
					top := (1-ax)*float64(r0[sx]) + ax*float64(r0[sx+1])
					bot := (1-ax)*float64(r1[sx]) + ax*float64(r1[sx+1])
					dst[y*w+x] = uint8(math.Round((1-ay)*top + ay*bot))
				}
			}
		}
		views[k] = v
	}
	return views
}
