package encode

import (
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"

	"github.com/asticode/go-astiav"

	"github.com/denoise-go/denoise/decode"
	"github.com/denoise-go/denoise/frame"
	"github.com/denoise-go/denoise/internal/av"
)

// Sink encodes frames and muxes them with the source's passed-through streams.
type Sink struct {
	opts   Options
	log    *slog.Logger
	fc     *astiav.FormatContext
	enc    *astiav.CodecContext
	out    *astiav.Stream
	stage  *astiav.Frame // the source's pixel format, filled from the working format
	encf   *astiav.Frame // the encoder's pixel format when it differs
	sws    *astiav.SoftwareScaleContext
	writer *av.Writer
	pkt    *astiav.Packet
	geom   frame.Geometry
	srcTB  astiav.Rational
	// copied maps input stream index → output stream for passthrough.
	copied map[int]*astiav.Stream
	closer []func()
	flush  flusher // flush.go

	mu      sync.Mutex // the muxer is shared by the sink and the demuxer's passthrough
	header  bool
	closed  bool
	written int64
}

// Open creates the output for src's video (and its other streams). Call Preflight first.
func Open(opts Options, src *decode.Source) (_ *Sink, err error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.CRF < 0 {
		opts.CRF = DefaultCRF
	}
	s := &Sink{opts: opts, log: opts.Logger, geom: src.Geometry(), srcTB: src.VideoStream().TimeBase(), copied: map[int]*astiav.Stream{}}
	defer func() {
		if err != nil {
			s.free()
		}
	}()
	url, format := opts.Output, opts.Format
	if url == "-" {
		url = "pipe:1"
		if format == "" {
			format = "yuv4mpegpipe"
		}
	}
	if s.fc, err = astiav.AllocOutputFormatContext(nil, format, url); err != nil || s.fc == nil {
		s.fc = nil
		if format != "" {
			return nil, fmt.Errorf("output format %q is not known to FFmpeg", format)
		}
		return nil, fmt.Errorf("cannot tell the output format from the name %s (give -f FORMAT)", opts.Output)
	}
	s.closer = append(s.closer, s.fc.Free)
	if err := s.openVideo(src); err != nil {
		return nil, err
	}
	s.addPassthrough(src)
	if !s.fc.OutputFormat().Flags().Has(astiav.IOFormatFlagNofile) {
		ioc, err := astiav.OpenIOContext(url, astiav.NewIOContextFlags(astiav.IOContextFlagWrite))
		if err != nil {
			return nil, fmt.Errorf("create %s: %w", opts.Output, err)
		}
		s.closer = append(s.closer, func() { _ = ioc.Close() })
		s.fc.SetPb(ioc)
	}
	mux := astiav.NewDictionary()
	defer mux.Free()
	if s.fc.OutputFormat().Name() == "image2" && !IsPattern(opts.Output) {
		_ = mux.Set("update", "1", 0) // one file, rewritten per frame: a single image
	}
	if s.fc.OutputFormat().Name() == "yuv4mpegpipe" {
		// FFmpeg's Y4M muxer writes more than 8 bits (the C420p10 … tags that FFmpeg, x264 and
		// mpv read) only when told the format may go beyond the standard's.
		_ = mux.Set("strict", "unofficial", 0)
	}
	s.liveMuxerOptions(mux)
	for k, v := range opts.MuxerOptions {
		_ = mux.Set(k, v, 0)
	}
	if err := s.fc.WriteHeader(mux); err != nil {
		return nil, fmt.Errorf("writing %s header: %w", s.fc.OutputFormat().Name(), err)
	}
	s.header = true
	s.pkt = astiav.AllocPacket()
	s.closer = append(s.closer, s.pkt.Free)
	s.startFlushing()
	return s, nil
}

