package dicom

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math/big"
	"os"
	"sort"
	"strings"
)

// DefaultDescription is the DerivationDescription a derived file gets when none is given.
const DefaultDescription = "Denoised by denoise-go"

// DeriveUID returns a UID under the 2.25 root (UUID-derived, ≤ 44 characters) computed from
// the original SOP Instance UID, the derivation description and the new pixel data, so that
// the same input processed the same way always gets the same UID and different pixel data
// never does.
func DeriveUID(original, description string, pixels []byte) string {
	h := sha256.New()
	fmt.Fprintf(h, "denoise-go\x00%s\x00%s\x00", original, description)
	h.Write(pixels)
	sum := h.Sum(nil)
	n := new(big.Int).SetBytes(sum[:16])
	if n.Sign() == 0 {
		n.SetInt64(1)
	}
	return "2.25." + n.String()
}

// encode builds an element of a short-length VR (or any VR in implicit VR).
func encode(t Tag, vr string, value []byte, implicit bool) []byte {
	var b bytes.Buffer
	le := binary.LittleEndian
	var h [12]byte
	le.PutUint16(h[:], t.Group())
	le.PutUint16(h[2:], t.Element())
	switch {
	case implicit:
		le.PutUint32(h[4:], uint32(len(value)))
		b.Write(h[:8])
	case vrLong[vr]:
		copy(h[4:], vr)
		le.PutUint32(h[8:], uint32(len(value)))
		b.Write(h[:12])
	default:
		copy(h[4:], vr)
		le.PutUint16(h[6:], uint16(len(value)))
		b.Write(h[:8])
	}
	b.Write(value)
	return b.Bytes()
}

// pad makes a text value of even length (UIDs with NUL, others with a space).
func pad(s string, vr string) []byte {
	b := []byte(s)
	if len(b)%2 == 1 {
		if vr == "UI" {
			b = append(b, 0)
		} else {
			b = append(b, ' ')
		}
	}
	return b
}

// Derived encodes a copy of f with new pixel data: the same transfer syntax and every element
// of the original, except a new SOP Instance UID (DeriveUID; also the media storage UID of the
// file meta), ImageType's first value DERIVED, and DerivationDescription set to description
// (DefaultDescription when empty). pixels holds Frames frames laid out as ReadFrame returns
// them.
func (f *File) Derived(pixels []byte, description string) ([]byte, error) {
	im := &f.Image
	n := im.FrameBytes() * im.Frames
	if len(pixels) != n {
		return nil, fmt.Errorf("dicom: %d bytes of pixel data, want %d", len(pixels), n)
	}
	if description == "" {
		description = DefaultDescription
	}
	if len(description) > 1024 {
		description = description[:1024]
	}
	data := pixels
	if im.Samples > 1 && im.Planar == 1 {
		data = make([]byte, n)
		ss, px, fb := im.BitsAllocated/8, im.Rows*im.Columns, im.FrameBytes()
		for fr := 0; fr < im.Frames; fr++ {
			for s := 0; s < im.Samples; s++ {
				for p := 0; p < px; p++ {
					copy(data[fr*fb+(s*px+p)*ss:fr*fb+(s*px+p+1)*ss], pixels[fr*fb+(p*im.Samples+s)*ss:])
				}
			}
		}
	}
	uid := DeriveUID(im.SOPInstanceUID, description, data)

	var out bytes.Buffer
	out.Write(make([]byte, 128))
	out.WriteString("DICM")
	// File meta information, group length recomputed.
	var meta []Element
	for _, e := range f.Meta {
		if e.Tag != TagGroupLength && e.Tag != TagMediaStorageSOPInstanceUID {
			meta = append(meta, e)
		}
	}
	meta = append(meta, Element{Tag: TagMediaStorageSOPInstanceUID, Raw: encode(TagMediaStorageSOPInstanceUID, "UI", pad(uid, "UI"), false)})
	sort.SliceStable(meta, func(a, b int) bool { return meta[a].Tag < meta[b].Tag })
	var mb bytes.Buffer
	for _, e := range meta {
		mb.Write(e.Raw)
	}
	gl := make([]byte, 4)
	binary.LittleEndian.PutUint32(gl, uint32(mb.Len()))
	out.Write(encode(TagGroupLength, "UL", gl, false))
	out.Write(mb.Bytes())

	// Data set.
	els := make([]Element, 0, len(f.Elements)+1)
	imp := f.Implicit
	hasDesc := false
	for _, e := range f.Elements {
		switch e.Tag {
		case TagSOPInstanceUID:
			e.Raw = encode(e.Tag, "UI", pad(uid, "UI"), imp)
		case TagImageType:
			if v := e.Strings(); len(v) > 0 {
				v[0] = "DERIVED"
				e.Raw = encode(e.Tag, "CS", pad(strings.Join(v, `\`), "CS"), imp)
			}
		case TagDerivationDescription:
			e.Raw = encode(e.Tag, "ST", pad(description, "ST"), imp)
			hasDesc = true
		case TagPixelData:
			vr := e.VR
			if vr == "" {
				vr = "OW"
			}
			d := data
			if len(d)%2 == 1 {
				d = append(append([]byte(nil), d...), 0)
			}
			e.Raw = encode(e.Tag, vr, d, imp)
		}
		els = append(els, e)
	}
	if !hasDesc {
		els = append(els, Element{Tag: TagDerivationDescription, Raw: encode(TagDerivationDescription, "ST", pad(description, "ST"), imp)})
		sort.SliceStable(els, func(a, b int) bool { return els[a].Tag < els[b].Tag })
	}
	for _, e := range els {
		out.Write(e.Raw)
	}
	return out.Bytes(), nil
}

// WriteDerived writes f.Derived(pixels, description) to path.
func WriteDerived(path string, f *File, pixels []byte, description string) error {
	b, err := f.Derived(pixels, description)
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}
