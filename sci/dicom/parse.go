package dicom

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
)

// cursor reads a ReaderAt sequentially through a window buffer.
type cursor struct {
	r        io.ReaderAt
	size     int64
	pos      int64
	win      []byte
	winStart int64
}

const window = 64 << 10

// peek returns the n bytes at the cursor without consuming them (valid until the next call).
func (c *cursor) peek(n int64) ([]byte, error) {
	if n < 0 || n > c.size-c.pos {
		return nil, formatErr("%d bytes needed at offset %d of a %d-byte file", n, c.pos, c.size)
	}
	if c.pos >= c.winStart && c.pos+n <= c.winStart+int64(len(c.win)) {
		o := c.pos - c.winStart
		return c.win[o : o+n], nil
	}
	if n > window {
		b := make([]byte, n)
		if _, err := c.r.ReadAt(b, c.pos); err != nil && err != io.EOF {
			return nil, err
		}
		return b, nil
	}
	m := min(int64(window), c.size-c.pos)
	if cap(c.win) < window {
		c.win = make([]byte, window)
	}
	c.win = c.win[:m]
	if k, err := c.r.ReadAt(c.win, c.pos); int64(k) < m {
		if err == nil {
			err = io.ErrUnexpectedEOF
		}
		return nil, fmt.Errorf("dicom: read at %d: %w", c.pos, err)
	}
	c.winStart = c.pos
	return c.win[:n], nil
}

func (c *cursor) next(n int64) ([]byte, error) {
	b, err := c.peek(n)
	if err == nil {
		c.pos += n
	}
	return b, err
}

func (c *cursor) skip(n int64) error {
	if n < 0 || n > c.size-c.pos {
		return formatErr("value of %d bytes at offset %d runs past the end of the file", n, c.pos)
	}
	c.pos += n
	return nil
}

// span returns a copy of the file bytes [from, to).
func (c *cursor) span(from, to int64) ([]byte, error) {
	b := make([]byte, to-from)
	if _, err := c.r.ReadAt(b, from); err != nil && !(err == io.EOF && len(b) == 0) {
		return nil, fmt.Errorf("dicom: read at %d: %w", from, err)
	}
	return b, nil
}

// vrLong lists the explicit VRs with a reserved field and a 32-bit length.
var vrLong = map[string]bool{"OB": true, "OD": true, "OF": true, "OL": true, "OV": true, "OW": true,
	"SQ": true, "SV": true, "UC": true, "UN": true, "UR": true, "UT": true, "UV": true}

// header reads an element header: tag, VR (explicit only) and value length.
func (c *cursor) header(implicit bool) (t Tag, vr string, length uint32, err error) {
	b, err := c.next(8)
	if err != nil {
		return 0, "", 0, err
	}
	le := binary.LittleEndian
	t = T(le.Uint16(b), le.Uint16(b[2:]))
	if implicit || t.Group() == 0xFFFE {
		return t, "", le.Uint32(b[4:]), nil
	}
	vr = string(b[4:6])
	if vr[0] < 'A' || vr[0] > 'Z' || vr[1] < 'A' || vr[1] > 'Z' {
		return 0, "", 0, formatErr("element %v at offset %d has no valid VR (%q)", t, c.pos-8, vr)
	}
	if !vrLong[vr] {
		return t, vr, uint32(le.Uint16(b[6:])), nil
	}
	b, err = c.next(4)
	if err != nil {
		return 0, "", 0, err
	}
	return t, vr, le.Uint32(b), nil
}

// skipSequence consumes the items of an undefined-length sequence (or encapsulated pixel
// data) up to and including its delimiter.
func (c *cursor) skipSequence(implicit bool, depth int) error {
	if depth > MaxDepth {
		return formatErr("sequences nested more than %d deep", MaxDepth)
	}
	for {
		t, _, n, err := c.header(true)
		if err != nil {
			return err
		}
		switch t {
		case tagSeqDelim:
			return nil
		case tagItem:
			if n != undefinedLength {
				if err := c.skip(int64(n)); err != nil {
					return err
				}
				continue
			}
			if err := c.skipItem(implicit, depth+1); err != nil {
				return err
			}
		default:
			return formatErr("element %v inside a sequence at offset %d", t, c.pos-8)
		}
	}
}

