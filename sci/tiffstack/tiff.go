// Package tiffstack reads multi-page TIFF stacks (8–64-bit samples, strips or tiles, none/PackBits/
// LZW/Deflate, ImageJ hyperstack metadata) and writes them uncompressed, keeping their tags.
package tiffstack

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/denoise-go/denoise/sci/sample"
)

// Limits on what Open accepts, so that hostile headers cannot make it allocate absurd sizes.
var (
	MaxPages     = 1 << 20 // IFDs (or ImageJ images) in one file
	MaxDim       = 1 << 20 // width or height of a page
	MaxPageBytes = 1 << 31 // decoded bytes of one page
	MaxSamples   = 64      // samples per pixel
)

// Tag codes the package interprets.
const (
	TagNewSubfileType       = 254
	TagImageWidth           = 256
	TagImageLength          = 257
	TagBitsPerSample        = 258
	TagCompression          = 259
	TagPhotometric          = 262
	TagFillOrder            = 266
	TagImageDescription     = 270
	TagStripOffsets         = 273
	TagSamplesPerPixel      = 277
	TagRowsPerStrip         = 278
	TagStripByteCounts      = 279
	TagXResolution          = 282
	TagYResolution          = 283
	TagPlanarConfiguration  = 284
	TagResolutionUnit       = 296
	TagSoftware             = 305
	TagPredictor            = 317
	TagTileWidth            = 322
	TagTileLength           = 323
	TagTileOffsets          = 324
	TagTileByteCounts       = 325
	TagSubIFDs              = 330
	TagSampleFormat         = 339
	TagJPEGTables           = 347
	TagExifIFD              = 34665
	TagGPSIFD               = 34853
	TagInteropIFD           = 40965
	TagIJMetadataByteCounts = 50838
	TagIJMetadata           = 50839
)

// Field types (TIFF 6.0) and their sizes.
const (
	TypeByte      = 1
	TypeASCII     = 2
	TypeShort     = 3
	TypeLong      = 4
	TypeRational  = 5
	TypeSByte     = 6
	TypeUndefined = 7
	TypeSShort    = 8
	TypeSLong     = 9
	TypeSRational = 10
	TypeFloat     = 11
	TypeDouble    = 12
	TypeIFD       = 13
)

var typeSize = [...]int{0, 1, 1, 2, 4, 8, 1, 1, 2, 4, 8, 4, 8, 4}

// Tag is one IFD entry. Value holds Count values in the file's byte order.
type Tag struct {
	Code  uint16
	Type  uint16
	Count uint32
	Value []byte
}

// Compression schemes read.
const (
	CompressionNone     = 1
	CompressionLZW      = 5
	CompressionDeflate  = 8
	CompressionPackBits = 32773
	compressionDeflate2 = 32946
)

// Page is one image (IFD) of the file.
type Page struct {
	Tags          []Tag // in file order
	Width, Height int
	Samples       int // SamplesPerPixel
	DType         sample.DType
	Photometric   int
	Compression   int
	Predictor     int
	Planar        int // 1 chunky, 2 planar
	SubfileType   int
	Description   string // ImageDescription, "" if none

	order  binary.ByteOrder
	chunks []chunk
	// synthetic marks a page made from an ImageJ contiguous stack with one IFD.
	synthetic bool
}

// chunk is one strip or tile: where it lies in the file and where it goes in the page.
type chunk struct {
	off, n     int64
	plane      int // sample index for planar pages, 0 otherwise
	x, y, w, h int // w×h decoded samples (tiles may overhang the page)
}

// File is a parsed TIFF: its byte order, pages and (if present) ImageJ metadata.
type File struct {
	ByteOrder binary.ByteOrder
	Pages     []*Page
	ImageJ    *ImageJ // parsed from the first page's description, nil if not ImageJ
	r         io.ReaderAt
	size      int64
}

// ErrFormat wraps every error about a malformed file; ErrUnsupported every valid feature the
// package does not read.
var (
	ErrFormat      = errors.New("tiffstack: malformed TIFF")
	ErrUnsupported = errors.New("tiffstack: unsupported TIFF")
)

