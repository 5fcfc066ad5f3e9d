package web

import (
	"errors"
	"math"
	"strconv"
	"time"
)

// Limits bound what one client can make the server do. Each breach is answered with a 4xx
// JSON error that names the limit and the flag that sets it.
type Limits struct {
	// MaxUploadBytes is the largest file accepted (413 above it).
	MaxUploadBytes int64
	// MaxPixels is the largest width×height of one frame (413 above it).
	MaxPixels int64
	// MaxJobs is how many jobs may run at once, uploads included (429 above it).
	MaxJobs int
	// RequestTimeout bounds the time to receive one request, the upload included (408).
	RequestTimeout time.Duration
	// JobTimeout bounds the processing of one job; the job is stopped and reported as
	// "timeout", and its result answers 422.
	JobTimeout time.Duration
	// ResultTTL is how long a finished job and its files are kept.
	ResultTTL time.Duration
}

// DefaultLimits are the limits `denoise serve` starts with.
func DefaultLimits() Limits {
	return Limits{
		MaxUploadBytes: 64 << 20,
		MaxPixels:      24_000_000,
		MaxJobs:        2,
		RequestTimeout: 2 * time.Minute,
		JobTimeout:     10 * time.Minute,
		ResultTTL:      30 * time.Minute,
	}
}

// Validate reports a limit that cannot work.
func (l Limits) Validate() error {
	switch {
	case l.MaxUploadBytes <= 0:
		return errors.New("max upload size must be > 0")
	case l.MaxPixels <= 0:
		return errors.New("max pixels must be > 0")
	case l.MaxJobs <= 0:
		return errors.New("max jobs must be > 0")
	case l.RequestTimeout <= 0:
		return errors.New("request timeout must be > 0")
	case l.JobTimeout <= 0:
		return errors.New("job timeout must be > 0")
	case l.ResultTTL <= 0:
		return errors.New("result TTL must be > 0")
	}
	return nil
}

// FormatBytes writes n as people read sizes: 64 MiB, 1.5 GiB, 1.95 KiB, 900 B.
func FormatBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return strconv.FormatInt(n, 10) + " B"
	}
	v, i := float64(n), -1
	for v >= unit && i < 3 {
		v /= unit
		i++
	}
	s := strconv.FormatFloat(math.Round(v*100)/100, 'f', -1, 64)
	return s + " " + []string{"KiB", "MiB", "GiB", "TiB"}[i]
}