// skipItem consumes the elements of an undefined-length item up to its delimiter.
func (c *cursor) skipItem(implicit bool, depth int) error {
	for {
		t, vr, n, err := c.header(implicit)
		if err != nil {
			return err
		}
		if t == tagItemDelim {
			return nil
		}
		if t.Group() == 0xFFFE {
			return formatErr("item tag %v inside an item at offset %d", t, c.pos-8)
		}
		if n == undefinedLength {
			if err := c.skipSequence(implicit || vr == "UN", depth+1); err != nil {
				return err
			}
			continue
		}
		if err := c.skip(int64(n)); err != nil {
			return err
		}
	}
}

// Parse reads a DICOM Part 10 file of size bytes: preamble, file meta information and every
// top-level element except the pixel data, which ReadFrame reads. It refuses compressed
// transfer syntaxes and pixel formats it does not read.
func Parse(r io.ReaderAt, size int64) (*File, error) {
	c := &cursor{r: r, size: size}
	b, err := c.next(132)
	if err != nil || string(b[128:]) != "DICM" {
		return nil, formatErr("not a DICOM Part 10 file (no \"DICM\" after the 128-byte preamble)")
	}
	f := &File{Preamble: append([]byte(nil), b[:128]...), r: r, pixelIndex: -1}
	headerBytes := int64(0)
	// File meta information: explicit VR little endian, group 0002.
	for {
		b, err := c.peek(2)
		if err != nil || binary.LittleEndian.Uint16(b) != 2 {
			break
		}
		start := c.pos
		t, vr, n, err := c.header(false)
		if err != nil {
			return nil, err
		}
		if n == undefinedLength || vr == "" {
			return nil, formatErr("file meta element %v with undefined length", t)
		}
		if err := c.skip(int64(n)); err != nil {
			return nil, err
		}
		if headerBytes += c.pos - start; headerBytes > MaxHeaderBytes {
			return nil, unsupported("header larger than %d bytes", MaxHeaderBytes)
		}
		raw, err := c.span(start, c.pos)
		if err != nil {
			return nil, err
		}
		f.Meta = append(f.Meta, Element{Tag: t, VR: vr, Raw: raw, Value: raw[int64(len(raw))-int64(n):]})
	}
	ts := f.Get(TagTransferSyntaxUID)
	if ts == nil {
		return nil, formatErr("no transfer syntax UID (0002,0010) in the file meta information")
	}
	f.TransferSyntax = ts.String()
	switch f.TransferSyntax {
	case ImplicitVRLittleEndian:
		f.Implicit = true
	case ExplicitVRLittleEndian:
	default:
		name := SyntaxName(f.TransferSyntax)
		if name == "" {
			name = "unknown"
		}
		return nil, unsupported("transfer syntax %s (%s): only uncompressed Implicit VR Little Endian and Explicit VR Little Endian are read", f.TransferSyntax, name)
	}
	// Data set.
	for c.pos < size {
		if size-c.pos < 8 && f.pixelIndex >= 0 {
			break // stray padding after the pixel data
		}
		start := c.pos
		t, vr, n, err := c.header(f.Implicit)
		if err != nil {
			return nil, err
		}
		if t.Group() == 0xFFFE || t.Group() == 2 {
			return nil, formatErr("unexpected %v at top level, offset %d", t, start)
		}
		if t == TagFloatPixelData || t == TagDoubleFloatPixelData {
			return nil, unsupported("float pixel data %v", t)
		}
		if t == TagPixelData {
			if n == undefinedLength {
				return nil, formatErr("encapsulated (compressed) pixel data in an uncompressed transfer syntax")
			}
			if f.pixelIndex >= 0 {
				return nil, formatErr("two pixel data elements")
			}
			f.pixelOff, f.pixelLen = c.pos, int64(n)
			if err := c.skip(int64(n)); err != nil {
				return nil, err
			}
			raw, err := c.span(start, f.pixelOff)
			if err != nil {
				return nil, err
			}
			f.pixelIndex = len(f.Elements)
			f.Elements = append(f.Elements, Element{Tag: t, VR: vr, Raw: raw})
			continue
		}
		valueStart := c.pos
		if n == undefinedLength {
			if !f.Implicit && vr != "SQ" && vr != "UN" {
				return nil, formatErr("element %v (%s) with undefined length", t, vr)
			}
			if err := c.skipSequence(f.Implicit || vr == "UN", 1); err != nil {
				return nil, fmt.Errorf("%w, in %v", err, t)
			}
		} else if err := c.skip(int64(n)); err != nil {
			return nil, fmt.Errorf("%w, in %v", err, t)
		}
		if headerBytes += c.pos - start; headerBytes > MaxHeaderBytes {
			return nil, unsupported("header larger than %d bytes", MaxHeaderBytes)
		}
		raw, err := c.span(start, c.pos)
		if err != nil {
			return nil, err
		}
		e := Element{Tag: t, VR: vr, Raw: raw}
		if n != undefinedLength {
			e.Value = raw[valueStart-start:]
		}
		f.Elements = append(f.Elements, e)
	}
	if f.pixelIndex < 0 {
		return nil, formatErr("no pixel data (7FE0,0010)")
	}
	if err := f.parseImage(); err != nil {
		return nil, err
	}
	return f, nil
}

