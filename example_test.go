package denoise_test

import (
	"fmt"
	"log"

	"github.com/denoise-go/denoise"
	"github.com/denoise-go/denoise/frame"
)

// Denoising one picture with the default settings (mode auto, σ estimated).
func ExampleDenoiseImage() {
	clean, noisy := noisyGray(96, 96, 20, 1) // an *image.Gray with Gaussian noise of σ 20
	out, err := denoise.DenoiseImage(noisy, denoise.Settings{})
	if err != nil {
		log.Fatal(err)
	}
	gain := psnr(clean, out) - psnr(clean, noisy)
	fmt.Printf("%T, noisy %.0f dB, improved by more than 6 dB: %v\n", out, psnr(clean, noisy), gain > 6)
	// Output: *image.Gray, noisy 22 dB, improved by more than 6 dB: true
}

// A sequence through the spatio-temporal mode: a frame comes out once the two after it
// have been pushed and the stages have finished it, so Push returns frames late (or none),
// and Flush returns the last ones.
func ExampleStream() {
	st, err := denoise.NewStream(denoise.Settings{Mode: "impulse+stnlm", Sigma: 20})
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()

	const frames = 8
	var clean [frames]*frame.Frame
	var noisyPSNR, outPSNR float64
	var got []int64
	take := func(out []*frame.Frame) {
		for _, f := range out {
			got = append(got, f.Index)
			outPSNR += framePSNR(clean[f.Index], f) / frames
			f.Release() // optional: hands the frame back to the stream for reuse
		}
	}
	n := &noise{7}
	for i := range frames {
		c, noisy := grayFrame(96, 96, i, 20, n) // the scene moves a pixel a frame
		clean[i], noisy.Index = c, int64(i)
		noisyPSNR += framePSNR(c, noisy) / frames
		out, err := st.Push(noisy) // copies noisy
		if err != nil {
			log.Fatal(err)
		}
		take(out)
	}
	out, err := st.Flush()
	if err != nil {
		log.Fatal(err)
	}
	take(out)
	fmt.Println("lookahead:", st.Lookahead())
	fmt.Println("frames out, in order:", got)
	fmt.Printf("noisy %.0f dB, improved by more than 6 dB: %v\n", noisyPSNR, outPSNR-noisyPSNR > 6)
	// Output:
	// lookahead: 2
	// frames out, in order: [0 1 2 3 4 5 6 7]
	// noisy 22 dB, improved by more than 6 dB: true
}

// Frames of a sequence held as image.Image values go through FromImage and ToImage.
func ExampleFromImage() {
	_, noisy := noisyRGBA(64, 48, 10, 3)
	f, err := denoise.FromImage(noisy)
	if err != nil {
		log.Fatal(err)
	}
	st, err := denoise.NewStream(denoise.Settings{Mode: "nlm", Sigma: 10})
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()
	out, err := st.Push(f) // most often none yet
	if err != nil {
		log.Fatal(err)
	}
	rest, err := st.Flush()
	if err != nil {
		log.Fatal(err)
	}
	out = append(out, rest...)
	img, err := denoise.ToImage(out[0])
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(f.Format, f.W, f.H, "->", img.Bounds().Size())
	// Output: rgb24 64 48 -> (64,48)
}
