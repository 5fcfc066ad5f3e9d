package web

import (
	"context"
	"sync"

	"github.com/denoise-go/denoise/frame"
	"github.com/denoise-go/denoise/pipeline"
	"github.com/denoise-go/denoise/quality"
)

// jobSource wraps the decoded upload: it adds the job's synthetic noise to each frame
// (keeping a clean copy as the reference for the sink), measures the noisy input and
// keeps a copy of the first noisy frame for the preview.
type jobSource struct {
	src   pipeline.Source
	noise *quality.Noise
	seed  int64
	refs  *refStore // nil without synthetic noise

	first      *frame.Frame // copy of the first frame as the pipeline sees it
	sigma      metric
	psnr, ssim mean // noisy input against the clean upload
}

func (s *jobSource) Next(ctx context.Context) (*frame.Frame, error) {
	f, err := s.src.Next(ctx)
	if err != nil {
		return nil, err
	}
	if s.noise != nil {
		ref := s.refs.keep(f)
		s.noise.Apply(f, s.seed+f.Index)
		s.psnr.add(quality.FramePSNR(ref, f))
		s.ssim.add(quality.FrameSSIM(ref, f))
	}
	if s.first == nil {
		s.first = clone(f)
		s.sigma = estimateSigma(f)
	}
	return f, nil
}

// jobSink measures each result frame against its clean reference, keeps a copy of the
// first, and hands it to the encoder. Once ctx is done it fails the next write, which
// aborts the run: a cancelled job does not drain the frames already in the queues.
type jobSink struct {
	ctx   context.Context
	enc   pipeline.Sink
	refs  *refStore
	first *frame.Frame

	psnr, ssim mean
}

func (s *jobSink) Write(f *frame.Frame) error {
	if s.ctx.Err() != nil {
		f.Release()
		return context.Cause(s.ctx)
	}
	if s.refs != nil {
		if ref := s.refs.take(f.Index); ref != nil {
			if ref.Geometry() == f.Geometry() {
				s.psnr.add(quality.FramePSNR(ref, f))
				s.ssim.add(quality.FrameSSIM(ref, f))
			}
			ref.Release()
		}
	}
	if s.first == nil {
		s.first = clone(f)
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
