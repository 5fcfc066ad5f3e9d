package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/denoise-go/denoise/configs"
)

// DefaultAddr is where `denoise serve` listens unless told otherwise: this machine only.
const DefaultAddr = "127.0.0.1:8080"

// Options configure a Server.
type Options struct {
	// Config is the base of every job's configuration (nil: the built-in defaults); a job
	// sets its mode, sigma and strength on a copy.
	Config *configs.Config
	Limits Limits
	// TempDir is where the server's private folder is made ("": the system's).
	TempDir string
	// Logger gets the server's lines (nil: discard); FFmpegLogger the encoder's and
	// decoder's warnings (nil: discard).
	Logger, FFmpegLogger *slog.Logger
}

// Server runs jobs and serves the page and the API. Close it to stop its jobs and remove
// its temporary folder.
type Server struct {
	lim   Limits
	base  *configs.Config
	log   *slog.Logger
	ffLog *slog.Logger
	root  string // private temporary folder (0700), removed by Close
	modes []modeInfo
	page  []byte // GET /: index.html rendered with modes

	ctx     context.Context
	stop    context.CancelCauseFunc
	slots   chan struct{} // one per running job
	uploads chan struct{} // one per upload being received
	jobs    store
	wg      sync.WaitGroup // job workers
	closing atomic.Bool
	reaper  chan struct{} // closed when the TTL reaper has stopped
	once    sync.Once

	handler http.Handler

	frameDelay atomic.Int64 // tests: a per-frame sleep (ns) that makes jobs last
}

// New creates the private temporary folder and starts the reaper of expired results.
func New(o Options) (*Server, error) {
	if err := o.Limits.Validate(); err != nil {
		return nil, err
	}
	lim := o.Limits.withDefaults()
	base := o.Config
	if base == nil {
		var err error
		if base, err = configs.Load(configs.Sources{}); err != nil {
			return nil, err
		}
	}
	root, err := os.MkdirTemp(o.TempDir, "denoise-serve-")
	if err != nil {
		return nil, fmt.Errorf("temporary folder: %w", err)
	}
	if err := os.Chmod(root, 0o700); err != nil {
		_ = os.RemoveAll(root)
		return nil, fmt.Errorf("temporary folder: %w", err)
	}
	discard := slog.New(slog.DiscardHandler)
	s := &Server{lim: lim, base: base, log: o.Logger, ffLog: o.FFmpegLogger, root: root,
		modes: listModes(base), slots: make(chan struct{}, lim.MaxJobs), uploads: make(chan struct{}, lim.MaxUploads),
		jobs: store{jobs: map[string]*job{}}, reaper: make(chan struct{})}
	if s.page, err = renderPage(s.modes); err != nil {
		_ = os.RemoveAll(root)
		return nil, fmt.Errorf("page: %w", err)
	}
	if s.log == nil {
		s.log = discard
	}
	if s.ffLog == nil {
		s.ffLog = discard
	}
	s.ctx, s.stop = context.WithCancelCause(context.Background())
	s.handler = s.routes()
	go s.reap()
	return s, nil
}

// TempDir is the server's private folder, where uploads and results live.
func (s *Server) TempDir() string { return s.root }

// Limits are the limits the server enforces.
func (s *Server) Limits() Limits { return s.lim }

// Handler serves the page, its assets and the API.
func (s *Server) Handler() http.Handler { return s.handler }

// reap removes expired jobs, checking a few times per TTL.
func (s *Server) reap() {
	defer close(s.reaper)
	every := min(max(s.lim.ResultTTL/4, 10*time.Millisecond), time.Minute)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case now := <-t.C:
			s.jobs.expire(s.lim.ResultTTL, now)
		case <-s.ctx.Done():
			return
		}
	}
}

// Close refuses new jobs, cancels the running ones, waits for them and removes the
// temporary folder with every upload and result in it.
func (s *Server) Close() error {
	var err error
	s.once.Do(func() {
		s.closing.Store(true)
		s.stop(errShutdown)
		s.wg.Wait()
		<-s.reaper
		err = os.RemoveAll(s.root)
	})
	return err
}

// Serve serves the handler on ln until ctx is done, then shuts down gracefully and
// closes the server. On a loopback listener, requests must name a loopback host, so that
// a web page elsewhere cannot reach the server through DNS rebinding.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	h := s.handler
	if isLoopback(ln.Addr()) {
		h = loopbackOnly(h)
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: s.lim.HeaderTimeout,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	var err error
	select {
	case err = <-errc:
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		s.closing.Store(true)
		err = srv.Shutdown(sctx)
		cancel()
		if serr := <-errc; !errors.Is(serr, http.ErrServerClosed) && err == nil {
			err = serr
		}
	}
	if cerr := s.Close(); err == nil {
		err = cerr
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

func isLoopback(a net.Addr) bool {
	ta, ok := a.(*net.TCPAddr)
	return ok && ta.IP.IsLoopback()
}

// loopbackOnly refuses requests that do not name a loopback host: a Host other than
// localhost (in any case, with or without a port) or a loopback address (IPv4, or IPv6 in
// brackets), and any request in absolute form ("GET http://127.0.0.1/ HTTP/1.1"), as sent
// to a proxy: for those net/http takes the host from the URI and drops the Host header,
// which can then not be checked. Browsers never send this form to a server.
func loopbackOnly(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Host != "" || r.URL.Scheme != "" || (r.RequestURI != "*" && !strings.HasPrefix(r.RequestURI, "/")):
			writeError(w, errorf(http.StatusForbidden, "this server does not answer requests in absolute form, as sent to a proxy (%s %s): send the path only", r.Method, r.RequestURI))
		case !loopbackHost(r.Host):
			writeError(w, errorf(http.StatusForbidden, "this server only answers requests for localhost (Host %q)", r.Host))
		default:
			h.ServeHTTP(w, r)
		}
	})
}

// loopbackHost tells whether a Host header names this machine: localhost or a loopback
// address, with or without a port.
func loopbackHost(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	} else if strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]") {
		host = host[1 : len(host)-1]
	}
	if strings.EqualFold(strings.TrimSuffix(host, "."), "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