func formatErr(f string, a ...any) error {
	return fmt.Errorf("%w: "+f, append([]any{ErrFormat}, a...)...)
}

func unsupported(f string, a ...any) error {
	return fmt.Errorf("%w: "+f, append([]any{ErrUnsupported}, a...)...)
}

// IsTIFF reports whether b starts like a classic or BigTIFF file.
func IsTIFF(b []byte) bool {
	if len(b) < 4 {
		return false
	}
	s := string(b[:4])
	return s == "II*\x00" || s == "MM\x00*" || s == "II+\x00" || s == "MM\x00+"
}

// Open parses the header and every IFD of the TIFF in r (size bytes). Pixel data is read by
// ReadPage.
func Open(r io.ReaderAt, size int64) (*File, error) {
	var h [8]byte
	if _, err := r.ReadAt(h[:], 0); err != nil {
		return nil, formatErr("short header")
	}
	f := &File{r: r, size: size}
	switch string(h[:2]) {
	case "II":
		f.ByteOrder = binary.LittleEndian
	case "MM":
		f.ByteOrder = binary.BigEndian
	default:
		return nil, formatErr("bad byte-order mark %q", h[:2])
	}
	switch f.ByteOrder.Uint16(h[2:]) {
	case 42:
	case 43:
		return nil, unsupported("BigTIFF (64-bit offsets) is not supported")
	default:
		return nil, formatErr("bad magic number %d", f.ByteOrder.Uint16(h[2:]))
	}
	off := int64(f.ByteOrder.Uint32(h[4:]))
	seen := map[int64]bool{}
	budget := 2*size + 1<<20 // bytes of out-of-line tag values we agree to read
	for off != 0 {
		if seen[off] {
			return nil, formatErr("IFD chain loops at offset %d", off)
		}
		seen[off] = true
		if len(f.Pages) >= MaxPages {
			return nil, unsupported("more than %d pages", MaxPages)
		}
		p, next, err := f.readIFD(off, &budget)
		if err != nil {
			return nil, fmt.Errorf("%w, in page %d", err, len(f.Pages))
		}
		f.Pages = append(f.Pages, p)
		off = next
	}
	if len(f.Pages) == 0 {
		return nil, formatErr("no images")
	}
	if d := f.Pages[0].Description; strings.HasPrefix(d, "ImageJ=") {
		f.ImageJ = ParseImageJ(d)
		f.expandImageJ()
	}
	return f, nil
}

func (f *File) readAt(off, n int64) ([]byte, error) {
	if off < 0 || n < 0 || off > f.size || n > f.size-off {
		return nil, formatErr("%d bytes at offset %d lie outside the %d-byte file", n, off, f.size)
	}
	b := make([]byte, n)
	if _, err := f.r.ReadAt(b, off); err != nil && !(err == io.EOF && n == 0) {
		return nil, fmt.Errorf("tiffstack: read %d bytes at %d: %w", n, off, err)
	}
	return b, nil
}

func (f *File) readIFD(off int64, budget *int64) (*Page, int64, error) {
	b, err := f.readAt(off, 2)
	if err != nil {
		return nil, 0, err
	}
	n := int64(f.ByteOrder.Uint16(b))
	b, err = f.readAt(off+2, 12*n+4)
	if err != nil {
		return nil, 0, err
	}
	p := &Page{order: f.ByteOrder}
	for i := int64(0); i < n; i++ {
		e := b[12*i : 12*i+12]
		t := Tag{Code: f.ByteOrder.Uint16(e), Type: f.ByteOrder.Uint16(e[2:]), Count: f.ByteOrder.Uint32(e[4:])}
		if t.Type == 0 || int(t.Type) >= len(typeSize) {
			continue // unknown field type: readers must skip it
		}
		total := int64(t.Count) * int64(typeSize[t.Type])
		if total <= 4 {
			t.Value = append([]byte(nil), e[8:8+total]...)
		} else {
			if *budget -= total; *budget < 0 {
				return nil, 0, formatErr("tag values add up to more than the file holds")
			}
			if t.Value, err = f.readAt(int64(f.ByteOrder.Uint32(e[8:])), total); err != nil {
				return nil, 0, fmt.Errorf("tag %d: %w", t.Code, err)
			}
		}
		p.Tags = append(p.Tags, t)
	}
	next := int64(f.ByteOrder.Uint32(b[12*n:]))
	if err := p.parse(f.size); err != nil {
		return nil, 0, err
	}
	return p, next, nil
}

