package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"
)

// jobState is where a job is; every state but running is final.
type jobState string

const (
	stateRunning   jobState = "running"
	stateDone      jobState = "done"
	stateFailed    jobState = "failed"
	stateCancelled jobState = "cancelled"
	stateTimeout   jobState = "timeout"
)

// Causes a job's context is cancelled with.
var (
	errCancelled = errors.New("cancelled by the client")
	errShutdown  = errors.New("the server is shutting down")
	errTimedOut  = errors.New("job timeout")
)

// job is one upload and its processing. Its files live in dir, inside the server's private
// temporary folder, until the job is removed.
type job struct {
	id      string
	dir     string
	created time.Time
	ctx     context.Context // cancelled by DELETE (errCancelled) or at shutdown (errShutdown)
	cancel  context.CancelCauseFunc
	done    chan struct{} // closed when the worker has returned and no longer uses dir

	framesDone atomic.Int64

	mu     sync.Mutex
	status jobStatus // under mu
}

// jobStatus is GET /api/jobs/{id}.
type jobStatus struct {
	ID    string   `json:"id"`
	State jobState `json:"state"`
	Error string   `json:"error,omitempty"`

	File string `json:"file"`
	Kind string `json:"kind"` // image, video or stack
	// Format is a stack's file format (TIFF, DICOM, NIfTI), Channels its channel count.
	Format    string    `json:"format,omitempty"`
	Channels  int       `json:"channels,omitempty"`
	Width     int       `json:"width"`
	Height    int       `json:"height"`
	PixFmt    string    `json:"pix_fmt"`
	BitDepth  int       `json:"bit_depth"`
	Params    jobParams `json:"params"`
	Reference bool      `json:"reference"` // synthetic noise was added: PSNR/SSIM are known

	FramesDone  int64   `json:"frames_done"`
	FramesTotal int64   `json:"frames_total"` // 0 when the source does not say
	Progress    float64 `json:"progress"`     // 0..1

	// SigmaEstimated is the noise level of the (noisy) input on the 0–255 scale, as
	// filter/noise estimates it on the first frame; null when it could not be estimated.
	SigmaEstimated metric `json:"sigma_estimated"`
	// SigmaChannels is the same estimate for every colour plane of that frame, each with
	// its channel's name (y, u, v; r, g, b; gray); null until the job is done or when
	// there is no frame.
	SigmaChannels []channelSigma `json:"sigma_channels"`
	PSNRNoisy     metric         `json:"psnr_noisy"` // noisy input vs the clean upload, dB
	SSIMNoisy     metric         `json:"ssim_noisy"`
	PSNR          metric         `json:"psnr"` // result vs the clean upload, dB
	SSIM          metric         `json:"ssim"`

	ProcessingMS int64 `json:"processing_ms"` // pipeline run time
	ElapsedMS    int64 `json:"elapsed_ms"`    // since the upload was accepted

	Created  time.Time  `json:"created"`
	Finished *time.Time `json:"finished,omitempty"`
	Expires  *time.Time `json:"expires,omitempty"`

	ResultURL        string `json:"result_url,omitempty"`
	ResultName       string `json:"result_name,omitempty"`
	PreviewNoisyURL  string `json:"preview_noisy_url,omitempty"`
	PreviewResultURL string `json:"preview_result_url,omitempty"`

	resultPath, resultType string
}

func newJobID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// snapshot returns the job's status as of now.
func (j *job) snapshot(ttl time.Duration) jobStatus {
	j.mu.Lock()
	st := j.status
	j.mu.Unlock()
	st.FramesDone = j.framesDone.Load()
	if st.FramesTotal > 0 {
		st.Progress = min(float64(st.FramesDone)/float64(st.FramesTotal), 1)
	}
	if st.State == stateDone {
		st.Progress = 1
	}
	end := time.Now()
	if st.Finished != nil {
		end = *st.Finished
		exp := end.Add(ttl)
		st.Expires = &exp
	}
	st.ElapsedMS = end.Sub(st.Created).Milliseconds()
	return st
}

// finish moves a running job to a final state; later calls change nothing, so that a
// cancellation or timeout reported at once is not overwritten by the worker's own end.
func (j *job) finish(state jobState, msg string, update func(*jobStatus)) bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.status.State != stateRunning {
		return false
	}
	if update != nil {
		update(&j.status)
	}
	now := time.Now()
	j.status.State, j.status.Error, j.status.Finished = state, msg, &now
	return true
}

// store holds the jobs by id and removes finished ones after the TTL.
type store struct {
	mu   sync.Mutex
	jobs map[string]*job
}

func (s *store) add(j *job) {
	s.mu.Lock()
	s.jobs[j.id] = j
	s.mu.Unlock()
}

func (s *store) get(id string) *job {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.jobs[id]
}

func (s *store) all() []*job {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*job, 0, len(s.jobs))
	for _, j := range s.jobs {
		out = append(out, j)
	}
	return out
}

// remove forgets the job and deletes its files once its worker has returned.
func (s *store) remove(j *job) {
	s.mu.Lock()
	delete(s.jobs, j.id)
	s.mu.Unlock()
	go func() {
		<-j.done
		_ = os.RemoveAll(j.dir)
	}()
}

// expire removes the jobs that finished more than ttl ago.
func (s *store) expire(ttl time.Duration, now time.Time) {
	for _, j := range s.all() {
		j.mu.Lock()
		old := j.status.Finished != nil && now.Sub(*j.status.Finished) >= ttl
		j.mu.Unlock()
		if old {
			s.remove(j)
		}
	}
}

// jobDir creates a job's folder, readable by this user only.
func jobDir(root, id string) (string, error) {
	dir := filepath.Join(root, id)
	return dir, os.Mkdir(dir, 0o700)
}
