package tiffstack

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"io"
)

// ReadPage decodes page i into dst (reallocated when too small) and returns it: Width·Height
// pixels row by row, the Samples samples of a pixel next to each other, little-endian.
func (f *File) ReadPage(i int, dst []byte) ([]byte, error) {
	if i < 0 || i >= len(f.Pages) {
		return nil, fmt.Errorf("tiffstack: page %d of %d", i, len(f.Pages))
	}
	p := f.Pages[i]
	n := p.PageBytes()
	if cap(dst) < n {
		dst = make([]byte, n)
	}
	dst = dst[:n]
	ss := p.DType.Size()
	spc := p.Samples
	if p.Planar == 2 {
		spc = 1
	}
	var buf []byte
	for ci, c := range p.chunks {
		raw, err := f.readAt(c.off, c.n)
		if err != nil {
			return nil, err
		}
		want := c.w * c.h * spc * ss
		if buf, err = decompress(p.Compression, raw, want, buf); err != nil {
			return nil, fmt.Errorf("tiffstack: page %d strip/tile %d: %w", i, ci, err)
		}
		if f.ByteOrder == binary.BigEndian {
			p.DType.Swap(buf)
		}
		if p.Predictor == 2 {
			unpredict(buf, c.w, c.h, spc, ss)
		}
		// Place the decoded rows into the page.
		rowBytes := c.w * spc * ss
		w := min(c.w, p.Width-c.x)
		for y := 0; y < c.h && c.y+y < p.Height; y++ {
			src := buf[y*rowBytes:]
			if p.Planar == 1 {
				o := ((c.y+y)*p.Width + c.x) * p.Samples * ss
				copy(dst[o:o+w*p.Samples*ss], src)
				continue
			}
			for x := 0; x < w; x++ {
				o := (((c.y+y)*p.Width+c.x+x)*p.Samples + c.plane) * ss
				copy(dst[o:o+ss], src[x*ss:])
			}
		}
	}
	return dst, nil
}

// decompress returns exactly want decoded bytes of chunk data raw, reusing buf.
func decompress(comp int, raw []byte, want int, buf []byte) ([]byte, error) {
	if cap(buf) < want {
		buf = make([]byte, want)
	}
	buf = buf[:want]
	var got int
	var err error
	switch comp {
	case CompressionNone:
		got = copy(buf, raw)
	case CompressionPackBits:
		got, err = unpackBits(buf, raw)
	case CompressionLZW:
		got, err = unLZW(buf, raw)
	case CompressionDeflate:
		var zr io.ReadCloser
		if zr, err = zlib.NewReader(bytes.NewReader(raw)); err == nil {
			got, err = io.ReadFull(zr, buf)
			if err == io.ErrUnexpectedEOF || err == io.EOF {
				err = nil
			}
		}
	default:
		err = fmt.Errorf("compression %s", CompressionName(comp))
	}
	if err != nil {
		return nil, err
	}
	if got < want {
		return nil, fmt.Errorf("decoded %d bytes, %d needed", got, want)
	}
	return buf, nil
}

// unpackBits decodes PackBits data into dst until dst is full or src ends.
func unpackBits(dst, src []byte) (int, error) {
	o := 0
	for i := 0; i < len(src) && o < len(dst); {
		n := int(int8(src[i]))
		i++
		switch {
		case n >= 0:
			n++
			if i+n > len(src) {
				return o, fmt.Errorf("packbits: literal run past end of data")
			}
			o += copy(dst[o:], src[i:i+n])
			i += n
		case n != -128:
			if i >= len(src) {
				return o, fmt.Errorf("packbits: repeat run past end of data")
			}
			for k := 0; k < 1-n && o < len(dst); k++ {
				dst[o] = src[i]
				o++
			}
			i++
		}
	}
	return o, nil
}

// unLZW decodes TIFF LZW data (MSB-first codes, 9..12 bits, "early change") into dst until
// dst is full, the end-of-information code or the end of src.
func unLZW(dst, src []byte) (int, error) {
	const clear, eoi = 256, 257
	type entry struct{ pos, n int32 } // a table string lies in the output already
	var tab [4096]entry
	var acc uint32
	var nacc uint
	width, next := uint(9), 258
	prevPos, prevLen := 0, 0 // prevLen 0: no previous string (after a clear)
	o, i := 0, 0
	for o < len(dst) {
		for nacc < width {
			if i >= len(src) {
				return o, nil // data ended without EOI: take what we have
			}
			acc = acc<<8 | uint32(src[i])
			i++
			nacc += 8
		}
		code := int(acc>>(nacc-width)) & (1<<width - 1)
		nacc -= width
		switch {
		case code == clear:
			width, next, prevLen = 9, 258, 0
			continue
		case code == eoi:
			return o, nil
		}
		curPos := o
		switch {
		case code < 256:
			dst[o] = byte(code)
			o++
		case prevLen == 0:
			return o, fmt.Errorf("lzw: code %d after a clear", code)
		case code < next:
			e := tab[code]
			o += copy(dst[o:], dst[e.pos:e.pos+e.n])
		case code == next:
			n := copy(dst[o:], dst[prevPos:prevPos+prevLen])
			if o+n < len(dst) {
				dst[o+n] = dst[prevPos]
				n++
			}
			o += n
		default:
			return o, fmt.Errorf("lzw: invalid code %d (table holds %d)", code, next)
		}
		curLen := o - curPos
		if prevLen > 0 && next < len(tab) {
			tab[next] = entry{int32(prevPos), int32(prevLen + 1)}
			next++
			if next+1 >= 1<<width && width < 12 {
				width++
			}
		}
		prevPos, prevLen = curPos, curLen
		if curLen == 0 {
			break
		}
	}
	return o, nil
}

// unpredict undoes horizontal differencing (predictor 2) on little-endian rows of w pixels of
// spc samples of ss bytes.
func unpredict(b []byte, w, h, spc, ss int) {
	rb := w * spc * ss
	for y := 0; y < h; y++ {
		row := b[y*rb : (y+1)*rb]
		switch ss {
		case 1:
			for i := spc; i < len(row); i++ {
				row[i] += row[i-spc]
			}
		case 2:
			for i := spc * 2; i+1 < len(row); i += 2 {
				v := binary.LittleEndian.Uint16(row[i:]) + binary.LittleEndian.Uint16(row[i-2*spc:])
				binary.LittleEndian.PutUint16(row[i:], v)
			}
		case 4:
			for i := spc * 4; i+3 < len(row); i += 4 {
				v := binary.LittleEndian.Uint32(row[i:]) + binary.LittleEndian.Uint32(row[i-4*spc:])
				binary.LittleEndian.PutUint32(row[i:], v)
			}
		}
	}
}