// Tag returns the page's tag with the given code.
func (p *Page) Tag(code uint16) (Tag, bool) {
	for _, t := range p.Tags {
		if t.Code == code {
			return t, true
		}
	}
	return Tag{}, false
}

// Uints returns the integer values of an integer tag (BYTE, SHORT, LONG, IFD), nil otherwise.
func (p *Page) Uints(code uint16) []uint64 {
	t, ok := p.Tag(code)
	if !ok {
		return nil
	}
	return t.uints(p.order)
}

func (t Tag) uints(o binary.ByteOrder) []uint64 {
	n := int(t.Count)
	v := make([]uint64, 0, min(n, len(t.Value)))
	for i := 0; i < n; i++ {
		switch t.Type {
		case TypeByte, TypeUndefined:
			v = append(v, uint64(t.Value[i]))
		case TypeShort:
			v = append(v, uint64(o.Uint16(t.Value[2*i:])))
		case TypeLong, TypeIFD:
			v = append(v, uint64(o.Uint32(t.Value[4*i:])))
		default:
			return nil
		}
	}
	return v
}

// Uint returns the first value of an integer tag, or def when it is absent or not an integer.
func (p *Page) Uint(code uint16, def int) int {
	v := p.Uints(code)
	if len(v) == 0 {
		return def
	}
	if v[0] > 1<<31 {
		return -1
	}
	return int(v[0])
}

// String returns an ASCII tag's text up to its first NUL.
func (p *Page) String(code uint16) string {
	t, ok := p.Tag(code)
	if !ok || t.Type != TypeASCII {
		return ""
	}
	s := string(t.Value)
	if i := strings.IndexByte(s, 0); i >= 0 {
		s = s[:i]
	}
	return s
}

// Rational returns numerator and denominator of a RATIONAL tag.
func (p *Page) Rational(code uint16) (num, den uint32, ok bool) {
	t, ok := p.Tag(code)
	if !ok || t.Type != TypeRational || t.Count < 1 {
		return 0, 0, false
	}
	return p.order.Uint32(t.Value), p.order.Uint32(t.Value[4:]), true
}

var compressionNames = map[int]string{
	2: "CCITT RLE", 3: "CCITT T.4", 4: "CCITT T.6", 6: "old-style JPEG", 7: "JPEG",
	34661: "JBIG", 34676: "SGILOG", 34712: "JPEG 2000", 34887: "LERC", 34925: "LZMA",
	50000: "Zstandard", 50001: "WebP", 50002: "JPEG XL", 33003: "JPEG 2000 (Aperio)",
	33005: "JPEG 2000 (Aperio)", 32946: "Deflate", 8: "Deflate", 5: "LZW", 32773: "PackBits",
}

// CompressionName names a TIFF compression code.
func CompressionName(c int) string {
	if c == CompressionNone {
		return "none"
	}
	if s, ok := compressionNames[c]; ok {
		return s
	}
	return fmt.Sprintf("code %d", c)
}

func sameValues(v []uint64) bool {
	for _, x := range v {
		if x != v[0] {
			return false
		}
	}
	return true
}

