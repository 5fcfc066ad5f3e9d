package sci

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/denoise-go/denoise/frame"
	"github.com/denoise-go/denoise/pipeline"
	"github.com/denoise-go/denoise/sci/dicom"
	"github.com/denoise-go/denoise/sci/nifti"
	"github.com/denoise-go/denoise/sci/sample"
	"github.com/denoise-go/denoise/sci/tiffstack"
)

// Options tune Create.
type Options struct {
	// Description is the DICOM DerivationDescription (dicom.DefaultDescription when empty);
	// it also enters the derived SOP Instance UIDs.
	Description string
}

// Option sets an Options field.
type Option func(*Options)

// WithDescription sets Options.Description.
func WithDescription(s string) Option { return func(o *Options) { o.Description = s } }

// Writer writes frames into a new file (or DICOM folder) shaped like a Stack. It is a
// pipeline.Sink taking the frames of every channel in turn (the order of Stack.All), and
// Channel(c) gives a Sink per channel for per-channel pipeline runs. Frames are matched to
// images by arrival order. The output is complete after Close (or after every channel sink
// is closed); images never written are zero and make Close report an error.
type Writer struct {
	path     string
	like     *Stack
	mapping  sample.Mapping
	format   Format
	channels int
	n        int
	opts     Options

	mu      sync.Mutex
	count   []int  // frames written per channel
	all     int    // frames written through Write
	open    []bool // channel sinks not yet closed
	closed  bool
	pending map[int]*pendingUnit
	err     error

	tw      *tiffstack.Writer
	tfile   *os.File
	tpages  int // pages per stored image in the TIFF output (channels as pages)
	generic bool
	nw      *nifti.Writer // NIfTI output: slices are written as they come, in order
	niiBuf  []byte
}

type pendingUnit struct {
	data []byte
	have int
}

var _ pipeline.Sink = (*Writer)(nil)

// Create makes a writer of path for frames shaped like the stack like. When path names the
// same kind of file as like (a DICOM folder for a DICOM series), the output keeps like's
// metadata: TIFF tags and ImageJ description; DICOM elements with a new derived SOP Instance
// UID; the NIfTI header and extensions. Pixels are written in like's stored type through
// like.Mapping, so codes read from like come back bit-identical. A .tif/.tiff path for a
// DICOM or NIfTI stack gets a plain ImageJ TIFF of the codes (8- or 16-bit).
func Create(path string, like *Stack, opts ...Option) (*Writer, error) {
	if like == nil {
		return nil, errors.New("sci: Create needs a stack to take the shape from")
	}
	w := &Writer{path: path, like: like, mapping: like.Mapping, format: like.Format, channels: like.channels,
		n: like.n, count: make([]int, like.channels), open: make([]bool, like.channels), pending: map[int]*pendingUnit{}}
	for i := range w.open {
		w.open[i] = true
	}
	for _, o := range opts {
		o(&w.opts)
	}
	ext := strings.ToLower(filepath.Ext(path))
	isTIFF := ext == ".tif" || ext == ".tiff"
	var err error
	switch {
	case like.Format == TIFF && isTIFF:
		err = w.createTIFF(false)
	case like.Format != TIFF && isTIFF:
		err = w.createTIFF(true)
	case like.Format == NIfTI && (ext == ".nii" || strings.HasSuffix(strings.ToLower(path), ".nii.gz")):
		w.nw, err = nifti.Create(path, like.NIfTI)
	case like.Format == DICOM && !like.dicomFile:
		err = os.MkdirAll(path, 0o755)
	case like.Format == DICOM && (ext == ".dcm" || ext == ""):
	default:
		return nil, fmt.Errorf("sci: cannot write a %s stack to %s (same format, or .tif/.tiff, is written)", like.Format, path)
	}
	if err != nil {
		return nil, err
	}
	return w, nil
}

