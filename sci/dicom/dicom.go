// Package dicom reads and writes uncompressed DICOM Part 10 images (implicit or explicit VR
// little endian; single-frame, multi-frame and series in a folder) keeping every header element.
package dicom

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/denoise-go/denoise/sci/sample"
)

// Limits on what Parse accepts.
var (
	MaxHeaderBytes int64 = 64 << 20 // encoded elements other than the pixel data
	MaxDepth             = 32       // nesting of sequences
)

// Tag is a (group,element) pair as group<<16 | element.
type Tag uint32

// T makes a tag.
func T(group, element uint16) Tag { return Tag(uint32(group)<<16 | uint32(element)) }

// Group is the tag's group number.
func (t Tag) Group() uint16 { return uint16(t >> 16) }

// Element is the tag's element number.
func (t Tag) Element() uint16 { return uint16(t) }

func (t Tag) String() string { return fmt.Sprintf("(%04X,%04X)", t.Group(), t.Element()) }

// Tags the package interprets or writes.
const (
	TagGroupLength                Tag = 0x00020000
	TagMediaStorageSOPClassUID    Tag = 0x00020002
	TagMediaStorageSOPInstanceUID Tag = 0x00020003
	TagTransferSyntaxUID          Tag = 0x00020010
	TagImageType                  Tag = 0x00080008
	TagSOPClassUID                Tag = 0x00080016
	TagSOPInstanceUID             Tag = 0x00080018
	TagModality                   Tag = 0x00080060
	TagDerivationDescription      Tag = 0x00082111
	TagSeriesInstanceUID          Tag = 0x0020000E
	TagInstanceNumber             Tag = 0x00200013
	TagImagePositionPatient       Tag = 0x00200032
	TagImageOrientationPatient    Tag = 0x00200037
	TagSamplesPerPixel            Tag = 0x00280002
	TagPhotometricInterpretation  Tag = 0x00280004
	TagPlanarConfiguration        Tag = 0x00280006
	TagNumberOfFrames             Tag = 0x00280008
	TagRows                       Tag = 0x00280010
	TagColumns                    Tag = 0x00280011
	TagBitsAllocated              Tag = 0x00280100
	TagBitsStored                 Tag = 0x00280101
	TagHighBit                    Tag = 0x00280102
	TagPixelRepresentation        Tag = 0x00280103
	TagRescaleIntercept           Tag = 0x00281052
	TagRescaleSlope               Tag = 0x00281053
	TagFloatPixelData             Tag = 0x7FE00008
	TagDoubleFloatPixelData       Tag = 0x7FE00009
	TagPixelData                  Tag = 0x7FE00010
	tagItem                       Tag = 0xFFFEE000
	tagItemDelim                  Tag = 0xFFFEE00D
	tagSeqDelim                   Tag = 0xFFFEE0DD
)

const undefinedLength = 0xFFFFFFFF

// Transfer syntaxes read and written.
const (
	ImplicitVRLittleEndian = "1.2.840.10008.1.2"
	ExplicitVRLittleEndian = "1.2.840.10008.1.2.1"
)