func (f *File) us(t Tag, def int) (int, error) {
	e := f.Get(t)
	if e == nil {
		if def < 0 {
			return 0, formatErr("missing %v", t)
		}
		return def, nil
	}
	v, ok := e.Uint16()
	if !ok {
		return 0, formatErr("bad US value in %v", t)
	}
	return v, nil
}

func (f *File) parseImage() error {
	im := &f.Image
	var err error
	for _, p := range []struct {
		dst *int
		tag Tag
		def int
	}{
		{&im.Rows, TagRows, -1}, {&im.Columns, TagColumns, -1}, {&im.Samples, TagSamplesPerPixel, 1},
		{&im.Planar, TagPlanarConfiguration, 0}, {&im.BitsAllocated, TagBitsAllocated, -1},
	} {
		if *p.dst, err = f.us(p.tag, p.def); err != nil {
			return err
		}
	}
	if im.BitsStored, err = f.us(TagBitsStored, im.BitsAllocated); err != nil {
		return err
	}
	highBit, err := f.us(TagHighBit, im.BitsStored-1)
	if err != nil {
		return err
	}
	pr, err := f.us(TagPixelRepresentation, 0)
	if err != nil {
		return err
	}
	im.Signed = pr == 1
	im.Photometric = f.Get(TagPhotometricInterpretation).String()
	im.Frames = 1
	if e := f.Get(TagNumberOfFrames); e != nil && e.String() != "" {
		v, err := e.Floats()
		if err != nil || len(v) != 1 || v[0] < 1 || v[0] != float64(int64(v[0])) || v[0] > 1<<30 {
			return formatErr("bad NumberOfFrames %q", e.String())
		}
		im.Frames = int(v[0])
	}
	im.RescaleSlope = 1
	if e := f.Get(TagRescaleSlope); e != nil {
		if v, err := e.Floats(); err == nil && len(v) > 0 {
			im.RescaleSlope, im.HasRescale = v[0], true
		}
	}
	if e := f.Get(TagRescaleIntercept); e != nil {
		if v, err := e.Floats(); err == nil && len(v) > 0 {
			im.RescaleIntercept, im.HasRescale = v[0], true
		}
	}
	if e := f.Get(TagInstanceNumber); e != nil {
		if v, err := e.Floats(); err == nil && len(v) > 0 && math.Abs(v[0]) < 1<<31 {
			im.InstanceNumber, im.HasInstanceNumber = int(v[0]), true
		}
	}
	if e := f.Get(TagImagePositionPatient); e != nil {
		if v, err := e.Floats(); err == nil && len(v) == 3 {
			copy(im.Position[:], v)
			im.HasPosition = true
		}
	}
	if e := f.Get(TagImageOrientationPatient); e != nil {
		if v, err := e.Floats(); err == nil && len(v) == 6 {
			copy(im.Orientation[:], v)
			im.HasOrientation = true
		}
	}
	im.SOPClassUID = f.Get(TagSOPClassUID).String()
	im.SOPInstanceUID = f.Get(TagSOPInstanceUID).String()
	im.SeriesInstanceUID = f.Get(TagSeriesInstanceUID).String()
	im.Modality = f.Get(TagModality).String()

	switch {
	case im.Rows < 1 || im.Columns < 1:
		return formatErr("image of %dx%d pixels", im.Columns, im.Rows)
	case im.BitsAllocated != 8 && im.BitsAllocated != 16:
		return unsupported("BitsAllocated %d (8 and 16 are read)", im.BitsAllocated)
	case im.BitsStored < 1 || im.BitsStored > im.BitsAllocated:
		return formatErr("BitsStored %d with BitsAllocated %d", im.BitsStored, im.BitsAllocated)
	case highBit != im.BitsStored-1:
		return unsupported("HighBit %d with BitsStored %d (only HighBit = BitsStored-1 is read)", highBit, im.BitsStored)
	case pr != 0 && pr != 1:
		return formatErr("PixelRepresentation %d", pr)
	case im.Planar != 0 && im.Planar != 1:
		return formatErr("PlanarConfiguration %d", im.Planar)
	}
	switch {
	case im.Samples == 1 && (im.Photometric == "MONOCHROME1" || im.Photometric == "MONOCHROME2" || im.Photometric == "PALETTE COLOR"):
	case im.Samples == 3 && im.Photometric == "RGB":
	default:
		return unsupported("%d samples per pixel with photometric interpretation %q (MONOCHROME1/2, PALETTE COLOR and RGB are read)", im.Samples, im.Photometric)
	}
	fb := int64(im.FrameBytes())
	if int64(im.Frames) > f.pixelLen/fb {
		return formatErr("pixel data holds %d bytes, too few for %d frames of %d bytes (%dx%dx%d×%d bits)",
			f.pixelLen, im.Frames, fb, im.Columns, im.Rows, im.Samples, im.BitsAllocated)
	}
	return nil
}

