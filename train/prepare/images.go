package main

import (
	"fmt"
	"image"
	_ "image/gif"
	_ "image/jpeg"
	_ "image/png"
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
