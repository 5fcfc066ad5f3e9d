//go:build !linux

package impulse

import "time"

var processStart = time.Now()

// processCPU falls back to wall time where the process's CPU time is not at hand.
func processCPU() time.Duration { return time.Since(processStart) }
