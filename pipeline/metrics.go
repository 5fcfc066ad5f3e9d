package pipeline

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/denoise-go/denoise/frame"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics holds the pipeline's Prometheus instruments on a private registry, so that two
// pipelines in one process (or a test) never collide on the global one. One Metrics serves
// one Run at a time: a second Run takes over its queue and in-flight gauges.
type Metrics struct {
	reg *prometheus.Registry

	framesIn  *prometheus.CounterVec
	framesOut *prometheus.CounterVec
	latency   *prometheus.HistogramVec
	dropped   prometheus.Counter
	fps       prometheus.Gauge
	lookahead prometheus.Gauge

	queueDesc *prometheus.Desc
	mu        sync.Mutex
	queues    []queueRef
	inFlight  func() int64 // frames between source and sink of the current Run; nil between runs
}

// queueRef names a channel whose length is read at scrape time: sampling when Prometheus asks
// costs the frame path nothing.
type queueRef struct {
	name string
	ch   chan *frame.Frame
}

// NewMetrics registers the pipeline's instruments, plus the Go runtime and process
// collectors, on a new registry.
func NewMetrics() *Metrics {
	const ns = "denoise"
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		framesIn: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: ns, Name: "stage_frames_in_total",
			Help: "Frames a stage has received. decode: frames read (decoded) from the input, " +
				"dropped ones included; encode: frames taken from the last queue for writing.",
		}, []string{"stage"}),
		framesOut: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: ns, Name: "stage_frames_out_total",
			Help: "Frames a stage has passed on. decode: frames sent into the pipeline " +
				"(frames in minus live-mode drops); encode: frames written to the output.",
		}, []string{"stage"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: ns, Name: "stage_latency_seconds",
			Help:    "Time a stage spends on one frame, not counting time blocked on a full queue.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14), // 0.5 ms … 4 s
		}, []string{"stage"}),
		dropped: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: ns, Name: "dropped_frames_total",
			Help: "Frames dropped in live mode because the pipeline was too slow.",
		}),
		fps: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: ns, Name: "output_frames_per_second",
			Help: "Frames written per second, over the last second or so (0 when no run is going).",
		}),
		lookahead: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: ns, Name: "temporal_lookahead_frames",
			Help: "Future frames the temporal stages wait for before they emit one (sum of their " +
				"Lookahead; 0 when causal, as in live mode).",
		}),
		queueDesc: prometheus.NewDesc(ns+"_queue_depth",
			"Frames waiting in the queue into a stage, sampled at scrape time.",
			[]string{"queue"}, nil),
	}
	inFlight := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Namespace: ns, Name: "pipeline_latency_frames",
		Help: "Frames in flight: sent into the pipeline by decode and not yet written by encode " +
			"(queued, in a stage or held in a temporal window), sampled at scrape time.",
	}, m.framesInFlight)
	m.reg.MustRegister(m.framesIn, m.framesOut, m.latency, m.dropped, m.fps, m.lookahead, inFlight,
		queueCollector{m},
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

type queueCollector struct{ m *Metrics }

func (c queueCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.m.queueDesc }

func (c queueCollector) Collect(ch chan<- prometheus.Metric) {
	c.m.mu.Lock()
	defer c.m.mu.Unlock()
	for _, q := range c.m.queues {
		ch <- prometheus.MustNewConstMetric(c.m.queueDesc, prometheus.GaugeValue, float64(len(q.ch)), q.name)
	}
}

func (m *Metrics) setQueues(q []queueRef) {
	m.mu.Lock()
	m.queues = q
	m.mu.Unlock()
}

// setInFlight sets what pipeline_latency_frames reads (nil: no run, 0 frames).
func (m *Metrics) setInFlight(f func() int64) {
	m.mu.Lock()
	m.inFlight = f
	m.mu.Unlock()
}

func (m *Metrics) framesInFlight() float64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.inFlight == nil {
		return 0
	}
	return float64(max(m.inFlight(), 0))
}

// Handler serves /metrics in the Prometheus text format and /healthz with "ok".
func (m *Metrics) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok"))
	})
	return mux
}

// Serve serves Handler on addr until ctx is done, then shuts down gracefully.
func (m *Metrics) Serve(ctx context.Context, addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("metrics: listen %s: %w", addr, err)
	}
	return m.serve(ctx, ln)
}

func (m *Metrics) serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{Handler: m.Handler(), ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("metrics: serve %s: %w", ln.Addr(), err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := srv.Shutdown(sctx)
	if serr := <-errc; !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	if err != nil {
		return fmt.Errorf("metrics: shutdown %s: %w", ln.Addr(), err)
	}
	return nil
}

// stageMetrics is one stage's instruments with the label already bound, so the frame path
// does no label lookups; the zero value (no Metrics) records nothing.
type stageMetrics struct {
	in, out prometheus.Counter
	latency prometheus.Observer
}

func (m *Metrics) stage(name string) stageMetrics {
	if m == nil {
		return stageMetrics{}
	}
	return stageMetrics{
		in:      m.framesIn.WithLabelValues(name),
		out:     m.framesOut.WithLabelValues(name),
		latency: m.latency.WithLabelValues(name),
	}
}

func (s stageMetrics) incIn() {
	if s.in != nil {
		s.in.Inc()
	}
}

func (s stageMetrics) incOut() {
	if s.out != nil {
		s.out.Inc()
	}
}

func (s stageMetrics) observe(d time.Duration) {
	if s.latency != nil {
		s.latency.Observe(d.Seconds())
	}
}
