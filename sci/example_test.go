package sci_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/denoise-go/denoise/pipeline"
	"github.com/denoise-go/denoise/sci"
)

// Each channel of a stack runs through its own pipeline into the matching channel of a writer
// of the same format; with no stages the pixels come back bit-identical.
func Example() {
	in, err := sci.Open("../testdata/sci/tiff/ij_hyper.tif")
	if err != nil {
		panic(err)
	}
	defer in.Close()
	fmt.Println(in.Channels(), "channels ×", in.Len(), "images,", in.Slices, "slices ×", in.Frames, "frames,", in.BitDepth(), "bits")

	dir, _ := os.MkdirTemp("", "sci")
	defer os.RemoveAll(dir)
	out, err := sci.Create(filepath.Join(dir, "out.tif"), in)
	if err != nil {
		panic(err)
	}
	for c := 0; c < in.Channels(); c++ {
		cfg := pipeline.Config{Source: in.Channel(c), Sink: out.Channel(c)} // add denoising Stages here
		if _, err := pipeline.Run(context.Background(), cfg); err != nil {
			panic(err)
		}
	}
	if err := out.Close(); err != nil {
		panic(err)
	}
	back, _ := sci.Open(filepath.Join(dir, "out.tif"))
	defer back.Close()
	fmt.Println(back.Get("imagej.channels"), back.Get("imagej.slices"), back.Get("imagej.frames"), back.Get("imagej.unit"))
	// Output:
	// 2 channels × 6 images, 3 slices × 2 frames, 16 bits
	// 2 3 2 um
}
