package decode

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/asticode/go-astiav"

	"github.com/denoise-go/denoise/frame"
	"github.com/denoise-go/denoise/internal/av"
)

// Options say what to open and how.
type Options struct {
	// Input is a path, an image-sequence pattern (img_%04d.png), a URL, a device, or "-"
	// for standard input.
	Input string
	// Format forces FFmpeg's demuxer or device ("v4l2", "rawvideo", "image2", "yuv4mpegpipe").
	Format string
	// InputOptions are FFmpeg demuxer/protocol options (video_size, pixel_format, framerate,
	// rtsp_transport, …).
	InputOptions map[string]string
	// MemoryLimit refuses frames that need more bytes (decoded and as floats; 0: no limit).
	MemoryLimit int64
	// Threads is the decoder's thread count (0: FFmpeg chooses).
	Threads int
	// ReadTimeout ends the input when a read waits this long for data (0: never): the frames
	// read are still returned, then io.EOF, and Stall reports it.
	ReadTimeout time.Duration
	// Trim selects a piece of the input (-ss, -t, -to, -frames:v); zero reads it all.
	Trim   Trim
	Logger *slog.Logger
	// Strict stops at the first damage in the input with a *DamageError; without it damage
	// is decoded past and reported (see Damage).
	Strict bool
	// FirstIndex is the Index of the first frame handed out: where Trim cuts a piece out of
	// a longer stream that is processed piece by piece, the frames keep the numbers they
	// have in the whole stream.
	FirstIndex int64
}

// PacketHandler receives packets of the streams that are passed through; it must not keep p.
type PacketHandler func(p *astiav.Packet, in *astiav.Stream) error

// Source decodes the video stream of one input.
type Source struct {
	opts   Options
	fc     *astiav.FormatContext
	video  *astiav.Stream
	dec    *astiav.CodecContext
	pkt    *astiav.Packet
	avf    *astiav.Frame
	conv   *astiav.Frame // swscale target for pixel formats the working format cannot hold
	sws    *astiav.SoftwareScaleContext
	reader *av.Reader
	pf     av.PixFmt
	geom   frame.Geometry
	pool   *frame.Pool
	rate   astiav.Rational
	closer []func()
	guard  readGuard // interrupts blocked reads (interrupt.go)

	onPacket PacketHandler
	pending  []*astiav.Packet // passthrough packets read before a handler was set
	streams  []*astiav.Stream // the input's streams, listed once (the list allocates)
	first    *frame.Frame     // decoded by Open to learn the format
	index    int64
	eof      bool
	flushed  bool
	lastPTS  int64
	lastEnd  int64 // end time of the last frame, stream time base
	trim     trimState
	mu       sync.Mutex
	closed   bool
	dmg      damageState
}

// Open opens the input, finds its video stream, opens the decoder and decodes the first
// frame, so that Geometry is known before any output is created.
func Open(opts Options) (*Source, error) { return open(opts, true) }

