package cluster

import (
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are a worker's Prometheus metrics. A nil *Metrics records nothing.
type Metrics struct {
	reg      *prometheus.Registry
	items    *prometheus.CounterVec
	frames   prometheus.Counter
	wait     prometheus.Histogram
	itemTime prometheus.Histogram
	inFlight prometheus.Gauge
}

// NewMetrics registers a worker's metrics in a registry of their own.
func NewMetrics() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		items: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "denoise_worker_items_total", Help: "Items finished, by result: done, retried (failed, to be tried again) or failed (on their last attempt).",
		}, []string{"result"}),
		frames: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "denoise_worker_frames_total", Help: "Frames written by finished items (its rate is the worker's frames per second).",
		}),
		wait: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "denoise_worker_queue_wait_seconds", Help: "Time from an item's publication (or its last redelivery) to a worker taking it.",
			Buckets: prometheus.ExponentialBuckets(0.01, 4, 10),
		}),
		itemTime: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "denoise_worker_item_seconds", Help: "Time to run and store an item that finished.",
			Buckets: prometheus.ExponentialBuckets(0.5, 2, 14),
		}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "denoise_worker_items_in_progress", Help: "Items being worked on.",
		}),
	}
	for _, r := range []string{"done", "retried", "failed"} {
		m.items.WithLabelValues(r)
	}
	m.reg.MustRegister(m.items, m.frames, m.wait, m.itemTime, m.inFlight,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Serve serves /metrics on addr until Close.
func (m *Metrics) Serve(addr string) (*http.Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return srv, nil
}

func (m *Metrics) queueWait(d time.Duration) {
	if m != nil {
		m.wait.Observe(max(d, 0).Seconds())
	}
}

func (m *Metrics) busy(d float64) {
	if m != nil {
		m.inFlight.Add(d)
	}
}

func (m *Metrics) done(frames int64, took time.Duration) {
	if m != nil {
		m.items.WithLabelValues("done").Inc()
		m.frames.Add(float64(frames))
		m.itemTime.Observe(took.Seconds())
	}
}

func (m *Metrics) failed(final bool) {
	if m == nil {
		return
	}
	if final {
		m.items.WithLabelValues("failed").Inc()
	} else {
		m.items.WithLabelValues("retried").Inc()
	}
}
