package nlm

import (
	"fmt"
	"testing"

	"github.com/denoise-go/denoise/frame"
	"github.com/denoise-go/denoise/internal/testenv"
)

// benchPlanes runs the plane denoiser over a 1280×720 4:2:0 frame (Y 1280×720, U and V
// 640×360) and reports pixel·offsets per second over all three planes, counting the full
// (2R+1)² window per pixel as FFmpeg's nlmeans figure does.
func benchPlanes(b *testing.B, r, threads int) {
	sizes := [][2]int{{1280, 720}, {640, 360}, {640, 360}}
	var src, dst []*frame.Plane
	var pix float64
	for i, s := range sizes {
		src = append(src, randomPlane(s[0], s[1], s[0], uint64(i+1)))
		dst = append(dst, &frame.Plane{W: s[0], H: s[1], Stride: s[0], Pix: make([]float32, s[0]*s[1])})
		pix += float64(s[0] * s[1])
	}
	p := Params{PatchRadius: 3, SearchRadius: r, H: 10, Sigma: 10}
	d := PlaneDenoiser{Threads: threads}
	b.ResetTimer()
	c0 := testenv.ProcessCPU()
	for i := 0; i < b.N; i++ {
		for j := range src {
			if err := d.Denoise(dst[j], src[j], p); err != nil {
				b.Fatal(err)
			}
		}
	}
	cpu := testenv.ProcessCPU() - c0
	offsets := float64((2*r + 1) * (2*r + 1))
	b.ReportMetric(pix*offsets*float64(b.N)/b.Elapsed().Seconds()/1e6, "Mpixoff/s")
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "frames/s")
	b.ReportMetric(cpu.Seconds()*1e3/float64(b.N), "cpu-ms/frame")
}

// BenchmarkKernelPlaneSize is the CPU time per pixel and offset on one thread for a plane
// that fits in L2 and one that does not, accumulated in tiles of rows (band.tiles) and in one
// sweep of the whole band per offset: how much the kernels wait on memory.
func BenchmarkKernelPlaneSize(b *testing.B) {
	for _, s := range [][2]int{{256, 192}, {1280, 720}} {
		for _, tiled := range []bool{true, false} {
			name := fmt.Sprintf("%dx%d/tiled", s[0], s[1])
			if !tiled {
				name = fmt.Sprintf("%dx%d/whole", s[0], s[1])
			}
			b.Run(name, func(b *testing.B) {
				if !tiled {
					defer func(v int) { tileBytes = v }(tileBytes)
					tileBytes = 1 << 40
				}
				src := randomPlane(s[0], s[1], s[0], 1)
				dst := &frame.Plane{W: s[0], H: s[1], Stride: s[0], Pix: make([]float32, s[0]*s[1])}
				p := Params{PatchRadius: 3, SearchRadius: 7, H: 10, Sigma: 10}
				var d PlaneDenoiser
				c0 := testenv.ProcessCPU()
				for b.Loop() {
					if err := d.Denoise(dst, src, p); err != nil {
						b.Fatal(err)
					}
				}
				cpu := testenv.ProcessCPU() - c0
				b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N)/float64(s[0]*s[1]*15*15), "cpu-ns/pixoff")
			})
		}
	}
}

func BenchmarkKernel(b *testing.B) {
	for _, r := range []int{7, 10} {
		for _, th := range []int{1, 2} {
			b.Run(fmt.Sprintf("720p420/search%d/threads%d", 2*r+1, th), func(b *testing.B) { benchPlanes(b, r, th) })
		}
	}
}

// BenchmarkFilter runs the nlm filter with its defaults (σ estimated per plane) over a
// 1280×720 4:2:0 frame whose samples carry σ≈25 noise.
func BenchmarkFilter(b *testing.B) {
	src := frame.New(frame.Format{Layout: frame.YUV, ChromaShiftW: 1, ChromaShiftH: 1, BitDepth: 8}, 1280, 720)
	fillFrame(src, 1)
	fr := frame.New(src.Format, src.W, src.H)
	for _, th := range []int{1, 2} {
		f, err := New(Options{Threads: th})
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("720p420/threads%d", th), func(b *testing.B) {
			for b.Loop() {
				fr.CopyFrom(src)
				if _, err := f.Process(fr); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "frames/s")
		})
	}
}
