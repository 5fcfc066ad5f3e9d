package denoise_test

import (
	"errors"
	"image"
	"image/color"
	"reflect"
	"sync"
	"testing"

	"github.com/denoise-go/denoise"
	"github.com/denoise-go/denoise/frame"
)

// pattern fills img (through Set) with distinct values in every channel, alpha included.
func pattern(img interface {
	image.Image
	Set(x, y int, c color.Color)
}, translucent bool) {
	r := img.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			a := uint16(0xffff)
			if translucent {
				a = uint16(0x8000 + 0x3fff*((x+y)%3))
			}
			img.Set(x, y, color.NRGBA64{uint16(x * 2311 * 7), uint16(y * 3001 * 5), uint16((x + y) * 977 * 11), a})
		}
	}
}

// Mode copy changes no sample, so DenoiseImage must give back every pixel as it was, in an
// image of the same type and bounds, for every type it takes.
func TestDenoiseImageCopyKeepsEveryType(t *testing.T) {
	r := image.Rect(2, 4, 37, 29) // odd size, origin off 0 but on the 4:2:0 grid
	ycc := func(ratio image.YCbCrSubsampleRatio) *image.YCbCr {
		m := image.NewYCbCr(r, ratio)
		for i := range m.Y {
			m.Y[i] = byte(i * 7)
		}
		for i := range m.Cb {
			m.Cb[i], m.Cr[i] = byte(i*13), byte(255-i*5)
		}
		return m
	}
	cases := map[string]image.Image{
		"ycbcr420": ycc(image.YCbCrSubsampleRatio420),
		"ycbcr444": ycc(image.YCbCrSubsampleRatio444),
		"ycbcr422": ycc(image.YCbCrSubsampleRatio422),
	}
	for name, m := range map[string]interface {
		image.Image
		Set(x, y int, c color.Color)
	}{
		"gray": image.NewGray(r), "gray16": image.NewGray16(r), "rgba": image.NewRGBA(r), "nrgba": image.NewNRGBA(r),
		"rgba64": image.NewRGBA64(r), "nrgba64": image.NewNRGBA64(r),
	} {
		pattern(m, name == "nrgba" || name == "nrgba64")
		cases[name] = m
	}
	// A sub-image: its own bounds, the parent's stride.
	cases["rgba-sub"] = cases["rgba"].(*image.RGBA).SubImage(image.Rect(5, 6, 20, 21))
	for name, in := range cases {
		out, err := denoise.DenoiseImage(in, denoise.Settings{Mode: "copy"})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if reflect.TypeOf(out) != reflect.TypeOf(in) || out.Bounds() != in.Bounds() {
			t.Fatalf("%s: got %T %v for %T %v", name, out, out.Bounds(), in, in.Bounds())
		}
		b := in.Bounds()
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				if g, w := out.At(x, y), in.At(x, y); g != w {
					t.Fatalf("%s: pixel %d,%d is %v, was %v", name, x, y, g, w)
				}
			}
		}
	}
}

// A translucent premultiplied image is denoised unpremultiplied and premultiplied again:
// with mode copy each channel comes back within the rounding of that round trip, and the
// alpha exactly.
func TestDenoiseImageTranslucentRGBA(t *testing.T) {
	in := image.NewRGBA(image.Rect(0, 0, 20, 10))
	pattern(in, true)
	out, err := denoise.DenoiseImage(in, denoise.Settings{Mode: "copy"})
	if err != nil {
		t.Fatal(err)
	}
	o := out.(*image.RGBA)
	for i := range in.Pix {
		d := int(o.Pix[i]) - int(in.Pix[i])
		if (i%4 == 3 && d != 0) || d < -1 || d > 1 {
			t.Fatalf("byte %d: %d, was %d", i, o.Pix[i], in.Pix[i])
		}
	}
}

func TestDenoiseImageImprovesColour(t *testing.T) {
	clean, noisy := noisyRGBA(80, 64, 20, 5)
	out, err := denoise.DenoiseImage(noisy, denoise.Settings{})
	if err != nil {
		t.Fatal(err)
	}
	if before, after := psnr(clean, noisy), psnr(clean, out); after < before+6 {
		t.Fatalf("PSNR %.2f dB → %.2f dB", before, after)
	}
	// The same picture as 4:2:0 YCbCr.
	ycc := image.NewYCbCr(noisy.Bounds(), image.YCbCrSubsampleRatio420)
	cleanY := image.NewYCbCr(noisy.Bounds(), image.YCbCrSubsampleRatio420)
	for y := range 64 {
		for x := range 80 {
			c := noisy.RGBAAt(x, y)
			ycc.Y[ycc.YOffset(x, y)], _, _ = color.RGBToYCbCr(c.R, c.G, c.B)
			c = clean.RGBAAt(x, y)
			cleanY.Y[cleanY.YOffset(x, y)], _, _ = color.RGBToYCbCr(c.R, c.G, c.B)
		}
	}
	out, err = denoise.DenoiseImage(ycc, denoise.Settings{Mode: "nlm", Sigma: 14})
	if err != nil {
		t.Fatal(err)
	}
	if before, after := psnr(cleanY, ycc), psnr(cleanY, out); after < before+5 {
		t.Fatalf("YCbCr: PSNR %.2f dB → %.2f dB", before, after)
	}
}

