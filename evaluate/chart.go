package evaluate

import (
	"bytes"
	_ "embed"
	"fmt"
	goimage "image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"math"
	"path/filepath"
	"sync"
)

// glyphsPNG holds the printable ASCII characters (' ' to '~') in a row of 7×13 cells,
// white on black, antialiased. It was rendered from DejaVu Sans Mono at 12 px with
// ffmpeg's drawtext filter:
//
//	ffmpeg -f lavfi -i color=black:s=672x20 -vf "format=gray,drawtext=fontfile=DejaVuSansMono.ttf:
//	  textfile=ascii.txt:expansion=none:fontsize=12:fontcolor=white:x=0:y=2,crop=665:13:0:2"
//	  -frames:v 1 glyphs.png
//
//go:embed glyphs.png
var glyphsPNG []byte

const (
	glyphW, glyphH = 7, 13
	glyphFirst     = ' '
	glyphLast      = '~'
)

var (
	glyphsOnce sync.Once
	glyphs     *goimage.Gray
)

func loadGlyphs() *goimage.Gray {
	glyphsOnce.Do(func() {
		img, err := png.Decode(bytes.NewReader(glyphsPNG))
		if err != nil {
			panic(fmt.Sprintf("evaluate: embedded glyphs: %v", err))
		}
		g := goimage.NewGray(img.Bounds())
		draw.Draw(g, g.Bounds(), img, img.Bounds().Min, draw.Src)
		glyphs = g
	})
	return glyphs
}

// canvas draws rectangles and text on an RGBA picture.
type canvas struct{ *goimage.RGBA }

func (c canvas) fill(x0, y0, x1, y1 int, col color.RGBA) {
	draw.Draw(c.RGBA, goimage.Rect(x0, y0, x1, y1), &goimage.Uniform{col}, goimage.Point{}, draw.Src)
}

// text draws s with its top-left corner at (x, y); characters outside ASCII print as '?'.
func (c canvas) text(x, y int, s string, col color.RGBA) {
	g := loadGlyphs()
	for _, r := range s {
		if r < glyphFirst || r > glyphLast {
			r = '?'
		}
		gx := int(r-glyphFirst) * glyphW
		for dy := range glyphH {
			for dx := range glyphW {
				a := uint32(g.GrayAt(gx+dx, dy).Y)
				if a == 0 || !(goimage.Point{x + dx, y + dy}.In(c.Bounds())) {
					continue
				}
				bg := c.RGBAAt(x+dx, y+dy)
				mix := func(f, b uint8) uint8 { return uint8((uint32(f)*a + uint32(b)*(255-a) + 127) / 255) }
				c.SetRGBA(x+dx, y+dy, color.RGBA{mix(col.R, bg.R), mix(col.G, bg.G), mix(col.B, bg.B), 255})
			}
		}
		x += glyphW
	}
}

func textWidth(s string) int { return len([]rune(s)) * glyphW }

// palette colours the methods after the noisy input (which is gray).
var palette = []color.RGBA{
	{31, 119, 180, 255}, {255, 127, 14, 255}, {44, 160, 44, 255}, {214, 39, 40, 255},
	{148, 103, 189, 255}, {140, 86, 75, 255}, {227, 119, 194, 255}, {188, 189, 34, 255},
	{23, 190, 207, 255}, {90, 90, 160, 255},
}

var (
	white   = color.RGBA{255, 255, 255, 255}
	black   = color.RGBA{0, 0, 0, 255}
	gridCol = color.RGBA{225, 225, 225, 255}
	grey    = color.RGBA{150, 150, 150, 255}
	dimTxt  = color.RGBA{70, 70, 70, 255}
)

// WriteChart draws a grouped bar chart of the mean PSNR of each method (bars, with their
// values) for each noise (groups), with a legend, as a PNG.
func WriteChart(w io.Writer, rep *Report) error {
	var noises, methods []string
	val := map[[2]string]float64{}
	for _, r := range rep.Results {
		if len(noises) == 0 || noises[len(noises)-1] != r.Noise {
			noises = append(noises, r.Noise)
		}
		found := false
		for _, m := range methods {
			found = found || m == r.Method
		}
		if !found {
			methods = append(methods, r.Method)
		}
		val[[2]string{r.Noise, r.Method}] = float64(r.PSNR)
	}
	if len(noises) == 0 {
		return fmt.Errorf("chart: no results")
	}
	colours := make([]color.RGBA, len(methods))
	k := 0
	for i, m := range methods {
		if m == NoisyMethod {
			colours[i] = grey
			continue
		}
		colours[i] = palette[k%len(palette)]
		k++
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range val {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			lo, hi = min(lo, v), max(hi, v)
		}
	}
	if math.IsInf(lo, 1) {
		lo, hi = 0, 50
	}
	step := 5.0
	if hi-lo > 40 {
		step = 10
	}
	lo = max(0, math.Floor((lo-2)/step)*step)
	hi = math.Ceil((hi+1)/step) * step

	const (
		barW, gap         = 32, 28
		left, top         = 56, 44
		bottom, plotH     = 44, 300
		legendPad, swatch = 24, 12
	)
	groupW := len(methods)*barW + gap
	plotW := len(noises) * groupW
	for _, n := range noises {
		plotW = max(plotW, len(noises)*(textWidth(n)+gap))
	}
	groupW = plotW / len(noises)
	legendW := 0
	for _, m := range methods {
		legendW = max(legendW, swatch+6+textWidth(m))
	}
	W := left + plotW + legendPad + legendW + 24
	title := fmt.Sprintf("Mean PSNR (dB) over %d images of %s", len(rep.Images), filepath.Base(rep.Setup.Clean))
	W = max(W, left+textWidth(title)+16)
	H := top + plotH + bottom
	c := canvas{goimage.NewRGBA(goimage.Rect(0, 0, W, H))}
	c.fill(0, 0, W, H, white)
	c.text(left, 12, title, black)

	y := func(v float64) int { return top + plotH - int(math.Round((v-lo)/(hi-lo)*plotH)) }
	for t := lo; t <= hi+1e-9; t += step {
		yy := y(t)
		c.fill(left, yy, left+plotW, yy+1, gridCol)
		lab := fmt.Sprintf("%g", t)
		c.text(left-6-textWidth(lab), yy-glyphH/2, lab, dimTxt)
	}
	c.fill(left, top, left+1, top+plotH+1, black)
	c.fill(left, top+plotH, left+plotW, top+plotH+1, black)

	for gi, n := range noises {
		x0 := left + gi*groupW + (groupW-len(methods)*barW)/2
		for mi, m := range methods {
			v, ok := val[[2]string{n, m}]
			if !ok || math.IsNaN(v) {
				continue
			}
			col := colours[mi]
			lab := fmt.Sprintf("%.1f", v)
			if math.IsInf(v, 1) {
				v, lab = hi, "inf"
			}
			yy := min(y(max(v, lo)), top+plotH-1)
			bx := x0 + mi*barW
			c.fill(bx+2, yy, bx+barW-2, top+plotH, col)
			c.text(bx+(barW-textWidth(lab))/2, yy-glyphH-1, lab, dimTxt)
		}
		c.text(left+gi*groupW+(groupW-textWidth(n))/2, top+plotH+8, n, black)
	}

	lx := left + plotW + legendPad
	for mi, m := range methods {
		col := colours[mi]
		ly := top + mi*(glyphH+8)
		c.fill(lx, ly, lx+swatch, ly+swatch, col)
		c.text(lx+swatch+6, ly, m, black)
	}
	return png.Encode(w, c.RGBA)
}
