package encode

import (
	"time"

	"github.com/asticode/go-astiav"
)

// FlushEvery is how often a running job pushes what the muxer holds to the output, so
// that a job killed outright (SIGKILL, a crash, power) leaves a file that plays up to about
// a second before the end: Matroska and WebM close the cluster in progress, fragmented MP4
// the fragment in progress, and the output's buffer is written out. Without it Matroska
// holds up to 5 s (or 5 MB) of video in memory and FFmpeg's output buffer another 32 KB,
// which at low bitrates is the whole recording.
const FlushEvery = 500 * time.Millisecond

// liveMovFlags make an MP4 or MOV output of a live job fragmented: a plain MP4 is
// unreadable until its index (moov) is written at the end, so a killed recording would be
// lost whole. File jobs keep the plain layout, which every player and editor takes.
const liveMovFlags = "frag_keyframe+empty_moov+default_base_moof"

// flusher is the goroutine that flushes the muxer every FlushEvery.
type flusher struct {
	stop chan struct{}
	done chan struct{}
}

// liveMuxerOptions sets the muxer options a live job needs, before the user's (which win).
func (s *Sink) liveMuxerOptions(mux *astiav.Dictionary) {
	if !s.opts.Live {
		return
	}
	switch s.fc.OutputFormat().Name() {
	case "mp4", "mov", "ipod", "ismv", "3gp", "3g2", "psp", "f4v":
		if _, given := s.opts.MuxerOptions["movflags"]; !given {
			_ = mux.Set("movflags", liveMovFlags, 0)
			s.log.Info("live output: fragmented MP4, playable up to the last second if the job is killed", "movflags", liveMovFlags)
		}
	}
}

// startFlushing starts the flusher once the header is written; outputs without a file
// (image sequences) have nothing to flush.
func (s *Sink) startFlushing() {
	if s.fc.OutputFormat().Flags().Has(astiav.IOFormatFlagNofile) {
		return
	}
	f := &s.flush
	f.stop, f.done = make(chan struct{}), make(chan struct{})
	go func() {
		defer close(f.done)
		t := time.NewTicker(FlushEvery)
		defer t.Stop()
		for {
			select {
			case <-f.stop:
				return
			case <-t.C:
				s.flushOutput()
			}
		}
	}()
}

// stopFlushing stops the flusher and waits for it; the trailer follows.
func (s *Sink) stopFlushing() {
	if f := &s.flush; f.stop != nil {
		close(f.stop)
		<-f.done
		f.stop = nil
	}
}

// flushOutput hands the muxer's buffered packets to the output and writes them out. It
// costs nothing when nothing was written since the last time.
func (s *Sink) flushOutput() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	if s.fc.OutputFormat().Flags().Has(astiav.IOFormatFlagAllowFlush) {
		if err := s.fc.WriteFrame(nil); err != nil {
			s.log.Debug("flushing the muxer", "err", err)
		}
	}
	if pb := s.fc.Pb(); pb != nil {
		pb.Flush()
	}
}
