package web

import (
	"context"
	"sync"

	"github.com/denoise-go/denoise/frame"
	"github.com/denoise-go/denoise/pipeline"
	"github.com/denoise-go/denoise/quality"
)

// measures is what a job's source and sink learn, over every channel of a stack: the
// synthetic noise's clean references, the metrics, and the frames previewed. The source's
// fields are written by the source's goroutine and the sink's by the sink's; the channels of
// a stack run one after the other.
type measures struct {
	noise *quality.Noise // nil: no synthetic noise
	seed  int64
	refs  *refStore // nil without synthetic noise
	// at is the index of the frame previewed (the first channel's): the middle page or
	// slice of a stack; -1 for the first frame (a picture, a video).
	at int64

	noisy      *frame.Frame // copy of frame at as the pipeline sees it
	sigma      metric
	sigmas     []channelSigma // per colour plane of the previewed frame
	psnrNoisy  mean           // noisy input against the clean upload
	ssimNoisy  mean
	result     *frame.Frame // copy of the result of frame at
	psnr, ssim mean         // result against the clean upload
}

func newMeasures(p jobParams, at int64) *measures {
	m := &measures{noise: p.noise, seed: p.Seed, at: at, sigma: unknown}
	if m.noise != nil {
		m.refs = newRefStore()
	}
	return m
}

// jobSource wraps the decoded upload (or one channel of a stack): it adds the job's
// synthetic noise to each frame (keeping a clean copy as the reference for the sink),
// measures the noisy input and keeps a copy of the previewed frame.
type jobSource struct {
	src  pipeline.Source
	m    *measures
	seed int64 // the noise's seed: the job's, moved on per channel
}

func (s *jobSource) Next(ctx context.Context) (*frame.Frame, error) {
	f, err := s.src.Next(ctx)
	if err != nil {
		return nil, err
	}
	m := s.m
	if m.noise != nil {
		ref := m.refs.keep(f)
		m.noise.Apply(f, s.seed+f.Index)
		m.psnrNoisy.add(quality.FramePSNR(ref, f))
		m.ssimNoisy.add(quality.FrameSSIM(ref, f))
	}
	if m.noisy == nil && (m.at < 0 || f.Index == m.at) {
		m.noisy = clone(f)
		m.sigmas = estimateChannelSigmas(f)
		m.sigma = frameSigma(f, m.sigmas)
	}
	return f, nil
}

// jobSink measures each result frame against its clean reference, keeps a copy of the
// previewed one, and hands it to the encoder (or the stack's writer). Once ctx is done it
// fails the next write, which aborts the run: a cancelled job does not drain the frames
// already in the queues.
type jobSink struct {
	ctx context.Context
	enc pipeline.Sink
	m   *measures
}

func (s *jobSink) Write(f *frame.Frame) error {
	if s.ctx.Err() != nil {
		f.Release()
		return context.Cause(s.ctx)
	}
	m := s.m
	if m.refs != nil {
		if ref := m.refs.take(f.Index); ref != nil {
			if ref.Geometry() == f.Geometry() {
				m.psnr.add(quality.FramePSNR(ref, f))
				m.ssim.add(quality.FrameSSIM(ref, f))
			}
			ref.Release()
		}
	}
	if m.result == nil && (m.at < 0 || f.Index == m.at) {
		m.result = clone(f)
	}
	return s.enc.Write(f)
}

func (s *jobSink) Close() error { return s.enc.Close() }

// refStore keeps the clean frames by index between the source and the sink; a pool
// recycles them, so a video allocates only as many as are in flight.
type refStore struct {
	mu   sync.Mutex
	pool *frame.Pool
	m    map[int64]*frame.Frame
}

func newRefStore() *refStore {
	return &refStore{pool: frame.NewPool(16), m: map[int64]*frame.Frame{}}
}

func (r *refStore) keep(f *frame.Frame) *frame.Frame {
	ref := r.pool.Like(f)
	ref.CopyFrom(f)
	r.mu.Lock()
	r.m[f.Index] = ref
	r.mu.Unlock()
	return ref
}

func (r *refStore) take(i int64) *frame.Frame {
	r.mu.Lock()
	defer r.mu.Unlock()
	ref := r.m[i]
	delete(r.m, i)
	return ref
}

// release drops the references the sink never took (a run that stopped early).
func (r *refStore) release() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, f := range r.m {
		f.Release()
		delete(r.m, i)
	}
}

// clone copies f into a new frame outside any pool.
func clone(f *frame.Frame) *frame.Frame {
	c := frame.New(f.Format, f.W, f.H)
	c.CopyFrom(f)
	return c
}