func (w *Writer) createTIFF(generic bool) error {
	like := w.like
	cfg := tiffstack.WriterConfig{Width: like.Width, Height: like.Height}
	if !generic {
		p0 := like.TIFF.Pages[like.tiffPages[0]]
		cfg.ByteOrder, cfg.Samples, cfg.DType, cfg.Pages = like.TIFF.ByteOrder, p0.Samples, p0.DType, len(like.tiffPages)
		cfg.Tags = func(i int) []tiffstack.Tag {
			p := like.TIFF.Pages[like.tiffPages[i]]
			if !p.Synthetic() {
				return p.Tags
			}
			var tags []tiffstack.Tag // ImageJ's contiguous pages: page 0's tags, less its metadata
			for _, t := range like.TIFF.Pages[0].Tags {
				if t.Code != tiffstack.TagImageDescription && t.Code != tiffstack.TagIJMetadata && t.Code != tiffstack.TagIJMetadataByteCounts {
					tags = append(tags, t)
				}
			}
			return tags
		}
		w.tpages = like.pageCh
	} else {
		// Channels as pages in ImageJ order (channel fastest), codes as 8- or 16-bit integers.
		dt := sample.Uint16
		if like.Mapping.Bits <= 8 {
			dt = sample.Uint8
		}
		w.mapping = sample.Mapping{DType: dt, Bits: like.Mapping.Bits, Scale: 1, Exact: true}
		w.generic, w.tpages = true, like.channels
		cfg.ByteOrder, cfg.Samples, cfg.DType, cfg.Pages = binary.LittleEndian, 1, dt, like.channels*like.n
		desc := tiffstack.Description(like.channels, like.Slices, like.Frames,
			[2]string{"min", "0"}, [2]string{"max", strconv.Itoa(1<<like.Mapping.Bits - 1)})
		if like.channels > 1 {
			desc += "mode=grayscale\n"
		}
		o := binary.LittleEndian
		tags := []tiffstack.Tag{tiffstack.ASCII(tiffstack.TagImageDescription, desc),
			tiffstack.ASCII(tiffstack.TagSoftware, "denoise-go sci"), tiffstack.Shorts(o, tiffstack.TagPhotometric, 1)}
		cfg.Tags = func(i int) []tiffstack.Tag {
			if i == 0 {
				return tags
			}
			return tags[2:]
		}
	}
	f, err := os.OpenFile(w.path, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if w.tw, err = tiffstack.NewWriter(f, cfg); err != nil {
		f.Close()
		return err
	}
	w.tfile = f
	return nil
}

// Channel returns a Sink for channel c: its frames are the channel's images in order, and its
// Close marks the channel done (the file is finished once every channel is).
func (w *Writer) Channel(c int) pipeline.Sink { return &channelSink{w: w, c: c} }

type channelSink struct {
	w    *Writer
	c    int
	once sync.Once
}

func (s *channelSink) Write(f *frame.Frame) error {
	s.w.mu.Lock()
	defer s.w.mu.Unlock()
	defer f.Release()
	if s.c < 0 || s.c >= s.w.channels {
		return fmt.Errorf("sci: no channel %d (the stack has %d)", s.c, s.w.channels)
	}
	return s.w.put(s.c, f)
}

func (s *channelSink) Close() error {
	var err error
	s.once.Do(func() {
		s.w.mu.Lock()
		s.w.open[s.c] = false
		done := true
		for _, o := range s.w.open {
			done = done && !o
		}
		s.w.mu.Unlock()
		if done {
			err = s.w.Close()
		}
	})
	return err
}

// Write takes the next frame in Stack.All order (channel after channel).
func (w *Writer) Write(f *frame.Frame) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	defer f.Release()
	c := w.all / w.n
	if c >= w.channels {
		return fmt.Errorf("sci: frame %d written to a stack of %d×%d images", w.all+1, w.channels, w.n)
	}
	w.all++
	return w.put(c, f)
}

// put stores the next image of channel c (w.mu held).
func (w *Writer) put(c int, f *frame.Frame) error {
	if w.closed {
		return errors.New("sci: write after Close")
	}
	if w.err != nil {
		return w.err
	}
	i := w.count[c]
	if i >= w.n {
		return fmt.Errorf("sci: image %d written to channel %d of %d images", i+1, c, w.n)
	}
	if f.W != w.like.Width || f.H != w.like.Height || len(f.Planes) < 1 {
		return fmt.Errorf("sci: %dx%d frame for a %dx%d stack", f.W, f.H, w.like.Width, w.like.Height)
	}
	w.count[c]++
	err := w.store(c, i, &f.Planes[0])
	if err != nil {
		w.err = err
	}
	return err
}

