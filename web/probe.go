package web

import (
	"bufio"
	"encoding/binary"
	"image"
	_ "image/gif" // header sizes
	_ "image/jpeg"
	_ "image/png"
	"io"
	"os"
)

// headerSize reads a picture's size from its file header, without decoding it, for the
// formats whose header says it plainly (PNG, JPEG, GIF, TIFF), so that a picture over the
// pixel limit is refused before FFmpeg allocates it. ok is false for any other input,
// which is checked after decode.Open has decoded its first frame.
func headerSize(path string) (w, h int64, ok bool) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, false
	}
	defer f.Close()
	if cfg, _, err := image.DecodeConfig(bufio.NewReader(f)); err == nil {
		return int64(cfg.Width), int64(cfg.Height), true
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return 0, 0, false
	}
	return tiffSize(f)
}

// tiffSize reads ImageWidth and ImageLength from the first IFD of a classic TIFF.
func tiffSize(r io.ReadSeeker) (w, h int64, ok bool) {
	var hdr [8]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return 0, 0, false
	}
	var bo binary.ByteOrder
	switch string(hdr[:4]) {
	case "II*\x00":
		bo = binary.LittleEndian
	case "MM\x00*":
		bo = binary.BigEndian
	default:
		return 0, 0, false
	}
	if _, err := r.Seek(int64(bo.Uint32(hdr[4:])), io.SeekStart); err != nil {
		return 0, 0, false
	}
	var cnt [2]byte
	if _, err := io.ReadFull(r, cnt[:]); err != nil {
		return 0, 0, false
	}
	n := int(bo.Uint16(cnt[:]))
	for range n {
		var e [12]byte
		if _, err := io.ReadFull(r, e[:]); err != nil {
			return 0, 0, false
		}
		tag, typ := bo.Uint16(e[0:]), bo.Uint16(e[2:])
		var v int64
		switch typ {
		case 3: // SHORT
			v = int64(bo.Uint16(e[8:]))
		case 4: // LONG
			v = int64(bo.Uint32(e[8:]))
		default:
			continue
		}
		switch tag {
		case 256:
			w = v
		case 257:
			h = v
		}
	}
	return w, h, w > 0 && h > 0
}
