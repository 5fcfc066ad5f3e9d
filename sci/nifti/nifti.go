// Package nifti reads and writes single-file NIfTI-1 volumes (.nii, .nii.gz) up to 4-D of
// integer and float voxels, keeping the 348-byte header and its extensions verbatim.
package nifti

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strings"

	"github.com/denoise-go/denoise/sci/sample"
)

// Limits on what Decode accepts.
var (
	MaxDataBytes  int64 = 8 << 30 // voxel data
	MaxExtraBytes int64 = 16 << 20
)

// Errors Decode wraps.
var (
	ErrFormat      = errors.New("nifti: malformed file")
	ErrUnsupported = errors.New("nifti: unsupported")
)

func formatErr(f string, a ...any) error {
	return fmt.Errorf("%w: "+f, append([]any{ErrFormat}, a...)...)
}

func unsupported(f string, a ...any) error {
	return fmt.Errorf("%w: "+f, append([]any{ErrUnsupported}, a...)...)
}

// HeaderSize is sizeof_hdr of NIfTI-1.
const HeaderSize = 348

// NIfTI-1 datatype codes.
const (
	DTUint8   = 2
	DTInt16   = 4
	DTInt32   = 8
	DTFloat32 = 16
	DTFloat64 = 64
	DTInt8    = 256
	DTUint16  = 512
	DTUint32  = 768
)

var dtypes = map[int]sample.DType{DTUint8: sample.Uint8, DTInt16: sample.Int16, DTInt32: sample.Int32,
	DTFloat32: sample.Float32, DTFloat64: sample.Float64, DTInt8: sample.Int8, DTUint16: sample.Uint16, DTUint32: sample.Uint32}

var unsupportedNames = map[int]string{1: "binary", 32: "complex64", 128: "RGB24", 1024: "int64", 1280: "uint64",
	1536: "float128", 1792: "complex128", 2048: "complex256", 2304: "RGBA32"}

// Header holds the fields of the NIfTI-1 header the package uses; Raw is the whole header.
type Header struct {
	Raw       [HeaderSize]byte
	Order     binary.ByteOrder
	Dim       [8]int
	Datatype  int
	Bitpix    int
	Pixdim    [8]float64
	VoxOffset int64
	SclSlope  float64
	SclInter  float64
	Descrip   string
	QformCode int
	SformCode int
	Srow      [3][4]float64
}

// Image is a NIfTI-1 volume with its voxels in memory.
type Image struct {
	Header
	Extra []byte       // bytes 348..vox_offset: extension flag and extensions, verbatim
	DType sample.DType // voxel type
	Data  []byte       // voxels, x fastest, then y, z, t; little-endian
	Gzip  bool         // read from (or to be written as) gzip
}

// NX, NY, NZ and NT are the sizes along x, y, z and t (1 for absent dimensions).
func (im *Image) NX() int { return im.dim(1) }
func (im *Image) NY() int { return im.dim(2) }
func (im *Image) NZ() int { return im.dim(3) }
func (im *Image) NT() int { return im.dim(4) }

func (im *Image) dim(i int) int {
	if i > im.Dim[0] {
		return 1
	}
	return im.Dim[i]
}

// Slices is the number of xy slices: NZ·NT.
func (im *Image) Slices() int { return im.NZ() * im.NT() }

// SliceBytes is the size of one xy slice.
func (im *Image) SliceBytes() int { return im.NX() * im.NY() * im.DType.Size() }

// Slice returns xy slice i (z fastest, then t), aliasing Data.
func (im *Image) Slice(i int) []byte {
	n := im.SliceBytes()
	return im.Data[i*n : (i+1)*n : (i+1)*n]
}

// IsGzip reports the gzip magic.
func IsGzip(b []byte) bool { return len(b) >= 2 && b[0] == 0x1f && b[1] == 0x8b }

// IsNIfTI reports whether b (≥ 348 bytes of an uncompressed file) is a NIfTI-1 header.
func IsNIfTI(b []byte) bool {
	if len(b) < HeaderSize {
		return false
	}
	m := string(b[344:348])
	return (m == "n+1\x00" || m == "ni1\x00") &&
		(binary.LittleEndian.Uint32(b) == HeaderSize || binary.BigEndian.Uint32(b) == HeaderSize)
}

