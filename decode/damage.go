package decode

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"github.com/asticode/go-astiav"

	"github.com/denoise-go/denoise/internal/av"
	"github.com/denoise-go/denoise/internal/seqpat"
)

// Damage in the input (corrupt or unreadable packets, packets the decoder refuses, frames it
// decodes with errors, gaps in the timestamps, missing images, a short last frame) does not
// stop a Source: like FFmpeg it decodes on, keeps every frame it can, and reports each damaged
// region once, as a warning, when the region ends. Damage sums it up. With Options.Strict the
// first damage stops the Source with a *DamageError instead.

// Damage sums up the damage a Source met.
type Damage struct {
	Regions int   // damaged regions, each reported by one warning
	Packets int64 // video packets lost: corrupt, unreadable, or refused by the decoder
	Frames  int64 // frames missing (timestamp gaps, missing images) or decoded with errors
}

// Damaged reports whether any damage was met.
func (d Damage) Damaged() bool { return d.Regions > 0 }

func (d Damage) String() string {
	s := plural(int64(d.Regions), "damaged region")
	if lost := lostParts(d.Packets, d.Frames); len(lost) > 0 {
		s += " (" + strings.Join(lost, " and ") + " lost or damaged)"
	}
	return s
}

// lostParts names what a damaged stretch lost: "N packets", "M frames", either or both.
func lostParts(packets, frames int64) []string {
	var lost []string
	if packets > 0 {
		lost = append(lost, plural(packets, "packet"))
	}
	if frames > 0 {
		lost = append(lost, plural(frames, "frame"))
	}
	return lost
}

