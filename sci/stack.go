// Package sci opens multi-page TIFF (ImageJ hyperstacks), uncompressed DICOM and NIfTI-1 stacks as
// per-channel sequences of gray frames at their own bit depth, and writes them back with their metadata.
package sci

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/denoise-go/denoise/frame"
	"github.com/denoise-go/denoise/pipeline"
	"github.com/denoise-go/denoise/sci/dicom"
	"github.com/denoise-go/denoise/sci/nifti"
	"github.com/denoise-go/denoise/sci/sample"
	"github.com/denoise-go/denoise/sci/tiffstack"
)

// Format is a stack's file format.
type Format int

// The formats Open reads.
const (
	TIFF Format = iota + 1
	DICOM
	NIfTI
)

func (f Format) String() string {
	switch f {
	case TIFF:
		return "TIFF"
	case DICOM:
		return "DICOM"
	case NIfTI:
		return "NIfTI-1"
	}
	return "format(" + strconv.Itoa(int(f)) + ")"
}

// Field is one human-readable metadata item.
type Field struct{ Key, Value string }

// Stack is an opened image stack: Channels() channels of Len() gray Width×Height images each.
// Frames carry codes of Mapping.Bits bits scaled to [0,1]; Mapping says how stored samples
// relate to codes (identity for 8/16-bit unsigned data). The parsed file headers stay
// available in TIFF, DICOM or NIfTI.
type Stack struct {
	Path          string
	Format        Format
	Width, Height int
	// Slices and Frames split Len() as z and t where the format says so (ImageJ, NIfTI);
	// Slices·Frames = Len().
	Slices, Frames int
	Mapping        sample.Mapping
	FrameRate      frame.Rational // ImageJ fps/finterval, else 25/1
	Meta           []Field

	TIFF  *tiffstack.File
	DICOM *dicom.Series // a single file is a series of one
	NIfTI *nifti.Image  // header and extensions; Data is nil: slices are read as they are needed

	channels, n int
	dicomFile   bool // DICOM opened from a file, not a folder
	tiffPages   []int
	pageCh      int // TIFF: channels stored as separate pages (ImageJ), else 1
	samples     int // samples per pixel of the stored images
	frameStarts []int
	closer      io.Closer
	nii         *nifti.Reader // NIfTI: the slices, read as they are needed
}

// Channels is the number of channels; each is a sequence of its own.
func (s *Stack) Channels() int { return s.channels }

// Len is the number of images of each channel.
func (s *Stack) Len() int { return s.n }

// BitDepth is the bit depth of the frames (Mapping.Bits).
func (s *Stack) BitDepth() int { return s.Mapping.Bits }

// Get returns the value of a Meta key, "" when absent.
func (s *Stack) Get(key string) string {
	for _, f := range s.Meta {
		if f.Key == key {
			return f.Value
		}
	}
	return ""
}

func (s *Stack) String() string {
	return fmt.Sprintf("%s %s: %d channel(s) × %d images of %dx%d, %s", s.Format, filepath.Base(s.Path),
		s.channels, s.n, s.Width, s.Height, s.Mapping)
}

// Close releases the files the stack reads from.
func (s *Stack) Close() error {
	if s.closer != nil {
		return s.closer.Close()
	}
	return nil
}

func (s *Stack) add(k, v string) { s.Meta = append(s.Meta, Field{k, v}) }

// ErrUnknownFormat is returned by Open for files it does not recognise.
var ErrUnknownFormat = errors.New("sci: unknown format (not TIFF, DICOM Part 10 or NIfTI-1)")

// Open opens the TIFF, DICOM or NIfTI-1 file at path, recognised by its magic bytes, or the
// DICOM series in the folder path, with no memory limit.
func Open(path string) (*Stack, error) { return OpenWith(path, OpenOptions{}) }

