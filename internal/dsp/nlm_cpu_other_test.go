//go:build !linux

package dsp

import "time"

var benchStart = time.Now()

// benchCPU falls back to wall time where the thread's CPU time is not at hand.
func benchCPU() time.Duration { return time.Since(benchStart) }
