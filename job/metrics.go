package job

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/denoise-go/denoise/pipeline"
)

// metricsServer serves /metrics for a job and notes the scrapes, so that the numbers of a
// job that ended between two scrapes are not lost: after the job it waits for one more.
type metricsServer struct {
	srv     *http.Server
	addr    string
	scraped chan struct{} // a token per scrape, dropped when nobody waits
}

func startMetrics(addr string, m *pipeline.Metrics, log *slog.Logger) (*metricsServer, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics: listen %s: %w", addr, err)
	}
	ms := &metricsServer{addr: ln.Addr().String(), scraped: make(chan struct{}, 1)}
	h := m.Handler()
	ms.srv = &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r)
		if r.URL.Path == "/metrics" {
			// The answer goes out before the job may end on it.
			if f, ok := w.(http.Flusher); ok {
				f.Flush()
			}
			select {
			case ms.scraped <- struct{}{}:
			default:
			}
		}
	})}
	go func() { _ = ms.srv.Serve(ln) }()
	log.Info("serving metrics", "addr", ms.addr)
	return ms, nil
}

// linger keeps serving after the job until /metrics is scraped once more, for at most d,
// or until ctx ends (a signal).
func (ms *metricsServer) linger(ctx context.Context, d time.Duration, log *slog.Logger) {
	if ms == nil || d <= 0 {
		return
	}
	select { // a scrape that came before the job ended does not count
	case <-ms.scraped:
	default:
	}
	log.Info("keeping /metrics up for a last scrape", "addr", ms.addr, "at_most", d.String(), "skip", "--metrics-linger 0")
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ms.scraped:
	case <-t.C:
	case <-ctx.Done():
	}
}

// Close stops the server, letting an answer being written finish (for at most a second).
func (ms *metricsServer) Close() {
	if ms == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if ms.srv.Shutdown(ctx) != nil {
		_ = ms.srv.Close()
	}
}
