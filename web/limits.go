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
	// MaxJobs is how many jobs may run at once (429 above it). A job takes its slot once
	// its upload has been received in full and checked.
	MaxJobs int
	// MaxUploads is how many uploads may be received at once (503 above it); 0 is twice
	// MaxJobs.
	MaxUploads int
	// MinUploadRate is the slowest average rate, in bytes per second, at which an upload
	// may arrive once its first seconds have passed (408 below it); 0: no minimum.
	MinUploadRate int64
	// HeaderTimeout bounds the time to receive a request's headers; the connection is
	// closed when it runs out.
	HeaderTimeout time.Duration
	// RequestTimeout bounds the time to receive one request, the upload included (408).
	RequestTimeout time.Duration
	// JobTimeout bounds the processing of one job; the job is stopped and reported as
	// "timeout", and its result answers 422.
	JobTimeout time.Duration
	// ResultTTL is how long a finished job and its files are kept.
	ResultTTL time.Duration

	// uploadGrace is the time an upload has before MinUploadRate applies (0: rateGrace).
	uploadGrace time.Duration
}

// rateGrace is how long an upload may take before MinUploadRate applies to it: the time
// for a connection to get going, and for a small upload to arrive whatever its rate.
const rateGrace = 5 * time.Second

// DefaultLimits are the limits `denoise serve` starts with.
func DefaultLimits() Limits {
	return Limits{
		MaxUploadBytes: 64 << 20,
		MaxPixels:      24_000_000,
		MaxJobs:        2,
		MinUploadRate:  16 << 10,
		HeaderTimeout:  10 * time.Second,
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
	case l.MaxUploads < 0:
		return errors.New("max uploads must be >= 0 (0: twice max jobs)")
	case l.MinUploadRate < 0:
		return errors.New("min upload rate must be >= 0 (0: no minimum)")
	case l.HeaderTimeout <= 0:
		return errors.New("header timeout must be > 0")
	case l.RequestTimeout <= 0:
		return errors.New("request timeout must be > 0")
	case l.JobTimeout <= 0:
		return errors.New("job timeout must be > 0")
	case l.ResultTTL <= 0:
		return errors.New("result TTL must be > 0")
	}
	return nil
}

// withDefaults fills in the limits whose zero value stands for a default.
func (l Limits) withDefaults() Limits {
	if l.MaxUploads == 0 {
		l.MaxUploads = 2 * l.MaxJobs
	}
	if l.uploadGrace <= 0 {
		l.uploadGrace = rateGrace
	}
	return l
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