// unitOf says where image i of channel c goes: the output unit (TIFF page, DICOM file,
// NIfTI slice), the sample within it and the samples per pixel.
func (w *Writer) unitOf(c, i int) (unit, smp, spp int) {
	like := w.like
	switch {
	case w.generic:
		return i*like.channels + c, 0, 1
	case like.Format == TIFF:
		return i*like.pageCh + c/like.samples, c % like.samples, like.samples
	case like.Format == DICOM:
		return like.fileOf(i), c, like.samples
	}
	return i, 0, 1
}

func (w *Writer) unitBytes(unit int) int {
	like := w.like
	switch {
	case w.generic:
		return like.Width * like.Height * w.mapping.DType.Size()
	case like.Format == DICOM:
		im := &like.DICOM.Files[unit].Image
		return im.FrameBytes() * im.Frames
	}
	return like.Width * like.Height * like.samples * w.mapping.DType.Size()
}

// unitImages is how many (channel, image) pairs fill a unit.
func (w *Writer) unitImages(unit int) int {
	like := w.like
	switch {
	case w.generic || like.Format == NIfTI:
		return 1
	case like.Format == DICOM:
		return like.DICOM.Files[unit].Image.Frames * like.samples
	}
	return like.samples
}

func (w *Writer) store(c, i int, p *frame.Plane) error {
	like := w.like
	unit, smp, spp := w.unitOf(c, i)
	if like.Format == NIfTI && !w.generic {
		if i != w.nw.Next() {
			return fmt.Errorf("sci: slice %d written after slice %d", i, w.nw.Next()-1)
		}
		sb := like.NIfTI.SliceBytes()
		if cap(w.niiBuf) < sb {
			w.niiBuf = make([]byte, sb)
		}
		dst := w.niiBuf[:sb]
		for y := 0; y < like.Height; y++ {
			w.mapping.FromUnit(p.Row(y), dst, y*like.Width, 1)
		}
		return w.nw.WriteSlice(dst)
	}
	u := w.pending[unit]
	if u == nil {
		u = &pendingUnit{data: make([]byte, w.unitBytes(unit))}
		w.pending[unit] = u
	}
	base := 0
	if like.Format == DICOM && !w.generic {
		im := &like.DICOM.Files[unit].Image
		base = (i - like.frameStarts[unit]) * im.Rows * im.Columns * spp
	}
	for y := 0; y < like.Height; y++ {
		w.mapping.FromUnit(p.Row(y), u.data, base+(y*like.Width)*spp+smp, spp)
	}
	u.have++
	if u.have < w.unitImages(unit) {
		return nil
	}
	delete(w.pending, unit)
	return w.flush(unit, u.data)
}

// flush writes a complete unit.
func (w *Writer) flush(unit int, data []byte) error {
	if w.tw != nil {
		return w.tw.WritePage(unit, data)
	}
	like := w.like
	f := like.DICOM.Files[unit]
	path := w.path
	if !like.dicomFile {
		path = filepath.Join(w.path, like.DICOM.Names[unit])
	}
	return dicom.WriteDerived(path, f, data, w.opts.Description)
}

// Close writes what is still pending (incomplete images as zeros) and finishes the file. It
// reports frames missing from any channel.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return nil
	}
	w.closed = true
	var errs []error
	if w.err != nil {
		errs = append(errs, w.err)
	}
	for c, k := range w.count {
		if k < w.n {
			errs = append(errs, fmt.Errorf("sci: channel %d got %d of %d images; the rest are written as zeros", c, k, w.n))
		}
	}
	like := w.like
	switch {
	case w.tw != nil:
		for unit, u := range w.pending {
			errs = append(errs, w.tw.WritePage(unit, u.data))
		}
		errs = append(errs, w.tw.Close(), w.tfile.Close())
	case like.Format == NIfTI:
		errs = append(errs, w.nw.Close())
	case like.Format == DICOM:
		// Files with missing images are written too, zeros in place of what never came.
		for unit := range like.DICOM.Files {
			if u, ok := w.pending[unit]; ok {
				errs = append(errs, w.flush(unit, u.data))
			} else if w.missingUnit(unit) {
				errs = append(errs, w.flush(unit, make([]byte, w.unitBytes(unit))))
			}
		}
	}
	w.pending = nil
	return errors.Join(errs...)
}

// missingUnit reports a DICOM file none of whose images were written.
func (w *Writer) missingUnit(unit int) bool {
	start := w.like.frameStarts[unit]
	for _, k := range w.count {
		if k > start {
			return false
		}
	}
	return true
}
