package impulse

import (
	"syscall"
	"time"
)

// processCPU is the CPU time this process has used (every thread), for benchmarks that report
// CPU-ms per frame on a machine whose wall time other work shares.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
