package decode

import (
	"fmt"
	"time"

	"github.com/asticode/go-astiav"

	"github.com/denoise-go/denoise/internal/av"
)

// Trim selects a piece of the input, as ffmpeg's -ss, -t and -frames:v do: the frames
// from Start (after the input's own start time) for Duration, at most Frames of them.
// With Start set the source seeks there first, and the piece's timestamps (video and the
// packets passed through) begin at zero.
type Trim struct {
	Start    time.Duration
	Duration time.Duration // 0: to the end
	Frames   int64         // 0: no limit
}

// IsZero reports whether t reads the whole input.
func (t Trim) IsZero() bool { return t == Trim{} }

// Validate refuses negative values.
func (t Trim) Validate() error {
	switch {
	case t.Start < 0:
		return fmt.Errorf("start time %v is negative", t.Start)
	case t.Duration < 0:
		return fmt.Errorf("duration %v is negative", t.Duration)
	case t.Frames < 0:
		return fmt.Errorf("frame count %d is negative", t.Frames)
	}
	return nil
}

// estimate narrows the input's frame count n (0: unknown) to the piece.
func (t Trim) estimate(n int64, rate float64) int64 {
	if n > 0 && t.Start > 0 && rate > 0 {
		n = max(n-int64(t.Start.Seconds()*rate+0.5), 0)
	}
	if t.Duration > 0 && rate > 0 {
		if d := int64(t.Duration.Seconds()*rate + 0.5); n <= 0 || d < n {
			n = d
		}
	}
	if t.Frames > 0 && (n <= 0 || t.Frames < n) {
		n = t.Frames
	}
	return n
}

// trimState is Trim in the input's time bases.
type trimState struct {
	beginUS, endUS int64 // AV_TIME_BASE
	begin, end     int64 // video stream time base
	shift          int64 // subtracted from video timestamps (begin, with Start set)
	done           bool  // the piece has ended
}

var microseconds = astiav.NewRational(1, 1000000)

// trimBegin is where a piece that starts start after origin (microseconds) begins, in tb:
// the time taken off its frames' times (Scan.StartPTS says it ahead).
func trimBegin(origin int64, start time.Duration, tb astiav.Rational) int64 {
	return astiav.RescaleQ(origin+start.Microseconds(), microseconds, tb)
}

// startTrim works out the piece's bounds and seeks to its start.
func (s *Source) startTrim() error {
	t := s.opts.Trim
	if t.IsZero() {
		return nil
	}
	if err := t.Validate(); err != nil {
		return err
	}
	origin := s.fc.StartTime()
	if origin == av.NoPTS {
		origin = 0
	}
	tb := s.video.TimeBase()
	var st trimState
	st.beginUS = origin + t.Start.Microseconds()
	st.endUS = st.beginUS + t.Duration.Microseconds()
	st.begin = trimBegin(origin, t.Start, tb)
	st.end = astiav.RescaleQ(st.endUS, microseconds, tb)
	if t.Start > 0 {
		st.shift = st.begin
		// Seek to the key frame before the start; frames up to the start are decoded and
		// dropped. An input that cannot seek (a pipe) is read from its beginning instead.
		if err := s.fc.SeekFrame(-1, st.beginUS, astiav.NewSeekFlags(astiav.SeekFlagBackward)); err != nil {
			s.opts.Logger.Debug("cannot seek: reading up to the start", "start", t.Start, "err", err)
		}
	}
	s.trim = st
	return nil
}

// trimFrame decides on the frame just received: keep it, or drop it (stop: the piece has
// ended).
func (s *Source) trimFrame() (keep, stop bool) {
	st, t := &s.trim, s.opts.Trim
	if t.IsZero() {
		return true, false
	}
	if f := t.Frames; f > 0 && s.index >= f {
		st.done = true
		return false, true
	}
	pts, _ := av.Timing(s.avf.UnsafePointer())
	if pts == av.NoPTS {
		pts = s.synthPTS() + st.shift
	}
	if t.Start > 0 && pts < st.begin {
		return false, false
	}
	if t.Duration > 0 && pts >= st.end {
		st.done = true
		return false, true
	}
	if f := t.Frames; f > 0 && s.index+1 >= f {
		st.done = true // this is the last frame: the next read ends without reading on
	}
	return true, false
}

// trimPacket decides on a passed-through packet: outside the piece it is dropped,
// inside it is moved to the piece's time line.
func (s *Source) trimPacket(p *astiav.Packet, in *astiav.Stream) bool {
	st, t := &s.trim, s.opts.Trim
	if t.Start == 0 && t.Duration == 0 {
		return true
	}
	ts := p.Pts()
	if ts == astiav.NoPtsValue {
		ts = p.Dts()
	}
	if ts == astiav.NoPtsValue {
		return true
	}
	tb := in.TimeBase()
	us := astiav.RescaleQ(ts, tb, microseconds)
	if (t.Start > 0 && us < st.beginUS) || (t.Duration > 0 && us >= st.endUS) {
		return false
	}
	if t.Start > 0 {
		off := astiav.RescaleQ(st.beginUS, microseconds, tb)
		if p.Pts() != astiav.NoPtsValue {
			p.SetPts(p.Pts() - off)
		}
		if p.Dts() != astiav.NoPtsValue {
			p.SetDts(p.Dts() - off)
		}
	}
	return true
}
