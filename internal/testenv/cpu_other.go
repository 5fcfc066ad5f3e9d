//go:build !unix

package testenv

import "time"

var processStart = time.Now()

// ProcessCPU falls back to the wall time since start where the process's CPU time is not at
// hand.
func ProcessCPU() time.Duration { return time.Since(processStart) }