func plural(n int64, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// DamageError is the first damage, met with Options.Strict set.
type DamageError struct {
	At   string // time in the input
	What string
}

func (e *DamageError) Error() string {
	return fmt.Sprintf("the input is damaged at %s: %s (--strict stops at the first damage)", e.At, e.What)
}

// Damage is the damage met so far; read it once Next has returned io.EOF or an error.
func (s *Source) Damage() Damage { return s.dmg.total }

// damageState is a Source's record of damage.
type damageState struct {
	cur        *damageRegion
	total      Damage
	first      string   // the first cause met, for an input that yields no frame at all
	cleanRun   int      // clean frames since the last damage
	lastPktEnd int64    // byte offset just past the last video packet (0: unknown)
	seqGaps    []seqGap // images missing between the files of a folder or a glob
	stopped    bool     // the demuxer stopped on an error: the rest of the input is unread
}

type damageRegion struct {
	from, to        int64 // stream time base, unshifted; av.NoPTS if unknown
	packets, frames int64
	causes          []string
}

// seqGap is a run of images missing from a numbered sequence, before image index.
type seqGap struct {
	index   int64
	first   string // the first missing name
	missing int64
}

// A region ends after this many clean frames in a row, so that the echoes of one damage
// (errors a decoder reports frames later, references lost until the next key frame) make one
// warning, not several.
const cleanFramesEndRegion = 5

// damaged records damage from time from to time to (stream time base, unshifted; av.NoPTS:
// unknown, taken as the end of the last frame), losing packets and frames. With Strict set it
// returns the *DamageError that stops the Source.
func (s *Source) damaged(from, to int64, packets, frames int64, cause string) error {
	if from == av.NoPTS {
		from = s.lastEndRaw()
	}
	if to == av.NoPTS || to < from {
		to = from
	}
	if s.dmg.first == "" {
		s.dmg.first = cause
	}
	if s.opts.Strict {
		return &DamageError{At: s.timeString(from), What: cause}
	}
	d := &s.dmg
	d.cleanRun = 0
	if d.cur == nil {
		d.cur = &damageRegion{from: from, to: to}
	}
	r := d.cur
	r.from, r.to = min(r.from, from), max(r.to, to)
	r.packets += packets
	r.frames += frames
	if !slices.Contains(r.causes, cause) && len(r.causes) < 3 {
		r.causes = append(r.causes, cause)
	}
	return nil
}

// lastEndRaw is the end of the last frame in the stream's own time (before any trim shift).
func (s *Source) lastEndRaw() int64 {
	if s.index == 0 {
		if st := s.video.StartTime(); st != av.NoPTS {
			return st
		}
		return av.NoPTS
	}
	return s.lastEnd + s.trim.shift
}

// endRegion logs the open damaged region, if any, as one warning.
func (s *Source) endRegion() {
	r := s.dmg.cur
	if r == nil {
		return
	}
	s.dmg.cur = nil
	d := &s.dmg.total
	d.Regions++
	d.Packets += r.packets
	d.Frames += r.frames
	lost := lostParts(r.packets, r.frames)
	if len(lost) == 0 {
		lost = []string{"the rest of the input"}
	}
	attrs := []any{"at", s.timeString(r.from)}
	if r.to > r.from {
		attrs = []any{"from", s.timeString(r.from), "to", s.timeString(r.to)}
	}
	attrs = append(attrs, "lost", strings.Join(lost, ", "), "cause", strings.Join(r.causes, "; "))
	s.opts.Logger.Warn("input damaged", attrs...)
}

// checkPacket looks at the video packet just read: a packet the demuxer flags corrupt is still
// decoded, as FFmpeg does, and counted as damage.
func (s *Source) checkPacket(p *astiav.Packet) error {
	if pos := p.Pos(); pos >= 0 {
		s.dmg.lastPktEnd = pos + int64(p.Size())
	}
	if p.Flags().Has(astiav.PacketFlagCorrupt) {
		return s.damaged(packetTime(p), av.NoPTS, 1, 0, "corrupt video packet")
	}
	return nil
}

func packetTime(p *astiav.Packet) int64 {
	if t := p.Pts(); t != av.NoPTS {
		return t
	}
	return p.Dts()
}

var errNoMem = astiav.Error(-int(syscall.ENOMEM))

// fatal reports whether an FFmpeg error says nothing about the data: running out of memory,
// an interrupt or a timeout, a device that is not ready.
func fatal(err error) bool {
	return errors.Is(err, errNoMem) || errors.Is(err, astiav.ErrExit) ||
		errors.Is(err, astiav.ErrEtimedout) || errors.Is(err, astiav.ErrEagain)
}

// decodeError handles an error of the decoder: damage, unless it is fatal.
func (s *Source) decodeError(err error, p *astiav.Packet, what string) error {
	if fatal(err) {
		return fmt.Errorf("%s: %w", what, describe(err))
	}
	at := int64(av.NoPTS)
	if p != nil {
		at = packetTime(p)
	}
	return s.damaged(at, av.NoPTS, 1, 0, "the decoder refused data: "+describe(err).Error())
}

// readError handles an error of the demuxer: FFmpeg ends the input there, and so does the
// Source, keeping what it decoded, unless the error is fatal.
func (s *Source) readError(err error) error {
	if fatal(err) {
		return fmt.Errorf("reading packet: %w", describe(err))
	}
	s.eof = true
	s.dmg.stopped = true
	return s.damaged(av.NoPTS, av.NoPTS, 0, 0, "reading stopped early: "+describe(err).Error())
}

// checkFrame looks at a decoded frame: decoded with errors, or after a gap in the timestamps
// (pts and dur shifted, in the stream's time base), or where images are missing.
func (s *Source) checkFrame(pts, dur int64) error {
	damage := false
	if len(s.dmg.seqGaps) > 0 && s.dmg.seqGaps[0].index == s.index {
		g := s.dmg.seqGaps[0]
		s.dmg.seqGaps = s.dmg.seqGaps[1:]
		what := "image " + g.first + " is missing"
		if g.missing > 1 {
			what = fmt.Sprintf("%d images are missing from %s on", g.missing, g.first)
		}
		if err := s.damaged(pts+s.trim.shift, av.NoPTS, 0, g.missing, what); err != nil {
			return err
		}
		damage = true
	}
	if s.index > 0 && dur > 0 && pts != av.NoPTS && pts-s.lastEnd > 2*dur {
		missing := (pts - s.lastEnd + dur/2) / dur
		cause := fmt.Sprintf("timestamps jump from %s to %s", s.timeString(s.lastEnd+s.trim.shift), s.timeString(pts+s.trim.shift))
		if err := s.damaged(s.lastEnd+s.trim.shift, pts+s.trim.shift, 0, missing, cause); err != nil {
			return err
		}
		damage = true
	}
	if av.Flawed(s.avf.UnsafePointer()) {
		if err := s.damaged(pts+s.trim.shift, av.NoPTS, 0, 1, "frame decoded with errors"); err != nil {
			return err
		}
		damage = true
	}
	if !damage && s.dmg.cur != nil {
		if s.dmg.cleanRun++; s.dmg.cleanRun >= cleanFramesEndRegion {
			s.endRegion()
		}
	}
	return nil
}

// endOfInput runs once the decoder is drained: it checks for damage only the end shows (a
// short last frame, the images a numbered sequence stops before, a video shorter than the
// container declares) and reports the open region. An input whose damage left no frame at
// all is an error.
func (s *Source) endOfInput() error {
	if err := s.checkTail(); err != nil {
		return err
	}
	if err := s.checkPattern(); err != nil {
		return err
	}
	if err := s.checkComplete(); err != nil {
		return err
	}
	s.endRegion()
	if s.index == 0 && s.dmg.first != "" {
		return fmt.Errorf("the input is damaged: %s, and no frame could be decoded", s.dmg.first)
	}
	return nil
}

// checkTail finds the bytes after the last whole frame of a Y4M file, which FFmpeg's demuxer
// passes over in silence: a short last frame.
func (s *Source) checkTail() error {
	if s.dmg.stopped || s.fc.InputFormat() == nil || s.fc.InputFormat().Name() != "yuv4mpegpipe" || s.dmg.lastPktEnd <= 0 || s.opts.Input == "-" || !s.opts.Trim.IsZero() {
		return nil
	}
	st, err := os.Stat(s.opts.Input)
	if err != nil || !st.Mode().IsRegular() || st.Size() <= s.dmg.lastPktEnd {
		return nil
	}
	extra := st.Size() - s.dmg.lastPktEnd
	return s.damaged(av.NoPTS, av.NoPTS, 0, 1, fmt.Sprintf("the last frame is short: %d bytes after the last whole frame", extra))
}

// patternRE turns an image2 pattern's file name (img_%04d.png) into a regular expression
// whose group is the number.
var printfNumber = regexp.MustCompile(`%0?\d*d`)

// checkPattern finds where an image2 pattern (img_%04d.png) stopped before its last image: a
// missing image, after which FFmpeg reads no more.
func (s *Source) checkPattern() error {
	in := s.opts.Input
	if (s.opts.Format != "" && s.opts.Format != "image2") || !strings.Contains(in, "%") || strings.Contains(in, "://") || !s.opts.Trim.IsZero() {
		return nil
	}
	_, base := filepath.Split(in)
	loc := printfNumber.FindStringIndex(base)
	if loc == nil {
		return nil
	}
	start := int64(0)
	if v, ok := s.opts.InputOptions["start_number"]; ok {
		start, _ = strconv.ParseInt(v, 10, 64)
	}
	var nums []int64
	for _, m := range seqpat.Files(in) {
		if m.N >= start {
			nums = append(nums, m.N)
		}
	}
	if len(nums) == 0 {
		return nil
	}
	slices.Sort(nums)
	nums = slices.Compact(nums)
	next := nums[0] + s.index // the first image FFmpeg did not read
	after := int64(0)
	for _, n := range nums {
		if n > next {
			after++
		}
	}
	if after == 0 || slices.Contains(nums, next) {
		return nil
	}
	missing := fmt.Sprintf(base[:loc[1]], next) + base[loc[1]:]
	return s.damaged(av.NoPTS, av.NoPTS, 0, after, fmt.Sprintf("image %s is missing: the sequence stops there, %s after it not read",
		strings.ReplaceAll(missing, "%%", "%"), plural(after, "image")))
}

// trailingNumber splits a file name into the text before its last number, the number, and
// the text after it.
var trailingNumber = regexp.MustCompile(`^(.*?)(\d+)(\D*)$`)

// sequenceGaps finds the images missing from a folder's or a glob's numbered files (shot_0001,
// shot_0002, shot_0004: shot_0003), when all of them are numbered alike.
func sequenceGaps(files []string) []seqGap {
	var gaps []seqGap
	var prefix, suffix string
	var width int
	var prev int64
	for i, f := range files {
		m := trailingNumber.FindStringSubmatch(filepath.Base(f))
		if m == nil {
			return nil
		}
		n, err := strconv.ParseInt(m[2], 10, 64)
		if err != nil {
			return nil
		}
		if i == 0 {
			prefix, suffix, width = m[1], m[3], len(m[2])
		} else if m[1] != prefix || m[3] != suffix {
			return nil // not one numbered sequence
		} else if n > prev+1 {
			gaps = append(gaps, seqGap{index: int64(i), first: fmt.Sprintf("%s%0*d%s", prefix, width, prev+1, suffix), missing: n - prev - 1})
		}
		prev = n
	}
	return gaps
}
