package temporal

import (
	"github.com/denoise-go/denoise/internal/testenv"
	"runtime"
	"syscall"
	"testing"
	"time"
)

// threadCPU returns the CPU time the calling thread has used. On a shared machine the wall
// time of a benchmark says as much about the neighbours as about the code; the thread's own
// CPU time does not.
func threadCPU() time.Duration {
	var ru syscall.Rusage
	const rusageThread = 1 // RUSAGE_THREAD
	if err := syscall.Getrusage(rusageThread, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// cpuLoop runs fn b.N times on one locked thread and reports its CPU time per op and the
// frames per second that makes on one core.
func cpuLoop(b *testing.B, fn func()) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	b.ReportAllocs()
	b.ResetTimer()
	t0 := threadCPU()
	for b.Loop() {
		fn()
	}
	cpu := threadCPU() - t0
	per := cpu.Seconds() / float64(b.N)
	b.ReportMetric(per*1e3, "cpu-ms/op")
	b.ReportMetric(1/per, "fps/core")
}

// procLoop runs fn b.N times and reports the CPU time of the whole process per op (helpers
// included, processCPU) beside the wall time.
func procLoop(b *testing.B, fn func()) {
	b.ReportAllocs()
	b.ResetTimer()
	t0 := testenv.ProcessCPU()
	for b.Loop() {
		fn()
	}
	cpu := testenv.ProcessCPU() - t0
	b.ReportMetric(cpu.Seconds()*1e3/float64(b.N), "cpu-ms/op")
}
