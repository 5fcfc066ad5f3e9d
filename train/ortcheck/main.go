// Command ortcheck runs an ONNX model once through ONNX Runtime, by the same code as the cnn
// filter (filter/cnn), on a raw float32 tensor: train/train.py export uses it to check that
// ONNX Runtime gives what PyTorch gives.
//
//	go run ./train/ortcheck -model m.onnx -in x.f32 -h 37 -w 53 -out y.f32
package main

import (
	"encoding/binary"
	"flag"
	"fmt"
	"math"
	"os"

	"github.com/denoise-go/denoise/filter/cnn"
)

func main() {
	model := flag.String("model", "", "ONNX file")
	in := flag.String("in", "", "input: 1×C×H×W float32, little endian")
	out := flag.String("out", "", "output file: 1×C'×H×W float32, little endian")
	h := flag.Int("h", 0, "height")
	w := flag.Int("w", 0, "width")
	lib := flag.String("library", "", "ONNX Runtime library (default: as the cnn filter finds it)")
	flag.Parse()
	if err := run(*model, *in, *out, *lib, *h, *w); err != nil {
		fmt.Fprintln(os.Stderr, "ortcheck:", err)
		os.Exit(1)
	}
}

func run(model, in, out, lib string, h, w int) error {
	m, err := cnn.Load(cnn.Options{Model: model, Library: lib})
	if err != nil {
		return err
	}
	s, err := m.NewSession()
	if err != nil {
		return err
	}
	defer s.Close()
	b, err := os.ReadFile(in)
	if err != nil {
		return err
	}
	x := make([]float32, len(b)/4)
	for i := range x {
		x[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	y, err := s.RunRaw(x, h, w)
	if err != nil {
		return err
	}
	ob := make([]byte, 4*len(y))
	for i, v := range y {
		binary.LittleEndian.PutUint32(ob[4*i:], math.Float32bits(v))
	}
	return os.WriteFile(out, ob, 0o644)
}