func TestUnsupported(t *testing.T) {
	if _, err := denoise.DenoiseImage(image.NewPaletted(image.Rect(0, 0, 4, 4), nil), denoise.Settings{}); err == nil {
		t.Error("a paletted image was taken")
	}
	if _, err := denoise.DenoiseImage(image.NewGray(image.Rect(0, 0, 4, 4)), denoise.Settings{Mode: "nope"}); err == nil {
		t.Error("an unknown mode was taken")
	}
	if _, err := denoise.NewStream(denoise.Settings{Radius: 9}); err == nil {
		t.Error("radius 9 was taken")
	}
	if _, err := denoise.ToImage(frame.New(frame.Format{Layout: frame.YUV, BitDepth: 10}, 4, 4)); err == nil {
		t.Error("a 10-bit YUV frame became an image")
	}
}

// A temporal stream gives every frame once, in order, never before the frames it looks
// ahead to are pushed, with the metadata it was pushed with.
func TestStreamOrderAndLookahead(t *testing.T) {
	for _, s := range []denoise.Settings{{Mode: "impulse+stnlm", Radius: 3}, {Radius: 1, Causal: true}, {Mode: "nlm", Threads: 2}} {
		st, err := denoise.NewStream(s)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]int{"impulse+stnlm": 3, "": 0, "nlm": 0}[s.Mode]
		if st.Lookahead() != want {
			t.Fatalf("%+v: lookahead %d, want %d", s, st.Lookahead(), want)
		}
		n := &noise{3}
		var got []int64
		const frames = 12
		for i := range frames {
			_, f := grayFrame(48, 32, i, 15, n)
			f.Index, f.PTS, f.Key = int64(i), int64(100*i), "k"
			out, err := st.Push(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, o := range out {
				if o.PTS != 100*o.Index || o.Key != "k" {
					t.Fatalf("%+v: frame %d has PTS %d key %q", s, o.Index, o.PTS, o.Key)
				}
				got = append(got, o.Index)
				o.Release()
			}
			if len(got) > max(0, i+1-st.Lookahead()) {
				t.Fatalf("%+v: %d frames out after %d pushes with lookahead %d", s, len(got), i+1, st.Lookahead())
			}
		}
		out, err := st.Flush()
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range out {
			got = append(got, o.Index)
		}
		for i, idx := range got {
			if idx != int64(i) {
				t.Fatalf("%+v: frames out %v", s, got)
			}
		}
		if len(got) != frames {
			t.Fatalf("%+v: %d frames out of %d", s, len(got), frames)
		}
		if _, err := st.Push(out[0]); !errors.Is(err, denoise.ErrFlushed) {
			t.Fatalf("Push after Flush: %v", err)
		}
		if err := st.Close(); err != nil {
			t.Fatal(err)
		}
		if _, err := st.Flush(); !errors.Is(err, denoise.ErrClosed) {
			t.Fatalf("Flush after Close: %v", err)
		}
	}
}

func TestStreamRefusesAnotherGeometry(t *testing.T) {
	st, err := denoise.NewStream(denoise.Settings{Mode: "nlm"})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	n := &noise{1}
	_, a := grayFrame(16, 16, 0, 10, n)
	_, b := grayFrame(16, 8, 0, 10, n)
	if _, err := st.Push(a); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Push(b); err == nil {
		t.Fatal("a frame of another size was taken")
	}
	if _, err := st.Push(&frame.Frame{Format: frame.Format{Layout: frame.Gray, BitDepth: 8}, W: 16, H: 16}); err == nil {
		t.Fatal("a frame without planes was taken")
	}
	out, err := st.Flush()
	if err != nil || len(out) > 1 {
		t.Fatalf("Flush: %d frames, %v", len(out), err)
	}
}

// Close from another goroutine stops a stream that is being pushed to, without a deadlock:
// the pushing goroutine gets ErrClosed or a clean return.
func TestStreamCloseWhilePushing(t *testing.T) {
	st, err := denoise.NewStream(denoise.Settings{Mode: "impulse+stnlm"})
	if err != nil {
		t.Fatal(err)
	}
	n := &noise{9}
	_, f := grayFrame(64, 48, 0, 15, n)
	var wg sync.WaitGroup
	pushed := make(chan struct{})
	wg.Go(func() {
		for i := 0; ; i++ {
			out, err := st.Push(f)
			for _, o := range out {
				o.Release()
			}
			if i == 3 {
				close(pushed)
			}
			if err != nil {
				if !errors.Is(err, denoise.ErrClosed) {
					t.Errorf("Push: %v", err)
				}
				return
			}
		}
	})
	<-pushed
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
}