func (p *Page) parse(size int64) error {
	p.Width, p.Height = p.Uint(TagImageWidth, 0), p.Uint(TagImageLength, 0)
	if p.Width <= 0 || p.Height <= 0 || p.Width > MaxDim || p.Height > MaxDim {
		return formatErr("bad image size %dx%d", p.Width, p.Height)
	}
	p.Samples = p.Uint(TagSamplesPerPixel, 1)
	if p.Samples < 1 || p.Samples > MaxSamples {
		return unsupported("%d samples per pixel", p.Samples)
	}
	p.SubfileType = p.Uint(TagNewSubfileType, 0)
	p.Description = p.String(TagImageDescription)
	bits := p.Uints(TagBitsPerSample)
	if len(bits) == 0 {
		bits = []uint64{1}
	}
	if !sameValues(bits) {
		return unsupported("samples of different sizes %v", bits)
	}
	sf := p.Uints(TagSampleFormat)
	if len(sf) == 0 {
		sf = []uint64{1}
	}
	if !sameValues(sf) {
		return unsupported("samples of different formats %v", sf)
	}
	switch k := [2]uint64{bits[0], sf[0]}; k {
	case [2]uint64{8, 1}, [2]uint64{8, 4}:
		p.DType = sample.Uint8
	case [2]uint64{8, 2}:
		p.DType = sample.Int8
	case [2]uint64{16, 1}, [2]uint64{16, 4}:
		p.DType = sample.Uint16
	case [2]uint64{16, 2}:
		p.DType = sample.Int16
	case [2]uint64{32, 1}, [2]uint64{32, 4}:
		p.DType = sample.Uint32
	case [2]uint64{32, 2}:
		p.DType = sample.Int32
	case [2]uint64{32, 3}:
		p.DType = sample.Float32
	case [2]uint64{64, 3}:
		p.DType = sample.Float64
	default:
		return unsupported("%d-bit samples of sample format %d (8/16/32-bit integers and 32/64-bit floats are read)", k[0], k[1])
	}
	p.Photometric = p.Uint(TagPhotometric, -1)
	if p.Photometric == -1 {
		p.Photometric = 1
		if p.Samples >= 3 {
			p.Photometric = 2
		}
	}
	switch p.Photometric {
	case 0, 1, 2, 3, 5:
	default:
		return unsupported("photometric interpretation %d (only MinIsWhite, MinIsBlack, RGB, palette and separated are read)", p.Photometric)
	}
	p.Compression = p.Uint(TagCompression, CompressionNone)
	ratio := int64(1)
	switch p.Compression {
	case CompressionNone:
	case CompressionPackBits:
		ratio = 128
	case CompressionLZW:
		ratio = 4096
	case CompressionDeflate, compressionDeflate2:
		p.Compression = CompressionDeflate
		ratio = 1100
	default:
		return unsupported("compression %s (only none, PackBits, LZW and Deflate are read)", CompressionName(p.Compression))
	}
	p.Predictor = p.Uint(TagPredictor, 1)
	switch {
	case p.Predictor == 1:
	case p.Predictor == 2 && !p.DType.IsFloat():
	default:
		return unsupported("predictor %d with %s samples", p.Predictor, p.DType)
	}
	if fo := p.Uint(TagFillOrder, 1); fo != 1 {
		return unsupported("fill order %d", fo)
	}
	p.Planar = p.Uint(TagPlanarConfiguration, 1)
	if p.Planar != 1 && p.Planar != 2 {
		return formatErr("planar configuration %d", p.Planar)
	}
	if p.Samples == 1 {
		p.Planar = 1
	}
	planes, spc := 1, p.Samples
	if p.Planar == 2 {
		planes, spc = p.Samples, 1
	}
	ss := int64(p.DType.Size())
	if int64(p.Width)*int64(p.Height)*int64(p.Samples)*ss > int64(MaxPageBytes) {
		return unsupported("page of %dx%dx%d %s exceeds %d bytes", p.Width, p.Height, p.Samples, p.DType, MaxPageBytes)
	}
	var offs, counts []uint64
	var cw, ch, across, down int
	if _, tiled := p.Tag(TagTileWidth); tiled {
		cw, ch = p.Uint(TagTileWidth, 0), p.Uint(TagTileLength, 0)
		if cw <= 0 || ch <= 0 || cw > MaxDim || ch > MaxDim {
			return formatErr("bad tile size %dx%d", cw, ch)
		}
		offs, counts = p.Uints(TagTileOffsets), p.Uints(TagTileByteCounts)
	} else {
		cw, ch = p.Width, p.Uint(TagRowsPerStrip, p.Height)
		if ch <= 0 || ch > p.Height {
			ch = p.Height
		}
		offs, counts = p.Uints(TagStripOffsets), p.Uints(TagStripByteCounts)
	}
	across, down = (p.Width+cw-1)/cw, (p.Height+ch-1)/ch
	n := planes * across * down
	if int64(cw)*int64(ch)*int64(spc)*ss > 2*int64(MaxPageBytes) {
		return unsupported("tiles of %dx%d are too large", cw, ch)
	}
	if len(offs) < n {
		return formatErr("%d strip/tile offsets for %d strips/tiles", len(offs), n)
	}
	if len(counts) == 0 && p.Compression == CompressionNone && n == 1 {
		counts = []uint64{uint64(p.Width) * uint64(p.Height) * uint64(p.Samples) * uint64(ss)}
	}
	if len(counts) < n {
		return formatErr("%d strip/tile byte counts for %d strips/tiles", len(counts), n)
	}
	p.chunks = make([]chunk, 0, n)
	for pl := 0; pl < planes; pl++ {
		for ty := 0; ty < down; ty++ {
			for tx := 0; tx < across; tx++ {
				i := len(p.chunks)
				c := chunk{off: int64(offs[i]), n: int64(counts[i]), plane: pl, x: tx * cw, y: ty * ch, w: cw, h: ch}
				if _, tiled := p.Tag(TagTileWidth); !tiled && c.y+c.h > p.Height {
					c.h = p.Height - c.y
				}
				if c.off > size || c.n > size-c.off {
					return formatErr("strip/tile %d (%d bytes at %d) lies outside the %d-byte file", i, c.n, c.off, size)
				}
				want := int64(c.w) * int64(c.h) * int64(spc) * ss
				if p.Compression == CompressionNone && c.n < want {
					return formatErr("strip/tile %d holds %d bytes, %d needed", i, c.n, want)
				}
				if want > c.n*ratio+1024 {
					return formatErr("strip/tile %d: %d compressed bytes cannot hold %d bytes", i, c.n, want)
				}
				p.chunks = append(p.chunks, c)
			}
		}
	}
	return nil
}

