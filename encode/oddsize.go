package encode

import (
	"fmt"
	"strings"

	"github.com/asticode/go-astiav"

	"github.com/denoise-go/denoise/internal/av"
)

// evenChromaEncoders are the encoders (by name prefix) that refuse a picture whose chroma
// planes would be subsampled across an odd width or height: x264, x265, OpenH264, SVT-AV1
// and the hardware H.264/HEVC/AV1 encoders. Others (FFV1, MPEG-4, VP9, AOM AV1, PNG, …) take
// odd sizes as they are.
var evenChromaEncoders = []string{"libx264", "libx265", "libopenh264", "libsvtav1", "h264_", "hevc_", "av1_"}

func needsEvenChroma(codec string) bool {
	for _, p := range evenChromaEncoders {
		if strings.HasPrefix(codec, p) {
			return true
		}
	}
	return false
}

// oddForChroma reports whether pixel format pf subsamples chroma across a w×h picture's odd
// width or odd height.
func oddForChroma(pf, w, h int) bool {
	d, err := av.Describe(pf)
	if err != nil {
		return false
	}
	return d.Format.ChromaShiftW > 0 && w%2 != 0 || d.Format.ChromaShiftH > 0 && h%2 != 0
}

// oddSides names what is odd about w×h for pixel format pf.
func oddSides(pf, w, h int) string {
	d, _ := av.Describe(pf)
	oddW := d.Format.ChromaShiftW > 0 && w%2 != 0
	oddH := d.Format.ChromaShiftH > 0 && h%2 != 0
	switch {
	case oddW && oddH:
		return fmt.Sprintf("the width %d and the height %d are odd", w, h)
	case oddW:
		return fmt.Sprintf("the width %d is odd", w)
	default:
		return fmt.Sprintf("the height %d is odd", h)
	}
}

// fitOddSize checks pixel format encPF against encoders that need an even size for
// subsampled chroma. When the format was chosen here (no --pix-fmt), an odd-sized picture
// gets the codec's format that loses least from the source without halving chroma across the
// odd side (yuv444p for an 8-bit 4:2:0 source and H.264: every sample kept, no pixel cropped
// or invented; players without High 4:4:4 support are the price, and it is logged). When the
// user asked for the format, or the codec has no such format, it is an error that says what
// to do, before anything is written.
func (s *Sink) fitOddSize(codec *astiav.Codec, encPF, srcPF int) (int, error) {
	w, h := s.geom.W, s.geom.H
	if !needsEvenChroma(codec.Name()) || !oddForChroma(encPF, w, h) {
		return encPF, nil
	}
	why := oddSides(encPF, w, h)
	var fit []int
	for _, p := range codec.PixelFormats() {
		if !oddForChroma(int(p), w, h) {
			fit = append(fit, int(p))
		}
	}
	if s.opts.PixFmt != "" {
		instead := "yuv444p"
		if alt, _ := av.BestPixFmt(fit, encPF, s.geom.Format.Alpha); alt >= 0 {
			instead = av.PixFmtName(alt) // the same depth as the one asked for
		}
		return 0, fmt.Errorf("%s cannot encode %s at %dx%d: %s and %s halves the chroma; give --pix-fmt %s, or crop or scale to an even size",
			codec.Name(), av.PixFmtName(encPF), w, h, why, av.PixFmtName(encPF), instead)
	}
	best, _ := av.BestPixFmt(fit, srcPF, s.geom.Format.Alpha)
	if best < 0 {
		return 0, fmt.Errorf("%s cannot encode a %dx%d picture: %s and all its pixel formats halve the chroma; crop or scale to an even size, or choose another codec (-c:v ffv1)",
			codec.Name(), w, h, why)
	}
	s.log.Info("odd picture size: encoding a pixel format without chroma subsampling",
		"size", fmt.Sprintf("%dx%d", w, h), "codec", codec.Name(), "instead_of", av.PixFmtName(encPF), "pix_fmt", av.PixFmtName(best))
	return best, nil
}