// open is Open; without first, no frame is decoded (and Geometry is unknown): the source
// is only read packet by packet (Scan).
func open(opts Options, first bool) (_ *Source, err error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	s := &Source{opts: opts, pool: frame.NewPool(64), lastPTS: av.NoPTS}
	defer func() {
		if err != nil {
			s.Close()
			err = explainY4M(opts, err)
		}
	}()
	url, name := opts.Input, opts.Input
	if url == "-" {
		url, name = "pipe:0", "standard input"
	} else if !strings.Contains(url, "://") && opts.Format == "" && !strings.Contains(url, "%") && !strings.ContainsAny(url, "*?[") {
		if _, statErr := os.Stat(url); statErr != nil {
			return nil, fmt.Errorf("open %s: %w", name, unwrapPathErr(statErr))
		}
	}
	var ifmt *astiav.InputFormat
	if opts.Format != "" {
		if ifmt = astiav.FindInputFormat(opts.Format); ifmt == nil {
			return nil, fmt.Errorf("open %s: unknown input format %q (see `ffmpeg -formats` / `-devices`)", name, opts.Format)
		}
	}
	if err := checkRaw(opts, name); err != nil {
		return nil, err
	}
	if url != "pipe:0" && !strings.Contains(url, "://") && (opts.Format == "" || opts.Format == "image2") {
		// A folder of images, or a glob: read in name order through links numbered in that order.
		files, err := sequenceFiles(url)
		if err != nil {
			return nil, fmt.Errorf("open %s: %w", name, err)
		}
		if files != nil {
			dir, pattern, err := linkSequence(files)
			if err != nil {
				return nil, fmt.Errorf("open %s: %w", name, err)
			}
			s.closer = append(s.closer, func() { _ = os.RemoveAll(dir) }) // runs last
			s.dmg.seqGaps = sequenceGaps(files)
			url, ifmt = pattern, astiav.FindInputFormat("image2")
			opts.Logger.Info("image sequence, in name order", "input", name, "images", len(files),
				"first", filepath.Base(files[0]), "last", filepath.Base(files[len(files)-1]))
		}
	}
	dict := astiav.NewDictionary()
	defer dict.Free()
	for k, v := range opts.InputOptions {
		if err := dict.Set(k, v, 0); err != nil {
			return nil, fmt.Errorf("open %s: input option %s=%s: %w", name, k, v, err)
		}
	}
	if s.fc = astiav.AllocFormatContext(); s.fc == nil {
		return nil, errors.New("open: cannot allocate a format context")
	}
	if err := s.guardReads(url); err != nil {
		return nil, err
	}
	if err := s.fc.OpenInput(url, ifmt, dict); err != nil {
		s.fc.Free()
		s.fc = nil
		if opts.Format == "rawvideo" && errors.Is(err, errInval) {
			return nil, fmt.Errorf("open %s: FFmpeg's rawvideo demuxer refused -s %s -pix_fmt %s -r %s: -s takes WxH (or a name such as hd720), -pix_fmt a name from `ffmpeg -pix_fmts`, -r a rate such as 25 or 30000/1001",
				name, opts.InputOptions["video_size"], orDefault(opts.InputOptions["pixel_format"], "yuv420p"), orDefault(opts.InputOptions["framerate"], "25"))
		}
		return nil, fmt.Errorf("open %s: %w", name, s.describeOpen(err))
	}
	s.closer = append(s.closer, s.fc.CloseInput) // CloseInput frees the context too
	logRawDefaults(opts)
	if e := dict.Get("", nil, astiav.NewDictionaryFlags(astiav.DictionaryFlagIgnoreSuffix)); e != nil {
		return nil, fmt.Errorf("open %s: input option %q is not known to FFmpeg's %s demuxer", name, e.Key(), s.fc.InputFormat().Name())
	}
	if err := checkPictureHeader(url, opts.MemoryLimit); err != nil {
		return nil, fmt.Errorf("open %s: %w", name, err)
	}
	if err := s.fc.FindStreamInfo(nil); err != nil {
		return nil, fmt.Errorf("open %s: reading stream info: %w", name, s.describeOpen(err))
	}
	for _, st := range s.fc.Streams() {
		if st.CodecParameters().MediaType() == astiav.MediaTypeVideo && !isAttachedPic(st) {
			s.video = st
			break
		}
	}
	if s.video == nil {
		return nil, fmt.Errorf("open %s: no video stream", name)
	}
	cp := s.video.CodecParameters()
	if err := checkFrameMemory(cp, opts.MemoryLimit); err != nil {
		return nil, fmt.Errorf("open %s: %w", name, err)
	}
	codec := astiav.FindDecoder(cp.CodecID())
	if codec == nil {
		return nil, fmt.Errorf("open %s: no decoder for codec %s", name, cp.CodecID())
	}
	if s.dec = astiav.AllocCodecContext(codec); s.dec == nil {
		return nil, errors.New("open: cannot allocate a decoder")
	}
	s.closer = append(s.closer, s.dec.Free)
	if err := cp.ToCodecContext(s.dec); err != nil {
		return nil, fmt.Errorf("open %s: decoder parameters: %w", name, err)
	}
	s.rate = s.fc.GuessFrameRate(s.video, nil)
	s.dec.SetFramerate(s.rate)
	s.dec.SetTimeBase(s.video.TimeBase())
	s.dec.SetThreadCount(opts.Threads)
	if err := s.dec.Open(codec, nil); err != nil {
		return nil, fmt.Errorf("open %s: opening %s decoder: %w", name, codec.Name(), describe(err))
	}
	s.pkt = astiav.AllocPacket()
	s.closer = append(s.closer, s.pkt.Free)
	s.avf = astiav.AllocFrame()
	s.closer = append(s.closer, s.avf.Free)
	if err := s.startTrim(); err != nil {
		return nil, fmt.Errorf("open %s: %w", name, err)
	}
	if !first {
		return s, nil
	}
	f, err := s.decode(context.Background())
	if err == io.EOF {
		return nil, fmt.Errorf("open %s: the video stream has no frames", name)
	}
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", name, err)
	}
	s.first = f
	return s, nil
}

