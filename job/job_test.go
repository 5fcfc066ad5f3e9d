package job

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/denoise-go/denoise/configs"
	"github.com/denoise-go/denoise/frame"
	"github.com/denoise-go/denoise/pipeline"
)

func newConfig(t *testing.T, in, out, mode string) *configs.Config {
	t.Helper()
	cfg, err := configs.Load(configs.Sources{})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Input, cfg.Output, cfg.Mode, cfg.Progress = in, out, mode, "off"
	return cfg
}

// countSource and countSink count the frames that pass, as a front end's wrappers do.
type countSource struct {
	pipeline.Source
	n atomic.Int64
}

func (s *countSource) Next(ctx context.Context) (*frame.Frame, error) {
	f, err := s.Source.Next(ctx)
	if err == nil {
		s.n.Add(1)
	}
	return f, err
}

type countSink struct {
	pipeline.Sink
	n      atomic.Int64
	closed bool
}

func (s *countSink) Write(f *frame.Frame) error { s.n.Add(1); return s.Sink.Write(f) }
func (s *countSink) Close() error               { s.closed = true; return s.Sink.Close() }

// TestRunFFmpeg runs a clip through the FFmpeg route with the wrappers a front end gives.
func TestRunFFmpeg(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out.mkv")
	cfg := newConfig(t, "../testdata/sample_noisy.mkv", out, "copy")
	cfg.Codec = "ffv1"
	var src *countSource
	var sink *countSink
	var onFrame atomic.Int64
	wrapped := false
	res, err := Run(context.Background(), Options{
		Config:     cfg,
		WrapSource: func(s pipeline.Source) pipeline.Source { src = &countSource{Source: s}; return src },
		WrapSink:   func(s pipeline.Sink) pipeline.Sink { sink = &countSink{Sink: s}; return sink },
		WrapStages: func(st []pipeline.Stage) []pipeline.Stage { wrapped = true; return st },
		OnFrame:    func(pipeline.Stats) { onFrame.Add(1) },
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Scientific || res.FramesOut == 0 || res.FramesIn != res.FramesOut || res.Mode != "copy" || res.Elapsed <= 0 {
		t.Errorf("result %+v", res)
	}
	if src.n.Load() != res.FramesIn || sink.n.Load() != res.FramesOut || !sink.closed || !wrapped || onFrame.Load() == 0 {
		t.Errorf("wrappers: source %d, sink %d (closed %v), stages wrapped %v, OnFrame %d; result %d in, %d out",
			src.n.Load(), sink.n.Load(), sink.closed, wrapped, onFrame.Load(), res.FramesIn, res.FramesOut)
	}
	if st, err := os.Stat(out); err != nil || st.Size() == 0 {
		t.Errorf("output: %v", err)
	}
}

// TestRunScientific runs a hyperstack through package sci, channel by channel.
func TestRunScientific(t *testing.T) {
	in := "../testdata/sci/tiff/ij_hyper.tif"
	cfg := newConfig(t, in, filepath.Join(t.TempDir(), "out.tif"), "copy")
	if !IsScientific(cfg) {
		t.Fatal("an ImageJ hyperstack is not taken for a scientific input")
	}
	var wrapped atomic.Int64
	res, err := Run(context.Background(), Options{Config: cfg,
		WrapSink: func(s pipeline.Sink) pipeline.Sink { wrapped.Add(1); return s }})
	if err != nil {
		t.Fatal(err)
	}
	st, err := OpenStack(in, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if !res.Scientific || res.Channels != st.Channels() || wrapped.Load() != int64(st.Channels()) ||
		res.FramesOut != int64(st.Channels()*st.Len()) {
		t.Errorf("result %+v; the stack has %d channels of %d images, %d sinks wrapped", res, st.Channels(), st.Len(), wrapped.Load())
	}
	if _, err := Run(context.Background(), Options{Config: cfg}); err == nil {
		t.Error("a second run overwrote its output without Overwrite")
	}
}

// listSource gives copies of frames; keep keeps what is written.
type listSource struct{ fs []*frame.Frame }

func (s *listSource) Next(context.Context) (*frame.Frame, error) {
	if len(s.fs) == 0 {
		return nil, io.EOF
	}
	f := frame.New(s.fs[0].Format, s.fs[0].W, s.fs[0].H)
	f.CopyFrom(s.fs[0])
	f.Index = s.fs[0].Index
	s.fs = s.fs[1:]
	return f, nil
}

type keep struct{ out []*frame.Frame }

func (k *keep) Write(f *frame.Frame) error { k.out = append(k.out, f); return nil }
func (k *keep) Close() error               { return nil }

func TestChannels(t *testing.T) {
	cfg := newConfig(t, "", "", "copy")
	var in []*frame.Frame
	for i := range 5 {
		f := frame.New(frame.Format{Layout: frame.Gray, BitDepth: 8}, 16, 8)
		f.Index = int64(i)
		f.Planes[0].Pix[0] = float32(i) / 8
		in = append(in, f)
	}
	outs := make([]*keep, 3)
	var last atomic.Int64 // OnFrame's count, over the channels
	stats, err := Channels{Config: cfg, Count: 3,
		Source:  func(int) pipeline.Source { return &listSource{fs: in} },
		Sink:    func(c int) pipeline.Sink { outs[c] = &keep{}; return outs[c] },
		OnFrame: func(s pipeline.Stats) { last.Store(s.FramesOut) }}.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if n := last.Load(); n != 3*int64(len(in)) {
		t.Errorf("OnFrame's last count %d, want %d (every channel's frames)", n, 3*len(in))
	}
	if len(stats) != 3 {
		t.Fatalf("%d channel stats, want 3", len(stats))
	}
	for c, k := range outs {
		if len(k.out) != len(in) || stats[c].FramesOut != int64(len(in)) {
			t.Fatalf("channel %d: %d frames out (stats %d), want %d", c, len(k.out), stats[c].FramesOut, len(in))
		}
		for i, f := range k.out {
			if f.Planes[0].Pix[0] != in[i].Planes[0].Pix[0] {
				t.Errorf("channel %d frame %d: not a copy", c, i)
			}
		}
	}
	bad := *cfg
	bad.Mode = "no-such-mode"
	if _, err := (Channels{Config: &bad, Count: 2}).Run(context.Background()); err == nil {
		t.Error("an unknown mode ran")
	}
}

// TestNotifyStop: the first SIGINT cancels the context and is reported.
func TestNotifyStop(t *testing.T) {
	ctx, stop := NotifyStop(context.Background(), nil)
	defer stop.Release()
	if stop.Signal() != nil {
		t.Fatal("a signal before any was sent")
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ctx.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("SIGINT did not cancel the context")
	}
	if stop.Signal() != syscall.SIGINT {
		t.Errorf("signal %v, want SIGINT", stop.Signal())
	}
	stop.Release()
	stop.Release()
	var none *Stop
	if none.Signal() != nil {
		t.Error("a nil Stop reports a signal")
	}
}

// TestMetricsLinger: after the job the server waits for one more scrape, and no longer.
func TestMetricsLinger(t *testing.T) {
	log := newDiscard()
	ms, err := startMetrics("127.0.0.1:0", pipeline.NewMetrics(), log)
	if err != nil {
		t.Fatal(err)
	}
	defer ms.Close()
	get := func() {
		resp, err := http.Get("http://" + ms.addr + "/metrics")
		if err != nil {
			t.Error(err)
			return
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	get() // before the job ended: does not count
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); time.Sleep(100 * time.Millisecond); get() }()
	t0 := time.Now()
	ms.linger(context.Background(), 30*time.Second, log)
	if el := time.Since(t0); el < 50*time.Millisecond || el > 10*time.Second {
		t.Errorf("linger ended after %v: want it to end at the scrape after the job", el)
	}
	wg.Wait()

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	t0 = time.Now()
	ms.linger(ctx, 30*time.Second, log)
	ms.linger(context.Background(), 0, log)
	if time.Since(t0) > 5*time.Second {
		t.Error("linger waited after its context ended, or with no time given")
	}
}

func TestRunErrors(t *testing.T) {
	if _, err := Run(context.Background(), Options{}); err == nil {
		t.Error("a job without a configuration ran")
	}
	cfg := newConfig(t, filepath.Join(t.TempDir(), "missing.mkv"), filepath.Join(t.TempDir(), "out.mkv"), "copy")
	if _, err := Run(context.Background(), Options{Config: cfg}); err == nil {
		t.Error("a missing input ran")
	}
	var ie *Interrupted
	if !errors.As(error(&Interrupted{Signal: syscall.SIGTERM}), &ie) || ie.Signal != syscall.SIGTERM {
		t.Error("Interrupted does not carry its signal")
	}
}

func newDiscard() *slog.Logger { return slog.New(slog.DiscardHandler) }

func TestOneImpulseWorker(t *testing.T) {
	yuv420 := frame.Format{Layout: frame.YUV, BitDepth: 8, ChromaShiftW: 1, ChromaShiftH: 1}
	big, small := frame.Geometry{Format: yuv420, W: 1920, H: 1080}, frame.Geometry{Format: yuv420, W: 1280, H: 720}
	for _, c := range []struct {
		mode    string
		workers int
		g       frame.Geometry
		want    bool
	}{
		{"impulse+stnlm", 0, big, true}, {"auto", 0, big, true}, {"impulse+stnlm", 0, small, false},
		{"impulse+stnlm", 2, big, false}, {"full", 0, big, false}, {"nlm", 0, big, false},
	} {
		cfg, err := configs.Load(configs.Sources{})
		if err != nil {
			t.Fatal(err)
		}
		cfg.Mode, cfg.Pipeline.Workers = c.mode, c.workers
		if got := oneImpulseWorker(cfg, c.g); got != c.want {
			t.Errorf("%s, workers %d, %s: %v, want %v", c.mode, c.workers, c.g, got, c.want)
		}
	}
}