// OpenWith opens a stack as Open does. With a MemoryLimit, a stack whose single page, frame
// or slice needs more (as stored, as frames and as written) is refused before any of its
// pixels are read, with a *memlimit.Error.
func OpenWith(path string, o OpenOptions) (*Stack, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		ser, err := dicom.OpenSeries(path)
		if err != nil {
			return nil, err
		}
		s, err := fromDICOM(path, ser, false)
		if err == nil {
			err = s.CheckMemory(1, o.MemoryLimit)
		}
		if err != nil {
			ser.Close()
			return nil, err
		}
		return s, nil
	}
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	head := make([]byte, 512)
	n, _ := io.ReadFull(fh, head)
	head = head[:n]
	switch {
	case tiffstack.IsTIFF(head):
		s, err := openTIFF(path, fh, st.Size(), o)
		if err != nil {
			fh.Close()
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return s, nil
	case dicom.IsDICOM(head):
		f, err := dicom.Parse(fh, st.Size())
		if err != nil {
			fh.Close()
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		ser := &dicom.Series{Dir: filepath.Dir(path), Names: []string{filepath.Base(path)}, Files: []*dicom.File{f}}
		s, err := fromDICOM(path, ser, true)
		if err == nil {
			err = s.CheckMemory(1, o.MemoryLimit)
		}
		if err != nil {
			fh.Close()
			return nil, err
		}
		s.closer = fh
		return s, nil
	case nifti.IsGzip(head) || nifti.IsNIfTI(head):
		fh.Close()
		r, err := nifti.OpenReader(path)
		if err != nil {
			return nil, err
		}
		s, err := fromNIfTI(path, r, o)
		if err != nil {
			r.Close()
			return nil, err
		}
		return s, nil
	}
	fh.Close()
	return nil, fmt.Errorf("%s: %w", path, ErrUnknownFormat)
}

func openTIFF(path string, fh *os.File, size int64, o OpenOptions) (*Stack, error) {
	f, err := tiffstack.Open(fh, size)
	if err != nil {
		return nil, err
	}
	s := &Stack{Path: path, Format: TIFF, TIFF: f, closer: fh, FrameRate: frame.Rational{Num: 25, Den: 1}}
	// The stack is every full-resolution page like the first one.
	p0 := f.Pages[0]
	for i, p := range f.Pages {
		if p.SubfileType&1 != 0 {
			continue // reduced-resolution copy (thumbnail, pyramid level)
		}
		if p.Width != p0.Width || p.Height != p0.Height || p.Samples != p0.Samples || p.DType != p0.DType {
			return nil, fmt.Errorf("sci: page %d is %dx%dx%d %s, page 0 %dx%dx%d %s: not a stack",
				i, p.Width, p.Height, p.Samples, p.DType, p0.Width, p0.Height, p0.Samples, p0.DType)
		}
		s.tiffPages = append(s.tiffPages, i)
	}
	s.Width, s.Height, s.samples = p0.Width, p0.Height, p0.Samples
	pages := len(s.tiffPages)
	s.pageCh = 1
	ij := f.ImageJ
	if ij != nil && p0.Samples == 1 && ij.Channels > 1 && pages%ij.Channels == 0 {
		s.pageCh = ij.Channels
	}
	s.channels = s.samples * s.pageCh
	s.n = pages / s.pageCh
	s.Slices, s.Frames = 1, s.n
	if ij != nil && ij.Slices*ij.Frames == s.n {
		s.Slices, s.Frames = ij.Slices, ij.Frames
	}
	if err := s.CheckMemory(1, o.MemoryLimit); err != nil {
		return nil, err
	}
	// Mapping: fixed for 8/16-bit integers, from the data otherwise.
	var stats *sample.Stats
	if !sample.Fixed(p0.DType) {
		stats = &sample.Stats{}
		var buf []byte
		for _, i := range s.tiffPages {
			if buf, err = f.ReadPage(i, buf); err != nil {
				return nil, err
			}
			stats.Add(p0.DType, buf)
		}
	}
	s.Mapping = sample.Choose(p0.DType, stats)

	order := "little-endian"
	if f.ByteOrder.String() == "BigEndian" {
		order = "big-endian"
	}
	s.add("tiff.byte_order", order)
	s.add("tiff.pages", strconv.Itoa(len(f.Pages)))
	s.add("tiff.sample", fmt.Sprintf("%d × %s", p0.Samples, p0.DType))
	s.add("tiff.compression", tiffstack.CompressionName(p0.Compression))
	s.add("tiff.photometric", strconv.Itoa(p0.Photometric))
	if n, d, ok := p0.Rational(tiffstack.TagXResolution); ok && d != 0 {
		s.add("tiff.x_resolution", strconv.FormatFloat(float64(n)/float64(d), 'g', -1, 64))
	}
	if n, d, ok := p0.Rational(tiffstack.TagYResolution); ok && d != 0 {
		s.add("tiff.y_resolution", strconv.FormatFloat(float64(n)/float64(d), 'g', -1, 64))
	}
	if u := p0.Uint(tiffstack.TagResolutionUnit, 0); u != 0 {
		s.add("tiff.resolution_unit", strconv.Itoa(u))
	}
	if ij != nil {
		for _, kv := range ij.Fields {
			s.add("imagej."+kv[0], kv[1])
		}
		if v, err := strconv.ParseFloat(ij.Get("fps"), 64); err == nil && v > 0 && v < 1e6 {
			s.FrameRate = rational(v)
		} else if v, err := strconv.ParseFloat(ij.Get("finterval"), 64); err == nil && v > 1e-6 {
			s.FrameRate = rational(1 / v)
		}
	} else if p0.Description != "" {
		s.add("tiff.description", p0.Description)
	}
	if sw := p0.String(tiffstack.TagSoftware); sw != "" {
		s.add("tiff.software", sw)
	}
	s.add("mapping", s.Mapping.String())
	return s, nil
}

// rational approximates a positive rate as n/1000.
func rational(v float64) frame.Rational {
	if v == float64(int(v)) {
		return frame.Rational{Num: int(v), Den: 1}
	}
	return frame.Rational{Num: int(v*1000 + 0.5), Den: 1000}
}

func fromDICOM(path string, ser *dicom.Series, single bool) (*Stack, error) {
	f0 := ser.Files[0]
	im := &f0.Image
	s := &Stack{Path: path, Format: DICOM, DICOM: ser, dicomFile: single, closer: ser,
		Width: im.Columns, Height: im.Rows, samples: im.Samples, channels: im.Samples, pageCh: 1,
		FrameRate: frame.Rational{Num: 25, Den: 1}}
	for _, f := range ser.Files {
		s.frameStarts = append(s.frameStarts, s.n)
		s.n += f.Image.Frames
	}
	s.Slices, s.Frames = s.n, 1
	s.Mapping = sample.Integer(im.DType(), max(im.BitsStored, 8))
	s.add("dicom.transfer_syntax", f0.TransferSyntax+" ("+dicom.SyntaxName(f0.TransferSyntax)+")")
	s.add("dicom.files", strconv.Itoa(len(ser.Files)))
	s.add("dicom.modality", im.Modality)
	s.add("dicom.sop_class_uid", im.SOPClassUID)
	s.add("dicom.series_instance_uid", im.SeriesInstanceUID)
	s.add("dicom.photometric", im.Photometric)
	s.add("dicom.bits", fmt.Sprintf("%d stored of %d allocated, %s", im.BitsStored, im.BitsAllocated,
		map[bool]string{false: "unsigned", true: "signed"}[im.Signed]))
	if im.HasRescale {
		s.add("dicom.rescale_slope", strconv.FormatFloat(im.RescaleSlope, 'g', -1, 64))
		s.add("dicom.rescale_intercept", strconv.FormatFloat(im.RescaleIntercept, 'g', -1, 64))
	}
	if e := f0.Get(dicom.T(0x0028, 0x0030)); e != nil {
		s.add("dicom.pixel_spacing", e.String())
	}
	if len(ser.Skipped) > 0 {
		s.add("dicom.skipped", strings.Join(ser.Skipped, ", "))
	}
	s.add("mapping", s.Mapping.String())
	return s, nil
}

func fromNIfTI(path string, r *nifti.Reader, o OpenOptions) (*Stack, error) {
	im := &r.Image
	s := &Stack{Path: path, Format: NIfTI, NIfTI: im, nii: r, closer: r, Width: im.NX(), Height: im.NY(),
		Slices: im.NZ(), Frames: im.NT(), n: im.Slices(), channels: 1, samples: 1, pageCh: 1,
		FrameRate: frame.Rational{Num: 25, Den: 1}}
	if err := s.CheckMemory(1, o.MemoryLimit); err != nil {
		return nil, err
	}
	var stats *sample.Stats
	if !sample.Fixed(im.DType) {
		// The mapping needs the range of the data: a first pass over the slices.
		stats = &sample.Stats{}
		var buf []byte
		for i := range s.n {
			var err error
			if buf, err = r.ReadSlice(i, buf); err != nil {
				return nil, err
			}
			stats.Add(im.DType, buf)
		}
	}
	s.Mapping = sample.Choose(im.DType, stats)
	s.add("nifti.datatype", fmt.Sprintf("%d (%s)", im.Datatype, im.DType))
	s.add("nifti.dim", fmt.Sprint(im.Dim[:im.Dim[0]+1]))
	s.add("nifti.pixdim", fmt.Sprint(im.Pixdim[1:im.Dim[0]+1]))
	s.add("nifti.scl_slope", strconv.FormatFloat(im.SclSlope, 'g', -1, 64))
	s.add("nifti.scl_inter", strconv.FormatFloat(im.SclInter, 'g', -1, 64))
	s.add("nifti.descrip", im.Descrip)
	s.add("nifti.qform_code", strconv.Itoa(im.QformCode))
	s.add("nifti.sform_code", strconv.Itoa(im.SformCode))
	s.add("mapping", s.Mapping.String())
	return s, nil
}

// locate returns the stored image holding image i of channel c, and the sample of it.
func (s *Stack) locate(c, i int) (unit, smp int) {
	switch s.Format {
	case TIFF:
		return s.tiffPages[i*s.pageCh+c/s.samples], c % s.samples
	}
	return i, c
}

// raw returns the little-endian stored samples of the image holding (c, i), read into buf,
// with the index of the channel's first sample and the sample stride.
func (s *Stack) raw(c, i int, buf []byte) (data []byte, first, stride int, err error) {
	unit, smp := s.locate(c, i)
	switch s.Format {
	case TIFF:
		data, err = s.TIFF.ReadPage(unit, buf)
	case DICOM:
		k := s.fileOf(i)
		data, err = s.DICOM.Files[k].ReadFrame(i-s.frameStarts[k], buf)
	case NIfTI:
		data, err = s.nii.ReadSlice(i, buf)
	}
	return data, smp, s.samples, err
}

// fileOf returns the DICOM file holding image i.
func (s *Stack) fileOf(i int) int {
	k := len(s.frameStarts) - 1
	for k > 0 && s.frameStarts[k] > i {
		k--
	}
	return k
}

// Geometry is the geometry of the stack's frames.
func (s *Stack) Geometry() frame.Geometry {
	return frame.Geometry{Format: frame.Format{Layout: frame.Gray, BitDepth: s.Mapping.Bits,
		PixFmt: pixFmt(s.Mapping.Bits), ColorRange: 2}, W: s.Width, H: s.Height}
}

func pixFmt(bits int) string {
	switch bits {
	case 8:
		return "gray"
	case 9, 10, 12, 14, 16:
		return "gray" + strconv.Itoa(bits) + "le"
	}
	return ""
}

// ReadFrame fills dst (of the stack's Geometry) with image i of channel c; buf is scratch
// space that may be reused between calls and is returned.
func (s *Stack) ReadFrame(c, i int, dst *frame.Frame, buf []byte) ([]byte, error) {
	if c < 0 || c >= s.channels || i < 0 || i >= s.n {
		return buf, fmt.Errorf("sci: image %d of channel %d out of %d×%d", i, c, s.channels, s.n)
	}
	if dst.W != s.Width || dst.H != s.Height || len(dst.Planes) < 1 {
		return buf, fmt.Errorf("sci: frame %dx%d for a %dx%d stack", dst.W, dst.H, s.Width, s.Height)
	}
	data, first, stride, err := s.raw(c, i, buf)
	if err != nil {
		return buf, err
	}
	buf = data
	p := &dst.Planes[0]
	for y := 0; y < s.Height; y++ {
		s.Mapping.ToUnit(data, first+y*s.Width*stride, stride, p.Row(y))
	}
	dst.Index, dst.PTS, dst.Duration = int64(i), int64(i), 1
	dst.TimeBase = frame.Rational{Num: s.FrameRate.Den, Den: s.FrameRate.Num}
	dst.Key = s.key(c, i)
	return buf, nil
}

func (s *Stack) key(c, i int) string {
	switch s.Format {
	case DICOM:
		k := s.fileOf(i)
		return fmt.Sprintf("%s#%d/c%d", s.DICOM.Names[k], i-s.frameStarts[k], c)
	case NIfTI:
		return fmt.Sprintf("z%d/t%d", i%s.Slices, i/s.Slices)
	}
	unit, _ := s.locate(c, i)
	return fmt.Sprintf("page%d/c%d", unit, c)
}

// Sequence yields the images of one channel (or of all channels, channel after channel) as
// frames; it is a pipeline.Source. Sequences of one stack may run concurrently.
type Sequence struct {
	s      *Stack
	c      int // -1: all channels
	next   int
	pool   *frame.Pool
	buf    []byte
	frames int
}

var _ pipeline.Source = (*Sequence)(nil)

// Channel returns a Sequence over channel c.
func (s *Stack) Channel(c int) *Sequence {
	return &Sequence{s: s, c: c, pool: frame.NewPool(8), frames: s.n}
}

// All returns a Sequence over every image: channel 0's, then channel 1's, and so on (the
// order Writer.Write expects).
func (s *Stack) All() *Sequence {
	return &Sequence{s: s, c: -1, pool: frame.NewPool(8), frames: s.n * s.channels}
}

// Len is the number of frames the sequence yields in all.
func (q *Sequence) Len() int { return q.frames }

// Next returns the next frame, or io.EOF after the last.
func (q *Sequence) Next(ctx context.Context) (*frame.Frame, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if q.next >= q.frames {
		return nil, io.EOF
	}
	c, i := q.c, q.next
	if c < 0 {
		c, i = q.next/q.s.n, q.next%q.s.n
	}
	if c < 0 || c >= q.s.channels {
		return nil, fmt.Errorf("sci: no channel %d (the stack has %d)", c, q.s.channels)
	}
	f := q.pool.Get(q.s.Geometry())
	var err error
	if q.buf, err = q.s.ReadFrame(c, i, f, q.buf); err != nil {
		f.Release()
		return nil, err
	}
	if q.c < 0 {
		f.Index, f.PTS = int64(q.next), int64(q.next)
	}
	q.next++
	return f, nil
}
