package tiffstack

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"

	"github.com/denoise-go/denoise/sci/sample"
)

// WriterConfig describes the uncompressed stack a Writer produces.
type WriterConfig struct {
	ByteOrder              binary.ByteOrder // nil: little-endian
	Width, Height, Samples int
	DType                  sample.DType
	Pages                  int
	// Tags, when set, returns the tags to copy into page i's IFD (typically the source page's
	// Tags, in ByteOrder). The writer drops the tags that describe the pixel layout, which it
	// sets itself, and those that point elsewhere into a source file (sub-IFDs, Exif).
	Tags func(i int) []Tag
}

// Writer writes a multi-page TIFF whose layout is fixed up front: header and every IFD
// first, then the pages' pixel data one after another in page order, one strip a page. Pages
// may be written in any order; Close fills the pages never written with zeros.
type Writer struct {
	w        io.WriterAt
	cfg      WriterConfig
	dataOff  int64
	pageSize int64
	written  []bool
	buf      []byte
}

// dropped are the tags a Writer sets itself or cannot carry over.
var dropped = map[uint16]bool{
	TagImageWidth: true, TagImageLength: true, TagBitsPerSample: true, TagCompression: true,
	TagStripOffsets: true, TagSamplesPerPixel: true, TagRowsPerStrip: true, TagStripByteCounts: true,
	TagPlanarConfiguration: true, TagPredictor: true, TagTileWidth: true, TagTileLength: true,
	TagTileOffsets: true, TagTileByteCounts: true, TagSampleFormat: true, TagSubIFDs: true,
	TagJPEGTables: true, TagExifIFD: true, TagGPSIFD: true, TagInteropIFD: true, TagFillOrder: true,
}

// NewWriter writes the header and all IFDs of the stack described by cfg to w.
func NewWriter(w io.WriterAt, cfg WriterConfig) (*Writer, error) {
	if cfg.ByteOrder == nil {
		cfg.ByteOrder = binary.LittleEndian
	}
	o := cfg.ByteOrder
	ss := cfg.DType.Size()
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Samples <= 0 || cfg.Samples > MaxSamples || cfg.Pages <= 0 || ss == 0 {
		return nil, fmt.Errorf("tiffstack: cannot write %d pages of %dx%dx%d %s", cfg.Pages, cfg.Width, cfg.Height, cfg.Samples, cfg.DType)
	}
	pageSize := int64(cfg.Width) * int64(cfg.Height) * int64(cfg.Samples) * int64(ss)
	sf := uint16(1)
	switch {
	case cfg.DType.IsFloat():
		sf = 3
	case cfg.DType.IsSigned():
		sf = 2
	}
	ifds := make([][]Tag, cfg.Pages)
	for i := range ifds {
		var tags []Tag
		if cfg.Tags != nil {
			for _, t := range cfg.Tags(i) {
				if !dropped[t.Code] && t.Type != TypeIFD && int(t.Type) < len(typeSize) && t.Type != 0 &&
					len(t.Value) == int(t.Count)*typeSize[t.Type] {
					tags = append(tags, t)
				}
			}
		}
		bits := make([]uint16, cfg.Samples)
		sfs := make([]uint16, cfg.Samples)
		for k := range bits {
			bits[k], sfs[k] = uint16(8*ss), sf
		}
		tags = append(tags,
			Longs(o, TagImageWidth, uint32(cfg.Width)),
			Longs(o, TagImageLength, uint32(cfg.Height)),
			Shorts(o, TagBitsPerSample, bits...),
			Shorts(o, TagCompression, CompressionNone),
			Longs(o, TagStripOffsets, 0), // patched below
			Shorts(o, TagSamplesPerPixel, uint16(cfg.Samples)),
			Longs(o, TagRowsPerStrip, uint32(cfg.Height)),
			Longs(o, TagStripByteCounts, uint32(min(pageSize, math.MaxUint32))),
		)
		if cfg.Samples > 1 {
			tags = append(tags, Shorts(o, TagPlanarConfiguration, 1))
		}
		if sf != 1 {
			tags = append(tags, Shorts(o, TagSampleFormat, sfs...))
		}
		if !hasTag(tags, TagPhotometric) {
			ph := uint16(1)
			if cfg.Samples == 3 || cfg.Samples == 4 {
				ph = 2
			}
			tags = append(tags, Shorts(o, TagPhotometric, ph))
		}
		sort.SliceStable(tags, func(a, b int) bool { return tags[a].Code < tags[b].Code })
		ifds[i] = dedupe(tags)
	}
	// Lay out: header, then each IFD followed by its out-of-line values, then the pixel data.
	pos := int64(8)
	ifdPos := make([]int64, cfg.Pages)
	for i, tags := range ifds {
		pos += pos & 1
		ifdPos[i] = pos
		pos += 2 + 12*int64(len(tags)) + 4
		for _, t := range tags {
			if n := int64(len(t.Value)); n > 4 {
				pos += pos & 1
				pos += n
			}
		}
	}
	dataOff := (pos + 15) &^ 15
	end := dataOff + pageSize*int64(cfg.Pages)
	if end > math.MaxUint32 {
		return nil, fmt.Errorf("tiffstack: %d bytes do not fit a classic TIFF (4 GiB); BigTIFF is not written", end)
	}
	meta := make([]byte, dataOff)
	copy(meta, "II*\x00")
	if o == binary.BigEndian {
		copy(meta, "MM\x00*")
	}
	o.PutUint32(meta[4:], uint32(ifdPos[0]))
	for i, tags := range ifds {
		p := ifdPos[i]
		o.PutUint16(meta[p:], uint16(len(tags)))
		vals := p + 2 + 12*int64(len(tags)) + 4
		for k, t := range tags {
			e := meta[p+2+12*int64(k):]
			if t.Code == TagStripOffsets {
				t = Longs(o, TagStripOffsets, uint32(dataOff+int64(i)*pageSize))
			}
			o.PutUint16(e, t.Code)
			o.PutUint16(e[2:], t.Type)
			o.PutUint32(e[4:], t.Count)
			if len(t.Value) <= 4 {
				copy(e[8:12], t.Value)
				continue
			}
			vals += vals & 1
			o.PutUint32(e[8:], uint32(vals))
			vals += int64(copy(meta[vals:], t.Value))
		}
		next := uint32(0)
		if i+1 < len(ifds) {
			next = uint32(ifdPos[i+1])
		}
		o.PutUint32(meta[p+2+12*int64(len(tags)):], next)
	}
	if _, err := w.WriteAt(meta, 0); err != nil {
		return nil, err
	}
	return &Writer{w: w, cfg: cfg, dataOff: dataOff, pageSize: pageSize, written: make([]bool, cfg.Pages)}, nil
}