// chooseCodec picks the video encoder: the one asked for, else the container's usual one,
// unless that would lose bit depth, where a lossless or deeper codec is taken.
func (s *Sink) chooseCodec(srcPF int) (*astiav.Codec, error) {
	if s.opts.Codec != "" {
		c := astiav.FindEncoderByName(s.opts.Codec)
		if c == nil || c.ID() == astiav.CodecIDNone {
			return nil, fmt.Errorf("video codec %q: no such encoder in this FFmpeg", s.opts.Codec)
		}
		return c, nil
	}
	name := s.fc.OutputFormat().Name()
	ext := strings.ToLower(s.opts.Output[strings.LastIndexByte(s.opts.Output, '.')+1:])
	var pick []string
	switch {
	case name == "image2" || name == "image2pipe":
		switch ext {
		case "tif", "tiff":
			pick = []string{"tiff"}
		case "png":
			pick = []string{"png"}
		}
	case name == "yuv4mpegpipe":
		pick = []string{"wrapped_avframe"}
	case strings.Contains(name, "matroska"), name == "nut", name == "avi":
		pick = []string{"libx264", "ffv1"}
	case name == "mp4", name == "mov":
		pick = []string{"libx264", "libx265"}
	}
	for _, n := range pick {
		c := astiav.FindEncoderByName(n)
		if c == nil {
			continue
		}
		if pfs := c.PixelFormats(); len(pfs) > 0 {
			cands := make([]int, len(pfs))
			for i, p := range pfs {
				cands[i] = int(p)
			}
			if _, loses := av.BestPixFmt(cands, srcPF, s.geom.Format.Alpha); loses && n != pick[len(pick)-1] {
				continue
			}
		}
		return c, nil
	}
	c := astiav.FindEncoder(astiav.CodecID(av.DefaultVideoCodec(av.CPtr(s.fc))))
	if c == nil {
		return nil, fmt.Errorf("no video encoder for the %s container (give -c:v)", name)
	}
	return c, nil
}