// PageBytes is the size of the page's decoded samples: Width·Height·Samples·DType.Size().
func (p *Page) PageBytes() int {
	return p.Width * p.Height * p.Samples * p.DType.Size()
}

// Synthetic reports a page that has no IFD of its own: ImageJ stores the images of a large
// stack contiguously after the first one, describing them in the ImageDescription only.
func (p *Page) Synthetic() bool { return p.synthetic }

// expandImageJ adds the pages of an ImageJ stack stored contiguously behind a single IFD.
func (f *File) expandImageJ() {
	ij, p := f.ImageJ, f.Pages[0]
	if len(f.Pages) != 1 || ij.Images <= 1 || p.Compression != CompressionNone || p.Planar != 1 {
		return
	}
	pb := int64(p.PageBytes())
	c0 := p.chunks[0]
	next := c0.off
	for _, c := range p.chunks {
		if c.off != next {
			return
		}
		next += int64(c.w) * int64(c.h) * int64(p.Samples) * int64(p.DType.Size())
	}
	if ij.Images > MaxPages || int64(ij.Images) > (f.size-c0.off)/pb {
		return
	}
	for k := 1; k < ij.Images; k++ {
		q := *p
		q.synthetic = true
		q.chunks = make([]chunk, len(p.chunks))
		for i, c := range p.chunks {
			c.off += int64(k) * pb
			q.chunks[i] = c
		}
		f.Pages = append(f.Pages, &q)
	}
}
