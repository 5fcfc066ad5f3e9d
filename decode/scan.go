package decode

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/asticode/go-astiav"
)

// Scan is what a read of an input's packets, without decoding, tells of its video: where
// every frame is and which ones a decoder can start from. It is how a long video is cut
// into pieces that are denoised apart (package cluster).
type Scan struct {
	// PTS are the frames' presentation times in TimeBase units, in presentation order: frame
	// k of a full decode has PTS[k].
	PTS []int64
	// Key marks the frames, by the same numbering, that start a key packet.
	Key      []bool
	TimeBase astiav.Rational
	// Origin is the input's start time (microseconds), to which Trim.Start is relative.
	Origin int64
	// PixFmt is the video's pixel format as FFmpeg names it.
	PixFmt string
}

// Frames is the number of frames the scan found.
func (sc *Scan) Frames() int64 { return int64(len(sc.PTS)) }

// StartOf is the Trim.Start whose piece begins exactly at frame k: halfway between frame
// k-1's time and frame k's, so that rounding to either time base cannot move it onto a
// neighbour. Frame 0 starts at 0.
func (sc *Scan) StartOf(k int64) time.Duration {
	if k <= 0 || k >= sc.Frames() {
		return 0
	}
	us := func(i int64) int64 { return astiav.RescaleQ(sc.PTS[i], sc.TimeBase, microseconds) }
	mid := (us(k-1) + us(k) + 1) / 2
	return time.Duration(mid-sc.Origin) * time.Microsecond
}

// StartPTS is where a piece that Trim.Start = StartOf(k) cuts begins, in TimeBase units:
// the decoder takes it off the piece's frame times (0 when k is 0).
func (sc *Scan) StartPTS(k int64) int64 {
	if k <= 0 || k >= sc.Frames() {
		return 0
	}
	return trimBegin(sc.Origin, sc.StartOf(k), sc.TimeBase)
}

// ScanInput reads every packet of the video stream of the input opts name (Input, Format,
// InputOptions; Trim is ignored), but those the decoder is to discard, and lists the
// frames' times. A frame without a time is an
// error: such an input cannot be cut by time.
func ScanInput(opts Options) (*Scan, error) {
	opts.Trim = Trim{}
	s, err := open(opts, false)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	sc := &Scan{TimeBase: s.video.TimeBase(), PixFmt: s.video.CodecParameters().PixelFormat().Name()}
	if sc.Origin = s.fc.StartTime(); sc.Origin == astiav.NoPtsValue {
		sc.Origin = 0
	}
	type pkt struct {
		pts int64
		key bool
	}
	var pkts []pkt
	for {
		if err := s.readFrame(); err != nil {
			if errors.Is(err, astiav.ErrEof) {
				break
			}
			return nil, fmt.Errorf("scan %s: %w", opts.Input, s.readError(err))
		}
		if s.pkt.StreamIndex() == s.video.Index() && !s.pkt.Flags().Has(astiav.PacketFlagDiscard) {
			t := s.pkt.Pts()
			if t == astiav.NoPtsValue {
				t = s.pkt.Dts()
			}
			if t == astiav.NoPtsValue {
				s.pkt.Unref()
				return nil, fmt.Errorf("scan %s: video packet %d has no timestamp", opts.Input, len(pkts))
			}
			pkts = append(pkts, pkt{t, s.pkt.Flags().Has(astiav.PacketFlagKey)})
		}
		s.pkt.Unref()
	}
	if len(pkts) == 0 {
		return nil, fmt.Errorf("scan %s: the video stream has no frames", opts.Input)
	}
	slices.SortStableFunc(pkts, func(a, b pkt) int { return cmp.Compare(a.pts, b.pts) })
	for i, p := range pkts {
		if i > 0 && p.pts == pkts[i-1].pts {
			return nil, fmt.Errorf("scan %s: two video packets have time %d", opts.Input, p.pts)
		}
		sc.PTS = append(sc.PTS, p.pts)
		sc.Key = append(sc.Key, p.key)
	}
	return sc, nil
}