func cstring(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

// ParseHeader decodes and checks a NIfTI-1 header.
func ParseHeader(b []byte) (*Header, error) {
	if len(b) < HeaderSize {
		return nil, formatErr("header of %d bytes, 348 needed", len(b))
	}
	h := &Header{}
	copy(h.Raw[:], b)
	switch {
	case binary.LittleEndian.Uint32(b) == HeaderSize:
		h.Order = binary.LittleEndian
	case binary.BigEndian.Uint32(b) == HeaderSize:
		h.Order = binary.BigEndian
	case binary.LittleEndian.Uint32(b) == 540 || binary.BigEndian.Uint32(b) == 540:
		return nil, unsupported("NIfTI-2 (540-byte header) is not read")
	default:
		return nil, formatErr("sizeof_hdr is not 348: not a NIfTI-1 file")
	}
	o := h.Order
	switch m := string(b[344:348]); m {
	case "n+1\x00":
	case "ni1\x00":
		return nil, unsupported("two-file NIfTI (.hdr/.img pair) is not read; convert it to a single .nii")
	default:
		return nil, unsupported("no NIfTI-1 magic (%q): Analyze 7.5 is not read", m)
	}
	f32 := func(off int) float64 { return float64(math.Float32frombits(o.Uint32(b[off:]))) }
	i16 := func(off int) int { return int(int16(o.Uint16(b[off:]))) }
	for i := range h.Dim {
		h.Dim[i] = i16(40 + 2*i)
		h.Pixdim[i] = f32(76 + 4*i)
	}
	h.Datatype, h.Bitpix = i16(70), i16(72)
	vox := f32(108)
	h.SclSlope, h.SclInter = f32(112), f32(116)
	h.Descrip = cstring(b[148:228])
	h.QformCode, h.SformCode = i16(252), i16(254)
	for r := 0; r < 3; r++ {
		for c := 0; c < 4; c++ {
			h.Srow[r][c] = f32(280 + 16*r + 4*c)
		}
	}
	if h.Dim[0] < 1 || h.Dim[0] > 7 {
		return nil, formatErr("dim[0] = %d", h.Dim[0])
	}
	for i := 1; i <= h.Dim[0]; i++ {
		if h.Dim[i] < 1 {
			return nil, formatErr("dim[%d] = %d", i, h.Dim[i])
		}
		if i >= 5 && h.Dim[i] > 1 {
			return nil, unsupported("%d-D data (dim[%d] = %d); up to 4-D is read", h.Dim[0], i, h.Dim[i])
		}
	}
	if !(vox >= HeaderSize && vox <= float64(HeaderSize+MaxExtraBytes) && vox == math.Trunc(vox)) {
		return nil, formatErr("vox_offset %v", vox)
	}
	h.VoxOffset = int64(vox)
	return h, nil
}

// Decode reads a .nii file, gzip-compressed or not, from r.
func Decode(r io.Reader) (*Image, error) {
	im, r, closeFn, err := decodeHead(r)
	if err != nil {
		return nil, err
	}
	defer closeFn()
	need := int64(im.DType.Size())
	for i := 1; i <= 4; i++ {
		need *= int64(im.dim(i))
		if need > MaxDataBytes {
			return nil, unsupported("voxel data larger than %d bytes", MaxDataBytes)
		}
	}
	var buf bytes.Buffer
	if n, err := io.CopyN(&buf, r, need); err != nil {
		return nil, formatErr("voxel data: %d of %d bytes (%v)", n, need, err)
	}
	im.Data = buf.Bytes()
	if im.Order == binary.BigEndian {
		im.DType.Swap(im.Data)
	}
	return im, nil
}

// decodeHead reads the header and the extensions of a .nii file, gzip-compressed or not,
// and returns the image without voxels and the reader positioned at the first voxel;
// closeFn ends the gzip stream.
func decodeHead(r io.Reader) (im *Image, data io.Reader, closeFn func(), err error) {
	br := bufio.NewReader(r)
	im = &Image{}
	closeFn = func() {}
	if magic, _ := br.Peek(2); IsGzip(magic) {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, nil, nil, formatErr("gzip: %v", err)
		}
		closeFn = func() { zr.Close() }
		im.Gzip = true
		r = zr
	} else {
		r = br
	}
	fail := func(err error) (*Image, io.Reader, func(), error) {
		closeFn()
		return nil, nil, nil, err
	}
	hb := make([]byte, HeaderSize)
	if _, err := io.ReadFull(r, hb); err != nil {
		return fail(formatErr("short header: %v", err))
	}
	h, err := ParseHeader(hb)
	if err != nil {
		return fail(err)
	}
	im.Header = *h
	dt, ok := dtypes[h.Datatype]
	if !ok {
		name := unsupportedNames[h.Datatype]
		if name == "" {
			name = "unknown"
		}
		return fail(unsupported("datatype %d (%s); uint8, int8, int16, uint16, int32, uint32, float32 and float64 are read", h.Datatype, name))
	}
	if h.Bitpix != dt.Bits() {
		return fail(formatErr("bitpix %d does not match datatype %d (%s)", h.Bitpix, h.Datatype, dt))
	}
	im.DType = dt
	var buf bytes.Buffer
	if n, err := io.CopyN(&buf, r, h.VoxOffset-HeaderSize); err != nil {
		return fail(formatErr("extensions: %d of %d bytes: %v", n, h.VoxOffset-HeaderSize, err))
	}
	im.Extra = bytes.Clone(buf.Bytes())
	return im, r, closeFn, nil
}

// ReadFile reads a .nii or .nii.gz file.
func ReadFile(path string) (*Image, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	im, err := Decode(fh)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return im, nil
}

// Encode writes the header (verbatim), the extensions and the voxels in the header's byte
// order, uncompressed.
func (im *Image) Encode(w io.Writer) error {
	need := im.SliceBytes() * im.Slices()
	if len(im.Data) != need {
		return fmt.Errorf("nifti: %d bytes of voxels, %d needed", len(im.Data), need)
	}
	if _, err := w.Write(im.Raw[:]); err != nil {
		return err
	}
	if _, err := w.Write(im.Extra); err != nil {
		return err
	}
	data := im.Data
	if im.Order == binary.BigEndian && im.DType.Size() > 1 {
		data = bytes.Clone(data)
		im.DType.Swap(data)
	}
	_, err := w.Write(data)
	return err
}

// WriteFile writes the image to path, gzip-compressed when the name ends in ".gz".
func WriteFile(path string, im *Image) (err error) {
	fh, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() {
		if e := fh.Close(); err == nil {
			err = e
		}
	}()
	bw := bufio.NewWriterSize(fh, 1<<20)
	var w io.Writer = bw
	var zw *gzip.Writer
	if strings.HasSuffix(strings.ToLower(path), ".gz") {
		zw = gzip.NewWriter(bw)
		w = zw
	}
	if err := im.Encode(w); err != nil {
		return err
	}
	if zw != nil {
		if err := zw.Close(); err != nil {
			return err
		}
	}
	return bw.Flush()
}
