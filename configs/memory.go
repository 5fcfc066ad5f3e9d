package configs

import "github.com/denoise-go/denoise/internal/memlimit"

// MemoryLimitBytes is the memory budget in bytes (memory_limit read; Validate has checked it).
func (c *Config) MemoryLimitBytes() int64 {
	n, err := memlimit.Parse(c.MemoryLimit)
	if err != nil {
		return memlimit.Default()
	}
	return n
}