// ReadFrame reads frame i into dst (reallocated when too small) and returns it: Rows·Columns
// pixels row by row, the samples of a pixel together, little-endian samples of Image.DType,
// with the bits above BitsStored cleared (unsigned) or sign-extended (signed).
func (f *File) ReadFrame(i int, dst []byte) ([]byte, error) {
	im := &f.Image
	if i < 0 || i >= im.Frames {
		return nil, fmt.Errorf("dicom: frame %d of %d", i, im.Frames)
	}
	n := im.FrameBytes()
	if cap(dst) < n {
		dst = make([]byte, n)
	}
	dst = dst[:n]
	src := dst
	if im.Samples > 1 && im.Planar == 1 {
		src = make([]byte, n)
	}
	if err := f.readAt(src, f.pixelOff+int64(i)*int64(n)); err != nil {
		return nil, fmt.Errorf("dicom: frame %d: %w", i, err)
	}
	ss := im.BitsAllocated / 8
	if im.Samples > 1 && im.Planar == 1 {
		px := im.Rows * im.Columns
		for s := 0; s < im.Samples; s++ {
			for p := 0; p < px; p++ {
				copy(dst[(p*im.Samples+s)*ss:(p*im.Samples+s+1)*ss], src[(s*px+p)*ss:])
			}
		}
	}
	maskSamples(dst, im.BitsAllocated, im.BitsStored, im.Signed)
	return dst, nil
}

// maskSamples clears (unsigned) or sign-extends (signed) the bits above stored.
func maskSamples(b []byte, allocated, stored int, signed bool) {
	if stored == allocated {
		return
	}
	sh := uint(32 - stored)
	for i := 0; i < len(b); i += allocated / 8 {
		var v uint32
		if allocated == 8 {
			v = uint32(b[i])
		} else {
			v = uint32(binary.LittleEndian.Uint16(b[i:]))
		}
		if signed {
			v = uint32(int32(v<<sh) >> sh)
		} else {
			v = v << sh >> sh
		}
		if allocated == 8 {
			b[i] = byte(v)
		} else {
			binary.LittleEndian.PutUint16(b[i:], uint16(v))
		}
	}
}
