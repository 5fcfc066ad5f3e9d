package cnn

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	ort "github.com/yalue/onnxruntime_go"

	"github.com/denoise-go/denoise/frame"
)

// ortVariant is one ONNX Runtime setting (or tile size) that BenchmarkLumaORT measures
// beside the default.
type ortVariant struct {
	name string
	tile int // Options.Tile (0: the default)
	set  func(*ortConfig)
}

var ortVariants = []ortVariant{
	{name: "default"},
	{name: "level=extended", set: func(c *ortConfig) { c.level = ort.GraphOptimizationLevelEnableExtended }},
	{name: "level=basic", set: func(c *ortConfig) { c.level = ort.GraphOptimizationLevelEnableBasic }},
	{name: "spin", set: func(c *ortConfig) { c.spin = true }},
	{name: "parallel", set: func(c *ortConfig) { c.parallel, c.interOp = true, 2 }},
	{name: "noarena", set: func(c *ortConfig) { c.arena, c.memPattern = false, false }},
	{name: "denormzero", set: func(c *ortConfig) { c.denormZero = true }},
	{name: "dynblock=4", set: func(c *ortConfig) { c.dynBlock = 4 }},
	{name: "tilethreads", set: func(c *ortConfig) { c.tileThreads = true }},
	{name: "tile=128", tile: 128},
	{name: "tile=256", tile: 256},
	{name: "tile=320", tile: 320},
	{name: "tile=384", tile: 384},
	{name: "tile=640", tile: 640},
}

// cpuTime is the process's user+system CPU time (every ORT thread included).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkLumaORT measures the light models, float and int8 (or the models in $DENOISE_CNN_ORT_MODELS,
// comma-separated) on a 640×480 luma plane under each ortVariant, with 1 and
// $DENOISE_CNN_THREADS ORT threads: wall ms/frame, process CPU-ms/frame and the fastest
// frame's wall time. Run it with
// -count N: the variants then alternate, which keeps a loaded machine's drift out of the
// comparison. $DENOISE_CNN_ORT_VARIANTS (comma-separated names) picks variants.
//
//	go test -run - -bench LumaORT -benchtime 5x -count 3 ./filter/cnn/
func BenchmarkLumaORT(b *testing.B) {
	needLibrary(b)
	names := []string{"light", "light-int8"}
	if e := os.Getenv("DENOISE_CNN_ORT_MODELS"); e != "" {
		names = strings.Split(e, ",")
	}
	want := map[string]bool{}
	if e := os.Getenv("DENOISE_CNN_ORT_VARIANTS"); e != "" {
		for _, v := range strings.Split(e, ",") {
			want[v] = true
		}
	}
	threads := []int{1}
	if e := os.Getenv("DENOISE_CNN_THREADS"); e != "" && e != "1" {
		n, err := strconv.Atoi(e)
		if err != nil || n < 1 {
			b.Fatalf("DENOISE_CNN_THREADS=%q", e)
		}
		threads = append(threads, n)
	}
	for _, name := range names {
		for _, th := range threads {
			for _, v := range ortVariants {
				if len(want) > 0 && !want[v.name] {
					continue
				}
				b.Run(strings.TrimSuffix(filepath.Base(name), ".onnx")+"/threads="+strconv.Itoa(th)+"/"+v.name, func(b *testing.B) {
					m := load(b, Options{Model: name, Threads: th, Tile: v.tile})
					if v.set != nil {
						v.set(&m.ort)
					}
					f := newFilter(b, m)
					fr := frame.New(frame.Format{Layout: frame.YUV, ChromaShiftW: 1, ChromaShiftH: 1, BitDepth: 8}, 640, 480)
					testImage(&fr.Planes[0], 1, 25.0/255)
					planes := []*frame.Plane{&fr.Planes[0]}
					denoise := func() {
						if err := f.s.Denoise(planes, nil, 0); err != nil {
							b.Fatal(err)
						}
					}
					denoise() // warm up: tensors, ORT's arena
					start, cpu0 := time.Now(), cpuTime()
					best := time.Duration(1<<63 - 1)
					for b.Loop() {
						t := time.Now()
						denoise()
						best = min(best, time.Since(t))
					}
					b.ReportMetric(float64(time.Since(start).Microseconds())/1000/float64(b.N), "ms/frame")
					b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/frame")
					// the fastest frame: what the machine gives when the other loads leave it alone
					b.ReportMetric(float64(best.Microseconds())/1000, "min-ms/frame")
				})
			}
		}
	}
}
