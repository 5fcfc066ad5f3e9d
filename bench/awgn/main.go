// Command awgn adds white Gaussian noise to an 8-bit Y4M stream: it reads Y4M on stdin and
// writes the same stream with N(0, σ²) added to every sample of every plane, rounded and
// clipped to 0–255. The noise comes from a PCG generator with a fixed seed, so the same
// input and seed give the same output byte for byte. bench/realtime.sh uses it to make
// its noisy clips (FFmpeg's noise filter draws from a uniform-like distribution, not a
// Gaussian one).
//
//	ffmpeg -i clean.y4m -f yuv4mpegpipe - | go run ./bench/awgn -sigma 20 -seed 1 >noisy.y4m
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
)

func main() {
	sigma := flag.Float64("sigma", 20, "standard deviation of the noise on the 0–255 scale")
	seed := flag.Uint64("seed", 1, "seed of the noise generator")
	flag.Parse()
	if err := run(os.Stdin, os.Stdout, *sigma, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "awgn:", err)
		os.Exit(1)
	}
}

func run(in io.Reader, out io.Writer, sigma float64, seed uint64) error {
	r := bufio.NewReaderSize(in, 1<<20)
	w := bufio.NewWriterSize(out, 1<<20)
	header, err := r.ReadString('\n')
	if err != nil {
		return fmt.Errorf("reading the Y4M header: %w", err)
	}
	size, err := frameSize(header)
	if err != nil {
		return err
	}
	if _, err := w.WriteString(header); err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	buf := make([]byte, size)
	for {
		line, err := r.ReadString('\n')
		if errors.Is(err, io.EOF) && line == "" {
			break
		}
		if err != nil {
			return err
		}
		if !strings.HasPrefix(line, "FRAME") {
			return fmt.Errorf("expected FRAME, got %q", line)
		}
		if _, err := io.ReadFull(r, buf); err != nil {
			return fmt.Errorf("short frame: %w", err)
		}
		for i, v := range buf {
			x := math.Round(float64(v) + sigma*rng.NormFloat64())
			buf[i] = byte(min(max(x, 0), 255))
		}
		if _, err := w.WriteString(line); err != nil {
			return err
		}
		if _, err := w.Write(buf); err != nil {
			return err
		}
	}
	return w.Flush()
}

// frameSize is the number of bytes of one frame of an 8-bit Y4M stream with this header.
func frameSize(header string) (int, error) {
	if !strings.HasPrefix(header, "YUV4MPEG2 ") {
		return 0, errors.New("not a Y4M stream")
	}
	w, h, cs := 0, 0, "420jpeg"
	for _, f := range strings.Fields(header)[1:] {
		switch f[0] {
		case 'W':
			w, _ = strconv.Atoi(f[1:])
		case 'H':
			h, _ = strconv.Atoi(f[1:])
		case 'C':
			cs = f[1:]
		}
	}
	if w <= 0 || h <= 0 {
		return 0, fmt.Errorf("no frame size in the Y4M header %q", strings.TrimSpace(header))
	}
	cw, ch := (w+1)/2, (h+1)/2
	switch {
	case strings.HasPrefix(cs, "420"):
	case strings.HasPrefix(cs, "422"):
		ch = h
	case strings.HasPrefix(cs, "444"):
		cw, ch = w, h
	case cs == "mono":
		cw, ch = 0, 0
	default:
		return 0, fmt.Errorf("Y4M colour space %q is not 8-bit 4:2:0, 4:2:2, 4:4:4 or mono", cs)
	}
	return w*h + 2*cw*ch, nil
}