var syntaxNames = map[string]string{
	ImplicitVRLittleEndian:      "Implicit VR Little Endian",
	ExplicitVRLittleEndian:      "Explicit VR Little Endian",
	"1.2.840.10008.1.2.2":       "Explicit VR Big Endian (retired)",
	"1.2.840.10008.1.2.1.99":    "Deflated Explicit VR Little Endian",
	"1.2.840.10008.1.2.4.50":    "JPEG Baseline (Process 1)",
	"1.2.840.10008.1.2.4.51":    "JPEG Extended (Process 2 & 4)",
	"1.2.840.10008.1.2.4.57":    "JPEG Lossless, Non-Hierarchical (Process 14)",
	"1.2.840.10008.1.2.4.70":    "JPEG Lossless, Non-Hierarchical, First-Order Prediction (Process 14 [Selection Value 1])",
	"1.2.840.10008.1.2.4.80":    "JPEG-LS Lossless",
	"1.2.840.10008.1.2.4.81":    "JPEG-LS Lossy (Near-Lossless)",
	"1.2.840.10008.1.2.4.90":    "JPEG 2000 Image Compression (Lossless Only)",
	"1.2.840.10008.1.2.4.91":    "JPEG 2000 Image Compression",
	"1.2.840.10008.1.2.4.92":    "JPEG 2000 Part 2 Multi-component Image Compression (Lossless Only)",
	"1.2.840.10008.1.2.4.93":    "JPEG 2000 Part 2 Multi-component Image Compression",
	"1.2.840.10008.1.2.4.100":   "MPEG2 Main Profile / Main Level",
	"1.2.840.10008.1.2.4.101":   "MPEG2 Main Profile / High Level",
	"1.2.840.10008.1.2.4.102":   "MPEG-4 AVC/H.264 High Profile / Level 4.1",
	"1.2.840.10008.1.2.4.103":   "MPEG-4 AVC/H.264 BD-compatible High Profile / Level 4.1",
	"1.2.840.10008.1.2.4.201":   "High-Throughput JPEG 2000 Image Compression (Lossless Only)",
	"1.2.840.10008.1.2.4.202":   "High-Throughput JPEG 2000 with RPCL Options Image Compression (Lossless Only)",
	"1.2.840.10008.1.2.4.203":   "High-Throughput JPEG 2000 Image Compression",
	"1.2.840.10008.1.2.5":       "RLE Lossless",
	"1.2.840.10008.1.2.4.104":   "MPEG-4 AVC/H.264 High Profile For 2D Video",
	"1.2.840.10008.1.2.4.105":   "MPEG-4 AVC/H.264 High Profile For 3D Video",
	"1.2.840.10008.1.2.4.106":   "MPEG-4 AVC/H.264 Stereo High Profile",
	"1.2.840.10008.1.2.4.107":   "HEVC/H.265 Main Profile / Level 5.1",
	"1.2.840.10008.1.2.4.108":   "HEVC/H.265 Main 10 Profile / Level 5.1",
	"1.2.840.10008.1.2.1.98":    "Encapsulated Uncompressed Explicit VR Little Endian",
	"1.2.840.10008.1.2.4.110":   "JPEG XL Lossless",
	"1.2.840.10008.1.2.4.111":   "JPEG XL JPEG Recompression",
	"1.2.840.10008.1.2.4.112":   "JPEG XL",
	"1.2.840.113619.5.2":        "Implicit VR Big Endian (GE private)",
	"1.2.840.10008.1.2.4.52":    "JPEG Extended (Process 3 & 5) (retired)",
	"1.2.840.10008.1.2.4.53":    "JPEG Spectral Selection, Non-Hierarchical (retired)",
	"1.2.840.10008.1.2.4.55":    "JPEG Full Progression, Non-Hierarchical (retired)",
	"1.2.840.10008.1.2.4.58":    "JPEG Lossless, Hierarchical (retired)",
	"1.2.840.10008.1.2.4.94":    "JPIP Referenced",
	"1.2.840.10008.1.2.4.95":    "JPIP Referenced Deflate",
	"1.2.840.10008.1.2.4.204":   "JPEG 2000 Part 15 (retired)",
	"1.2.840.10008.1.2.1.99.99": "Deflated (unknown)",
}

// SyntaxName names a transfer syntax UID ("" when unknown).
func SyntaxName(uid string) string { return syntaxNames[uid] }

// Errors Parse wraps.
var (
	ErrFormat      = errors.New("dicom: malformed file")
	ErrUnsupported = errors.New("dicom: unsupported")
)

func formatErr(f string, a ...any) error {
	return fmt.Errorf("%w: "+f, append([]any{ErrFormat}, a...)...)
}

func unsupported(f string, a ...any) error {
	return fmt.Errorf("%w: "+f, append([]any{ErrUnsupported}, a...)...)
}

// Element is one top-level data element as encoded in the file.
type Element struct {
	Tag Tag
	VR  string // "" for elements of an implicit VR data set
	// Raw is the whole encoded element, header and value (for the pixel data, the header only).
	Raw []byte
	// Value is the value part of Raw (nil for the pixel data and undefined-length sequences).
	Value []byte
}

