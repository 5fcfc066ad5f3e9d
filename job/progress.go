package job

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"

	"github.com/denoise-go/denoise/pipeline"
)

// progress draws a bar for file jobs (frames, fps, speed, ETA) or a periodic status line
// for live jobs, on standard error, when it is a terminal (or when asked to).
type progress struct {
	on, live bool
	total    int64
	rate     float64 // source frames per second, for the speed figure
	start    time.Time
	mu       sync.Mutex
	last     time.Time
	every    time.Duration
	// lookahead is the latency the temporal stages add, in frames (see Lookahead);
	// the live status line shows it.
	lookahead int
}

func newProgress(mode string, live bool, total int64, rate float64) *progress {
	on := mode == "on" || (mode == "auto" && term.IsTerminal(int(os.Stderr.Fd())))
	every := 200 * time.Millisecond
	if live {
		every = 2 * time.Second
	}
	return &progress{on: on, live: live, total: total, rate: rate, start: time.Now(), every: every}
}

func (p *progress) update(s pipeline.Stats) {
	if !p.on {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	if now.Sub(p.last) < p.every {
		return
	}
	p.last = now
	p.draw(s, now.Sub(p.start), false)
}

func (p *progress) done(s pipeline.Stats) {
	if !p.on {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.draw(s, time.Since(p.start), true)
}

func (p *progress) draw(s pipeline.Stats, el time.Duration, final bool) {
	fps := float64(s.FramesOut) / max(el.Seconds(), 1e-9)
	speed := ""
	if p.rate > 0 {
		speed = fmt.Sprintf("  %.2fx", fps/p.rate)
	}
	var line string
	if p.live {
		line = fmt.Sprintf("live: %d frames  %.1f fps%s  dropped %d  queued %d  lookahead %d frames",
			s.FramesOut, fps, speed, s.Dropped, s.FramesIn-s.FramesOut, p.lookahead)
		fmt.Fprintln(os.Stderr, line)
		return
	}
	total := p.total
	if final || s.FramesOut > total {
		total = s.FramesOut // the container's estimate was off: show what was written
	}
	if total > 0 {
		frac := min(float64(s.FramesOut)/float64(total), 1)
		const width = 30
		n := int(frac * width)
		bar := strings.Repeat("=", n) + strings.Repeat(" ", width-n)
		eta := "ETA --:--"
		if final {
			eta = "done in " + fmtDur(el)
		} else if fps > 0 {
			eta = "ETA " + fmtDur(time.Duration(float64(total-s.FramesOut)/fps*float64(time.Second)))
		}
		line = fmt.Sprintf("[%s] %d/%d frames  %.1f fps%s  %s", bar, s.FramesOut, total, fps, speed, eta)
	} else {
		line = fmt.Sprintf("%d frames  %.1f fps%s  %s", s.FramesOut, fps, speed, fmtDur(el))
	}
	end := ""
	if final {
		end = "\n"
	}
	fmt.Fprintf(os.Stderr, "\r%-90s%s", line, end)
}

func fmtDur(d time.Duration) string {
	s := int(d.Seconds() + 0.5)
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}
