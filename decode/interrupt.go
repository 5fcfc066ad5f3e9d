package decode

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/asticode/go-astiav"
	"golang.org/x/sys/unix"

	"github.com/denoise-go/denoise/internal/av"
)

// DefaultReadTimeout is how long a network input may send nothing before the job ends.
const DefaultReadTimeout = 10 * time.Second

// StallError ends a job whose source sent no data for Options.ReadTimeout.
type StallError struct {
	Timeout time.Duration
	Opening bool // nothing came at all
}

func (e *StallError) Error() string {
	if e.Opening {
		return fmt.Sprintf("the source sent nothing (no data for %v)", e.Timeout)
	}
	return fmt.Sprintf("the source stopped sending (no data for %v)", e.Timeout)
}

// IsNetwork reports whether input names a network stream (a URL other than file:).
func IsNetwork(input string) bool {
	i := strings.Index(input, "://")
	return i > 0 && !strings.EqualFold(input[:i], "file")
}

// readGuard makes reads stoppable: it holds the input's interrupt callback, which a
// cancelled context or a stall trips, and restores standard input's flags when closed.
type readGuard struct {
	mu    sync.Mutex // Cancel from a context's goroutine against Free on Close
	w     *av.ReadWatch
	ctx   context.Context
	stop  func() bool
	stall error
}

// guardReads installs the interrupt callback on s.fc before the input is opened. Standard
// input, when it is a pipe or a socket, is made non-blocking: FFmpeg's blocking read() on it
// would never look at the callback, and with O_NONBLOCK it polls (every millisecond) and
// does.
func (s *Source) guardReads(url string) error {
	g := &s.guard
	if g.w = av.NewReadWatch(av.CPtr(s.fc), s.opts.ReadTimeout); g.w == nil {
		return errors.New("open: cannot allocate the interrupt callback")
	}
	s.closer = append(s.closer, func() { // runs after CloseInput, which is added later
		g.mu.Lock()
		defer g.mu.Unlock()
		if g.stop != nil {
			g.stop()
		}
		g.w.Free()
		g.w = nil
	})
	if url == "pipe:0" {
		var st unix.Stat_t
		if err := unix.Fstat(0, &st); err == nil && (st.Mode&unix.S_IFMT == unix.S_IFIFO || st.Mode&unix.S_IFMT == unix.S_IFSOCK) {
			flags, err := unix.FcntlInt(0, unix.F_GETFL, 0)
			if err == nil && flags&unix.O_NONBLOCK == 0 {
				if _, err := unix.FcntlInt(0, unix.F_SETFL, flags|unix.O_NONBLOCK); err == nil {
					s.closer = append(s.closer, func() { _, _ = unix.FcntlInt(0, unix.F_SETFL, flags) })
				}
			}
		}
	}
	return nil
}

// watchContext makes ctx's cancellation stop the read in progress (and every later one).
func (s *Source) watchContext(ctx context.Context) {
	g := &s.guard
	if ctx == g.ctx || ctx.Done() == nil {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.w == nil {
		return
	}
	if g.stop != nil {
		g.stop()
	}
	g.ctx = ctx
	g.stop = context.AfterFunc(ctx, func() {
		g.mu.Lock()
		defer g.mu.Unlock()
		if g.w != nil {
			g.w.Cancel()
		}
	})
}

// readFrame reads the next packet into s.pkt. A read stopped by the read timeout ends the
// input (astiav.ErrEof), so that the frames already read are still decoded and written;
// Stall then reports it. Before the first frame it is an error.
func (s *Source) readFrame() error {
	g := &s.guard
	g.w.Begin()
	err := s.fc.ReadFrame(s.pkt)
	g.w.End()
	if err != nil && g.w.Stalled() && !g.w.Cancelled() {
		g.stall = &StallError{Timeout: s.opts.ReadTimeout, Opening: s.index == 0}
		if s.index == 0 {
			return g.stall
		}
		return astiav.ErrEof
	}
	return err
}

// describeOpen is describe for the errors of opening, which a stall explains better.
func (s *Source) describeOpen(err error) error {
	if s.guard.w != nil && s.guard.w.Stalled() {
		return &StallError{Timeout: s.opts.ReadTimeout, Opening: true}
	}
	return describe(err)
}

// Stall is the *StallError that ended the input, or nil when it ended otherwise.
func (s *Source) Stall() error { return s.guard.stall }
