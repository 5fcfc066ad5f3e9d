//go:build !linux

package nlm

import "time"

var benchStart = time.Now()

// processCPU falls back to the wall time.
func processCPU() time.Duration { return time.Since(benchStart) }