func (s *Sink) openVideo(src *decode.Source) error {
	g := s.geom
	srcPF := av.PixFmtID(g.Format.PixFmt)
	pf, err := av.Describe(srcPF)
	if err != nil {
		return fmt.Errorf("working format %s: %w", g.Format.PixFmt, err)
	}
	codec, err := s.chooseCodec(srcPF)
	if err != nil {
		return err
	}
	encPF := srcPF
	if s.opts.PixFmt != "" {
		if encPF = av.PixFmtID(s.opts.PixFmt); encPF < 0 {
			return fmt.Errorf("pixel format %q is not known to FFmpeg", s.opts.PixFmt)
		}
	}
	if pfs := codec.PixelFormats(); len(pfs) > 0 {
		cands := make([]int, len(pfs))
		ok := false
		for i, p := range pfs {
			cands[i] = int(p)
			ok = ok || int(p) == encPF
		}
		if !ok {
			if s.opts.PixFmt != "" {
				return fmt.Errorf("codec %s cannot encode pixel format %s", codec.Name(), s.opts.PixFmt)
			}
			best, loses := av.BestPixFmt(cands, srcPF, g.Format.Alpha)
			if loses {
				s.log.Warn("codec cannot keep the source's bit depth", "codec", codec.Name(), "source", g.Format.PixFmt, "using", av.PixFmtName(best))
			}
			encPF = best
		}
	}
	if encPF, err = s.fitOddSize(codec, encPF, srcPF); err != nil {
		return err
	}
	if s.enc = astiav.AllocCodecContext(codec); s.enc == nil {
		return errors.New("cannot allocate the video encoder")
	}
	s.closer = append(s.closer, s.enc.Free)
	tb := s.srcTB
	if tb.Num() <= 0 || tb.Den() <= 0 {
		r := src.FrameRate()
		tb = astiav.NewRational(r.Den(), r.Num())
	}
	s.enc.SetWidth(g.W)
	s.enc.SetHeight(g.H)
	s.enc.SetPixelFormat(astiav.PixelFormat(encPF))
	s.enc.SetTimeBase(tb)
	if r := src.FrameRate(); r.Num() > 0 {
		s.enc.SetFramerate(r)
	}
	s.enc.SetSampleAspectRatio(src.VideoStream().CodecParameters().SampleAspectRatio())
	s.enc.SetThreadCount(s.opts.Threads)
	if s.opts.Codec == "" && codec.Name() == "wrapped_avframe" {
		s.enc.SetStrictStdCompliance(astiav.StrictStdComplianceUnofficial) // y4m beyond 8-bit
	}
	if s.fc.OutputFormat().Flags().Has(astiav.IOFormatFlagGlobalheader) {
		s.enc.SetFlags(s.enc.Flags().Add(astiav.CodecContextFlagGlobalHeader))
	}
	av.SetCodecColour(av.CPtr(s.enc), g.Format)
	dict := astiav.NewDictionary()
	defer dict.Free()
	if n := codec.Name(); n == "libx264" || n == "libx265" {
		_ = dict.Set("crf", fmt.Sprint(s.opts.CRF), 0)
		if n == "libx265" {
			_ = dict.Set("x265-params", "log-level=error", 0)
		}
	}
	if codec.Name() == "ffv1" {
		_ = dict.Set("level", "3", 0) // multithreaded slices, CRCs
	}
	for k, v := range s.opts.EncoderOptions {
		_ = dict.Set(k, v, 0)
	}
	if err := s.enc.Open(codec, dict); err != nil {
		return fmt.Errorf("opening %s encoder (%dx%d %s): %w", codec.Name(), g.W, g.H, av.PixFmtName(encPF), err)
	}
	var prev *astiav.DictionaryEntry
	for {
		e := dict.Get("", prev, astiav.NewDictionaryFlags(astiav.DictionaryFlagIgnoreSuffix))
		if e == nil {
			break
		}
		if !slices.Contains(s.opts.PresetEncoderOptions, e.Key()) {
			return fmt.Errorf("encoder option %q is not known to %s", e.Key(), codec.Name())
		}
		s.log.Info("the preset's encoder option does not apply to this encoder: skipped", "option", e.Key()+"="+e.Value(), "encoder", codec.Name())
		prev = e
	}
	if s.out = s.fc.NewStream(nil); s.out == nil {
		return errors.New("cannot add the video stream")
	}
	if err := s.out.CodecParameters().FromCodecContext(s.enc); err != nil {
		return err
	}
	s.out.SetTimeBase(tb)
	s.out.SetAvgFrameRate(src.FrameRate())

	s.stage = astiav.AllocFrame()
	s.closer = append(s.closer, s.stage.Free)
	s.stage.SetWidth(g.W)
	s.stage.SetHeight(g.H)
	s.stage.SetPixelFormat(astiav.PixelFormat(srcPF))
	if err := s.stage.AllocBuffer(0); err != nil {
		return fmt.Errorf("allocating a %dx%d %s picture: %w", g.W, g.H, g.Format.PixFmt, err)
	}
	s.writer = av.NewWriter(pf)
	if encPF != srcPF {
		s.sws, err = astiav.CreateSoftwareScaleContext(g.W, g.H, astiav.PixelFormat(srcPF), g.W, g.H, astiav.PixelFormat(encPF),
			astiav.NewSoftwareScaleContextFlags(astiav.SoftwareScaleContextFlagBicubic))
		if err != nil {
			return fmt.Errorf("no conversion from %s to %s: %w", g.Format.PixFmt, av.PixFmtName(encPF), err)
		}
		s.closer = append(s.closer, s.sws.Free)
		s.encf = astiav.AllocFrame()
		s.closer = append(s.closer, s.encf.Free)
		s.encf.SetWidth(g.W)
		s.encf.SetHeight(g.H)
		s.encf.SetPixelFormat(astiav.PixelFormat(encPF))
		if err := s.encf.AllocBuffer(0); err != nil {
			return err
		}
	}
	s.log.Debug("video encoder", "codec", codec.Name(), "pix_fmt", av.PixFmtName(encPF), "size", fmt.Sprintf("%dx%d", g.W, g.H))
	return nil
}

// addPassthrough adds an output stream for every audio and subtitle stream of the input
// that the container can hold; streams it cannot hold are named in a warning, not lost silently.
func (s *Sink) addPassthrough(src *decode.Source) {
	for _, in := range src.FormatContext().Streams() {
		if in.Index() == src.VideoStream().Index() {
			continue
		}
		cp := in.CodecParameters()
		mt := cp.MediaType()
		if mt != astiav.MediaTypeAudio && mt != astiav.MediaTypeSubtitle {
			continue
		}
		if !av.MuxerTakes(av.CPtr(s.fc), int(cp.CodecID())) {
			s.log.Warn("stream not copied: the output container cannot hold it",
				"stream", in.Index(), "codec", cp.CodecID().String(), "container", s.fc.OutputFormat().Name())
			continue
		}
		out := s.fc.NewStream(nil)
		if out == nil {
			continue
		}
		if err := cp.Copy(out.CodecParameters()); err != nil {
			s.log.Warn("stream not copied", "stream", in.Index(), "error", err)
			continue
		}
		out.CodecParameters().SetCodecTag(0)
		out.SetTimeBase(in.TimeBase())
		s.copied[in.Index()] = out
	}
}