func isAttachedPic(st *astiav.Stream) bool {
	return st.CodecParameters().CodecID() == astiav.CodecIDMjpeg && st.NbFrames() == 1 && st.AvgFrameRate().Num() == 0
}

func unwrapPathErr(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// Geometry is the working format and size of the frames this source yields.
func (s *Source) Geometry() frame.Geometry { return s.geom }

// Stream facts the encoder needs.
func (s *Source) VideoStream() *astiav.Stream          { return s.video }
func (s *Source) FormatContext() *astiav.FormatContext { return s.fc }
func (s *Source) FrameRate() astiav.Rational           { return s.rate }
func (s *Source) Decoder() *astiav.CodecContext        { return s.dec }

// PixFmt is the source's pixel format as decoded (before any swscale conversion).
func (s *Source) PixFmt() string { return s.pf.Name }

// Live reports whether the input is a capture device or a network stream, which cannot
// be paused: the pipeline then runs in live mode. lavfi's sources are made on demand, as
// fast as they are read: not live.
func (s *Source) Live() bool {
	if s.fc.InputFormat() != nil {
		switch s.fc.InputFormat().Name() {
		case "video4linux2,v4l2", "x11grab", "kmsgrab", "fbdev", "alsa", "pulse", "avfoundation", "dshow", "gdigrab":
			return true
		}
	}
	for _, p := range []string{"rtsp://", "rtmp://", "udp://", "rtp://", "srt://", "tcp://"} {
		if strings.HasPrefix(s.opts.Input, p) {
			return true
		}
	}
	return false
}

// OnPacket sets where the packets of the other streams go. Packets read before it is set
// are kept and handed over on the next read.
func (s *Source) OnPacket(h PacketHandler) { s.onPacket = h }

// Next returns the next frame in presentation order, or io.EOF after the last.
func (s *Source) Next(ctx context.Context) (*frame.Frame, error) {
	s.watchContext(ctx)
	if f := s.first; f != nil {
		s.first = nil
		return f, nil
	}
	return s.decode(ctx)
}

func (s *Source) decode(ctx context.Context) (*frame.Frame, error) {
	for {
		if s.trim.done {
			return nil, io.EOF
		}
		err := s.dec.ReceiveFrame(s.avf)
		switch {
		case err == nil:
			if keep, stop := s.trimFrame(); !keep {
				s.avf.Unref()
				if stop {
					return nil, io.EOF
				}
				continue
			}
			f, cerr := s.convert()
			s.avf.Unref()
			return f, cerr
		case errors.Is(err, astiav.ErrEof):
			if err := s.endOfInput(); err != nil {
				return nil, err
			}
			return nil, io.EOF
		case !errors.Is(err, astiav.ErrEagain):
			if err := s.decodeError(err, nil, fmt.Sprintf("decoding frame %d", s.index)); err != nil {
				return nil, err
			}
			continue
		}
		if s.eof {
			if s.flushed {
				return nil, io.EOF
			}
			s.flushed = true
			if err := s.dec.SendPacket(nil); err != nil && !errors.Is(err, astiav.ErrEof) {
				if err := s.decodeError(err, nil, "flushing decoder"); err != nil {
					return nil, err
				}
			}
			continue
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if err := s.readPacket(); err != nil {
			return nil, err
		}
	}
}

// readPacket reads one packet: video goes to the decoder, other streams to the handler.
func (s *Source) readPacket() error {
	if err := s.readFrame(); err != nil {
		if errors.Is(err, astiav.ErrEof) {
			s.eof = true
			return nil
		}
		return s.readError(err)
	}
	defer s.pkt.Unref()
	if s.pkt.StreamIndex() == s.video.Index() {
		if err := s.checkPacket(s.pkt); err != nil {
			return err
		}
		if err := s.dec.SendPacket(s.pkt); err != nil {
			return s.decodeError(err, s.pkt, "decoding packet at "+s.timeString(s.pkt.Pts()))
		}
		return nil
	}
	in := s.stream(s.pkt.StreamIndex())
	if !s.trimPacket(s.pkt, in) {
		return nil
	}
	if s.onPacket == nil {
		s.pending = append(s.pending, s.pkt.Clone())
		return nil
	}
	for _, p := range s.pending {
		err := s.onPacket(p, s.stream(p.StreamIndex()))
		p.Free()
		if err != nil {
			return err
		}
	}
	s.pending = nil
	return s.onPacket(s.pkt, in)
}

// stream returns input stream i, listing the streams again only when a demuxer has added
// one since (MPEG-TS can), so that passing packets through does not allocate.
func (s *Source) stream(i int) *astiav.Stream {
	if i >= len(s.streams) {
		s.streams = s.fc.Streams()
	}
	return s.streams[i]
}

func (s *Source) timeString(pts int64) string {
	if pts == av.NoPTS {
		return "an unknown time"
	}
	tb := s.video.TimeBase()
	return fmt.Sprintf("%.3fs", float64(pts)*tb.Float64())
}

// convert turns the decoded AVFrame into a pooled working-format frame.
func (s *Source) convert() (*frame.Frame, error) {
	src := s.avf
	if s.reader == nil {
		if err := s.configure(src); err != nil {
			return nil, err
		}
	}
	if src.Width() != s.geom.W || src.Height() != s.geom.H || int(src.PixelFormat()) != s.pf.ID {
		return nil, fmt.Errorf("frame %d changes size or pixel format (%dx%d %s, was %s): not supported",
			s.index, src.Width(), src.Height(), src.PixelFormat().Name(), s.geom)
	}
	if s.sws != nil {
		if err := s.sws.ScaleFrame(src, s.conv); err != nil {
			return nil, fmt.Errorf("converting %s: %w", s.pf.Name, err)
		}
		src = s.conv
	}
	pts, dur := av.Timing(s.avf.UnsafePointer())
	if pts == av.NoPTS {
		pts = s.synthPTS()
	} else {
		pts -= s.trim.shift
	}
	if dur <= 0 {
		dur = s.frameDuration()
	}
	if err := s.checkFrame(pts, dur); err != nil {
		return nil, err
	}
	f := s.pool.Get(s.geom)
	s.reader.Read(src.UnsafePointer(), f)
	f.PTS, f.Duration, f.Index = pts, dur, s.opts.FirstIndex+s.index
	tb := s.video.TimeBase()
	f.TimeBase = frame.Rational{Num: tb.Num(), Den: tb.Den()}
	s.lastPTS = pts
	s.lastEnd = pts + dur
	s.index++
	return f, nil
}

func (s *Source) frameDuration() int64 {
	tb := s.video.TimeBase()
	if s.rate.Num() <= 0 || tb.Num() <= 0 {
		return 1
	}
	d := int64(tb.Den()) * int64(s.rate.Den()) / (int64(tb.Num()) * int64(s.rate.Num()))
	return max(d, 1)
}

func (s *Source) synthPTS() int64 {
	if s.lastPTS == av.NoPTS {
		return 0
	}
	return s.lastPTS + s.frameDuration()
}

// configure learns the pixel format from the first frame and sets up conversion.
func (s *Source) configure(src *astiav.Frame) error {
	id := int(src.PixelFormat())
	pf, err := av.Describe(id)
	if err != nil {
		// Not holdable directly: let swscale convert to the nearest format we hold.
		target := fallbackFormat(id)
		if pf, err = av.Describe(target); err != nil {
			return fmt.Errorf("pixel format %s: %w", av.PixFmtName(id), err)
		}
		s.sws, err = astiav.CreateSoftwareScaleContext(src.Width(), src.Height(), src.PixelFormat(),
			src.Width(), src.Height(), astiav.PixelFormat(target),
			astiav.NewSoftwareScaleContextFlags(astiav.SoftwareScaleContextFlagPoint))
		if err != nil {
			return fmt.Errorf("pixel format %s is not supported (no conversion to %s): %w", av.PixFmtName(id), pf.Name, err)
		}
		s.closer = append(s.closer, s.sws.Free)
		s.conv = astiav.AllocFrame()
		s.closer = append(s.closer, s.conv.Free)
		s.conv.SetWidth(src.Width())
		s.conv.SetHeight(src.Height())
		s.conv.SetPixelFormat(astiav.PixelFormat(target))
		if err := s.conv.AllocBuffer(0); err != nil {
			return err
		}
		s.opts.Logger.Info("converting pixel format", "from", av.PixFmtName(id), "to", pf.Name)
	}
	s.pf = pf
	s.pf.ID = id
	f := pf.Format
	av.Colour(src.UnsafePointer(), &f)
	if s.sws == nil {
		f.PixFmt = pf.Name
	}
	s.geom = frame.Geometry{Format: f, W: src.Width(), H: src.Height()}
	s.reader = av.NewReader(pf)
	return nil
}

// fallbackFormat is the working-format-friendly pixel format that swscale converts id to.
func fallbackFormat(id int) int {
	name := av.PixFmtName(id)
	switch {
	case strings.HasPrefix(name, "gray") || strings.HasPrefix(name, "mono"):
		if strings.Contains(name, "f32") || strings.Contains(name, "16") {
			return av.PixFmtID("gray16le")
		}
		return av.PixFmtID("gray")
	case strings.HasPrefix(name, "pal8"):
		return av.PixFmtID("rgba")
	case strings.Contains(name, "f32") || strings.Contains(name, "f16") || strings.Contains(name, "bayer"):
		return av.PixFmtID("rgb48le")
	default:
		return av.PixFmtID("rgb24")
	}
}

// Close releases everything FFmpeg allocated, in reverse order.
func (s *Source) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	s.closed = true
	if s.first != nil {
		s.first.Release()
		s.first = nil
	}
	for _, p := range s.pending {
		p.Free()
	}
	for i := len(s.closer) - 1; i >= 0; i-- {
		s.closer[i]()
	}
}

// EstimatedFrames is the number of frames the input is expected to hold, or 0 when unknown
// (live inputs, pipes).
func (s *Source) EstimatedFrames() int64 {
	n := s.video.NbFrames()
	if n <= 0 {
		if d := s.fc.Duration(); d > 0 && s.rate.Num() > 0 {
			n = int64(float64(d)/1e6*s.rate.Float64() + 0.5)
		}
	}
	return s.opts.Trim.estimate(n, s.rate.Float64())
}

// checkComplete compares where the video ended with the duration the container declares,
// so that a truncated file is reported as damage instead of passing for a short one.
func (s *Source) checkComplete() error {
	if s.index == 0 || s.Live() || s.opts.Input == "-" || !s.opts.Trim.IsZero() {
		return nil // a piece of the input ends where it was asked to
	}
	tb := s.video.TimeBase().Float64()
	declared := float64(s.video.Duration()) * tb
	start := float64(s.video.StartTime()) * tb
	if s.video.Duration() <= 0 {
		declared = float64(s.fc.Duration()) / 1e6
		start = float64(s.fc.StartTime()) / 1e6
	}
	if s.video.StartTime() == av.NoPTS || s.fc.StartTime() == av.NoPTS {
		start = 0
	}
	if declared <= 0 {
		return nil
	}
	got := float64(s.lastEnd)*tb - start
	// Matroska declares where the file ends, not how long it lasts: a video that starts
	// late (cut from a longer one, or -output_ts_offset) reaches its declared duration at
	// its last frame's end, not at its length.
	end := float64(s.lastEnd) * tb
	if fd := float64(s.frameDuration()) * tb; got < 0.9*declared-fd && end < 0.9*declared-fd {
		return s.damaged(av.NoPTS, av.NoPTS, 0, int64((declared-got)/fd+0.5),
			fmt.Sprintf("the input is truncated: its video ends at %.2fs but the file declares %.2fs", got, declared))
	}
	return nil
}
