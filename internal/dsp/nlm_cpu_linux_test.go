//go:build linux

package dsp

import (
	"syscall"
	"time"
)

// benchCPU is the CPU time of the calling thread: on a shared machine it says more about a
// kernel than the wall time does (the benchmark locks its goroutine to the thread).
func benchCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(1 /* RUSAGE_THREAD */, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