func hasTag(tags []Tag, code uint16) bool {
	for _, t := range tags {
		if t.Code == code {
			return true
		}
	}
	return false
}

// dedupe keeps the last of tags with equal codes (sorted input).
func dedupe(tags []Tag) []Tag {
	out := tags[:0]
	for _, t := range tags {
		if n := len(out); n > 0 && out[n-1].Code == t.Code {
			out[n-1] = t
			continue
		}
		out = append(out, t)
	}
	return out
}

// WritePage writes page i from data laid out as ReadPage returns it (little-endian, samples
// of a pixel together).
func (w *Writer) WritePage(i int, data []byte) error {
	if i < 0 || i >= len(w.written) {
		return fmt.Errorf("tiffstack: page %d of %d", i, len(w.written))
	}
	if int64(len(data)) != w.pageSize {
		return fmt.Errorf("tiffstack: page of %d bytes, want %d", len(data), w.pageSize)
	}
	if w.cfg.ByteOrder == binary.BigEndian && w.cfg.DType.Size() > 1 {
		w.buf = append(w.buf[:0], data...)
		w.cfg.DType.Swap(w.buf)
		data = w.buf
	}
	if _, err := w.w.WriteAt(data, w.dataOff+int64(i)*w.pageSize); err != nil {
		return err
	}
	w.written[i] = true
	return nil
}

// Missing is the number of pages not written yet.
func (w *Writer) Missing() int {
	n := 0
	for _, ok := range w.written {
		if !ok {
			n++
		}
	}
	return n
}

// Close writes zeros for the pages never written, so the file is complete. It does not
// close the underlying writer.
func (w *Writer) Close() error {
	var zero []byte
	var errs []error
	for i, ok := range w.written {
		if !ok {
			if zero == nil {
				zero = make([]byte, w.pageSize)
			}
			if err := w.WritePage(i, zero); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// Shorts makes a SHORT tag.
func Shorts(o binary.ByteOrder, code uint16, v ...uint16) Tag {
	b := make([]byte, 2*len(v))
	for i, x := range v {
		o.PutUint16(b[2*i:], x)
	}
	return Tag{Code: code, Type: TypeShort, Count: uint32(len(v)), Value: b}
}

// Longs makes a LONG tag.
func Longs(o binary.ByteOrder, code uint16, v ...uint32) Tag {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		o.PutUint32(b[4*i:], x)
	}
	return Tag{Code: code, Type: TypeLong, Count: uint32(len(v)), Value: b}
}

// Rational makes a one-value RATIONAL tag.
func Rational(o binary.ByteOrder, code uint16, num, den uint32) Tag {
	b := make([]byte, 8)
	o.PutUint32(b, num)
	o.PutUint32(b[4:], den)
	return Tag{Code: code, Type: TypeRational, Count: 1, Value: b}
}

// ASCII makes an ASCII tag (NUL-terminated).
func ASCII(code uint16, s string) Tag {
	b := append([]byte(s), 0)
	return Tag{Code: code, Type: TypeASCII, Count: uint32(len(b)), Value: b}
}