// String returns a text value without its padding.
func (e *Element) String() string {
	if e == nil {
		return ""
	}
	return strings.TrimRight(string(e.Value), " \x00")
}

// Strings splits a multi-valued text value at backslashes, trimming each value.
func (e *Element) Strings() []string {
	s := e.String()
	if s == "" {
		return nil
	}
	v := strings.Split(s, `\`)
	for i := range v {
		v[i] = strings.TrimSpace(v[i])
	}
	return v
}

// Floats parses a DS or IS value.
func (e *Element) Floats() ([]float64, error) {
	var out []float64
	for _, s := range e.Strings() {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("bad number %q in %v", s, e.Tag)
		}
		out = append(out, f)
	}
	return out, nil
}

// Uint16 returns a US value.
func (e *Element) Uint16() (int, bool) {
	if e == nil || len(e.Value) < 2 {
		return 0, false
	}
	return int(binary.LittleEndian.Uint16(e.Value)), true
}

// Image is what the header says about the pixel data.
type Image struct {
	Rows, Columns, Frames, Samples int
	Planar                         int // PlanarConfiguration: 0 pixel-interleaved, 1 plane by plane
	BitsAllocated, BitsStored      int
	Signed                         bool // PixelRepresentation 1
	Photometric                    string
	// RescaleSlope/Intercept turn stored values into output units (1 and 0 when absent).
	RescaleSlope, RescaleIntercept float64
	HasRescale                     bool
	InstanceNumber                 int
	HasInstanceNumber              bool
	Position                       [3]float64 // ImagePositionPatient
	Orientation                    [6]float64 // ImageOrientationPatient
	HasPosition, HasOrientation    bool
	SOPClassUID, SOPInstanceUID    string
	SeriesInstanceUID, Modality    string
}

// DType is the type of the samples ReadFrame returns.
func (im *Image) DType() sample.DType {
	switch {
	case im.BitsAllocated == 8 && im.Signed:
		return sample.Int8
	case im.BitsAllocated == 8:
		return sample.Uint8
	case im.Signed:
		return sample.Int16
	}
	return sample.Uint16
}

// FrameBytes is the size of one frame of pixel data.
func (im *Image) FrameBytes() int {
	return im.Rows * im.Columns * im.Samples * im.BitsAllocated / 8
}

// File is a parsed DICOM Part 10 file.
type File struct {
	Preamble       []byte    // the 128 bytes before "DICM"
	Meta           []Element // file meta information (group 0002)
	Elements       []Element // top-level data set elements in file order
	TransferSyntax string
	Implicit       bool
	Image          Image

	r                  io.ReaderAt // nil: reopen path for each read (files of a series)
	path               string
	pixelOff, pixelLen int64
	pixelIndex         int // index of the pixel data in Elements
}

// Get returns the top-level element with the tag (from Meta for group 0002), or nil.
func (f *File) Get(t Tag) *Element {
	els := f.Elements
	if t.Group() == 2 {
		els = f.Meta
	}
	for i := range els {
		if els[i].Tag == t {
			return &els[i]
		}
	}
	return nil
}

// IsDICOM reports whether b (the first 132 bytes or more of a file) has the Part 10 magic.
func IsDICOM(b []byte) bool { return len(b) >= 132 && string(b[128:132]) == "DICM" }

// RawPixelData returns the pixel data element's value exactly as stored (all frames, without
// masking or reordering).
func (f *File) RawPixelData() ([]byte, error) {
	b := make([]byte, f.pixelLen)
	if err := f.readAt(b, f.pixelOff); err != nil {
		return nil, fmt.Errorf("dicom: pixel data: %w", err)
	}
	return b, nil
}

// readAt fills b from offset off of the file, opening it for the read when it is not held.
func (f *File) readAt(b []byte, off int64) error {
	r := f.r
	if r == nil {
		fh, err := os.Open(f.path)
		if err != nil {
			return err
		}
		defer fh.Close()
		r = fh
	}
	if n, err := r.ReadAt(b, off); n < len(b) {
		if err == nil || err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return err
	}
	return nil
}