// Passthrough is the decode.PacketHandler that copies the source's other streams.
func (s *Sink) Passthrough(p *astiav.Packet, in *astiav.Stream) error {
	out, ok := s.copied[in.Index()]
	if !ok {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	p.SetStreamIndex(out.Index())
	p.RescaleTs(in.TimeBase(), out.TimeBase())
	p.SetPos(-1)
	if err := s.fc.WriteInterleavedFrame(p); err != nil {
		return fmt.Errorf("writing %s packet: %w", in.CodecParameters().MediaType(), err)
	}
	return nil
}

// Write encodes one frame and releases it: as soon as its picture is in FFmpeg's frame,
// before the encoder runs, so that the stage before can have it back from its pool.
func (s *Sink) Write(f *frame.Frame) error {
	index := f.Index
	pic, err := s.take(f)
	if err != nil {
		return err
	}
	if err := s.enc.SendFrame(pic); err != nil {
		return fmt.Errorf("encoding frame %d: %w", index, err)
	}
	s.written++
	return s.drain()
}

// take converts f into the encoder's picture, stamps it and releases f.
func (s *Sink) take(f *frame.Frame) (*astiav.Frame, error) {
	defer f.Release()
	if f.Geometry() != s.geom {
		return nil, fmt.Errorf("frame %d is %s, the output was opened for %s", f.Index, f.Geometry(), s.geom)
	}
	if err := av.MakeWritable(s.stage.UnsafePointer()); err != nil {
		return nil, err
	}
	s.writer.Write(f, s.stage.UnsafePointer())
	pic := s.stage
	if s.sws != nil {
		if err := av.MakeWritable(s.encf.UnsafePointer()); err != nil {
			return nil, err
		}
		if err := s.sws.ScaleFrame(s.stage, s.encf); err != nil {
			return nil, fmt.Errorf("converting to %s: %w", s.encf.PixelFormat().Name(), err)
		}
		pic = s.encf
	}
	av.SetColour(pic.UnsafePointer(), f.Format)
	pic.SetPts(astiav.RescaleQ(f.PTS, astiav.NewRational(f.TimeBase.Num, f.TimeBase.Den), s.enc.TimeBase()))
	pic.SetPictureType(astiav.PictureTypeNone)
	return pic, nil
}

// drain writes every packet the encoder has ready.
func (s *Sink) drain() error {
	for {
		err := s.enc.ReceivePacket(s.pkt)
		if errors.Is(err, astiav.ErrEagain) || errors.Is(err, astiav.ErrEof) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("encoding: %w", err)
		}
		s.pkt.SetStreamIndex(s.out.Index())
		s.pkt.RescaleTs(s.enc.TimeBase(), s.out.TimeBase())
		s.mu.Lock()
		err = s.fc.WriteInterleavedFrame(s.pkt)
		s.mu.Unlock()
		if err != nil {
			return fmt.Errorf("writing video packet: %w", err)
		}
	}
}

// Frames is the number of frames handed to the encoder.
func (s *Sink) Frames() int64 { return s.written }

// Close flushes the encoder and writes the trailer, whatever happened before, so that the
// output is valid; it reports the first error it meets.
func (s *Sink) Close() error {
	var first error
	s.stopFlushing()
	if s.header && !s.closed {
		if err := s.enc.SendFrame(nil); err == nil {
			first = s.drain()
		}
		s.mu.Lock()
		if err := s.fc.WriteTrailer(); err != nil && first == nil {
			first = fmt.Errorf("writing trailer: %w", err)
		}
		s.closed = true
		s.mu.Unlock()
	}
	s.free()
	return first
}

func (s *Sink) free() {
	for i := len(s.closer) - 1; i >= 0; i-- {
		s.closer[i]()
	}
	s.closer = nil
}
