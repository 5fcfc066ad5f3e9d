package pipeline

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/denoise-go/denoise/frame"
)

// Test doubles for the FFmpeg ends and for real filters.

var testGeom = frame.Geometry{Format: frame.Format{Layout: frame.Gray, BitDepth: 8}, W: 4, H: 2}

// newTestPool keeps every released frame, so that assertNoLeak can count them.
func newTestPool() *frame.Pool { return frame.NewPool(1 << 12) }

// assertNoLeak checks that every frame the pool ever allocated is back in it: if so, taking
// Allocated() frames out again allocates nothing new.
func assertNoLeak(t *testing.T, p *frame.Pool) {
	t.Helper()
	n := p.Allocated()
	got := make([]*frame.Frame, 0, n)
	for range n {
		got = append(got, p.Get(testGeom))
	}
	if extra := p.Allocated() - n; extra != 0 {
		t.Errorf("%d of %d frames were never released", extra, n)
	}
	for _, f := range got {
		f.Release()
	}
}

// genSource yields frames with Index 0, 1, … from a pool; n < 0 means without end.
type genSource struct {
	pool     *frame.Pool
	n        int
	failAt   int           // index at which Next fails (< 0: never)
	blockAt  int           // index at which Next waits for ctx (< 0: never)
	blocked  chan struct{} // closed when Next starts waiting
	produced atomic.Int64
}

var errBoom = errors.New("boom")

func newGen(p *frame.Pool, n int) *genSource {
	return &genSource{pool: p, n: n, failAt: -1, blockAt: -1, blocked: make(chan struct{})}
}

func (s *genSource) Next(ctx context.Context) (*frame.Frame, error) {
	i := int(s.produced.Load())
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if i == s.failAt {
		return nil, errBoom
	}
	if i == s.blockAt {
		close(s.blocked)
		<-ctx.Done()
		return nil, ctx.Err()
	}
	if s.n >= 0 && i >= s.n {
		return nil, io.EOF
	}
	f := s.pool.Get(testGeom)
	f.Index = int64(i)
	f.Planes[0].Pix[0] = float32(i)
	s.produced.Add(1)
	return f, nil
}

// memSink records the indices it was given, in order.
type memSink struct {
	mu      sync.Mutex
	indices []int64
	closes  int
	failAt  int64 // index at which Write fails (< 0: never)
	closed  bool
}

func newSink() *memSink { return &memSink{failAt: -1} }

func (s *memSink) Write(f *frame.Frame) error {
	defer f.Release()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		panic("Write after Close")
	}
	if f.Index == s.failAt {
		return errBoom
	}
	if f.Planes[0].Pix[0] != float32(f.Index) {
		panic("frame contents do not match its index")
	}
	s.indices = append(s.indices, f.Index)
	return nil
}

func (s *memSink) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closes++
	s.closed = true
	return nil
}

func (s *memSink) check(t *testing.T, want int) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closes != 1 {
		t.Errorf("sink closed %d times, want 1", s.closes)
	}
	if want >= 0 && len(s.indices) != want {
		t.Errorf("sink got %d frames, want %d", len(s.indices), want)
	}
	for i := 1; i < len(s.indices); i++ {
		if s.indices[i] <= s.indices[i-1] {
			t.Fatalf("out of order at %d: %d after %d", i, s.indices[i], s.indices[i-1])
		}
	}
}

// jitterFilter copies each frame into a new pool frame after a random delay, so that workers
// finish out of order and the pool is exercised.
type jitterFilter struct {
	name     string
	maxDelay time.Duration
	failAt   int64
	rng      *rand.Rand
}

func jitter(name string, maxDelay time.Duration, failAt int64) FilterFactory {
	var seed atomic.Uint64
	return func() (Filter, error) {
		return &jitterFilter{name: name, maxDelay: maxDelay, failAt: failAt,
			rng: rand.New(rand.NewPCG(seed.Add(1), 7))}, nil
	}
}

func (j *jitterFilter) Name() string { return j.name }

func (j *jitterFilter) Process(in *frame.Frame) (*frame.Frame, error) {
	if j.maxDelay > 0 {
		time.Sleep(time.Duration(j.rng.Int64N(int64(j.maxDelay))))
	}
	if in.Index == j.failAt {
		in.Release()
		return nil, errBoom
	}
	out := in.Pool().Like(in)
	out.CopyFrom(in)
	in.Release()
	return out, nil
}

// delayTemporal holds k frames back and emits them in order, like a window with lookahead k.
type delayTemporal struct {
	k      int
	held   []*frame.Frame
	failAt int64
}

func (d *delayTemporal) Name() string   { return "delay" }
func (d *delayTemporal) Lookahead() int { return d.k }

func (d *delayTemporal) Push(in *frame.Frame, emit func(*frame.Frame) error) error {
	if in.Index == d.failAt {
		in.Release()
		return errBoom
	}
	d.held = append(d.held, in)
	if len(d.held) <= d.k {
		return nil
	}
	f := d.held[0]
	d.held = d.held[1:]
	return emit(f)
}

func (d *delayTemporal) Flush(emit func(*frame.Frame) error) error {
	var err error
	for _, f := range d.held {
		if err != nil {
			f.Release()
			continue
		}
		err = emit(f)
	}
	d.held = nil
	return err
}
