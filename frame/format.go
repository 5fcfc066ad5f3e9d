package frame

import "fmt"

// Layout says what the planes of a frame hold.
type Layout uint8

const (
	Gray Layout = iota // one plane: luma or intensity
	YUV                // Y, U, V; U and V may be subsampled
	RGB                // R, G, B at full size
)

func (l Layout) String() string {
	switch l {
	case Gray:
		return "gray"
	case YUV:
		return "yuv"
	case RGB:
		return "rgb"
	}
	return fmt.Sprintf("layout(%d)", uint8(l))
}

// Format describes a frame's planes and where they came from. Filters read Layout, the
// chroma shifts, Alpha and BitDepth; the rest travels untouched from decode to encode.
type Format struct {
	Layout Layout
	// ChromaShiftW and ChromaShiftH are log2 of the horizontal and vertical chroma
	// subsampling of planes 1 and 2 of a YUV frame (4:2:0 is 1,1; 4:2:2 is 1,0).
	ChromaShiftW, ChromaShiftH int
	// Alpha is true when a last, full-size alpha plane follows the colour planes.
	Alpha bool
	// BitDepth is the number of significant bits per sample of the source (8..16).
	// A sample value v in [0,1] stands for the code v·(2^BitDepth−1).
	BitDepth int
	// PixFmt is FFmpeg's name of the source pixel format ("yuv420p10le", "gray16be").
	PixFmt string
	// Colour metadata as FFmpeg's enum values; filters do not interpret them.
	ColorRange, ColorSpace, ColorPrimaries, ColorTransfer int
}

// NumPlanes is the number of planes a frame of this format has.
func (f Format) NumPlanes() int {
	n := 3
	if f.Layout == Gray {
		n = 1
	}
	if f.Alpha {
		n++
	}
	return n
}

// PlaneSize returns the width and height of plane i of a w×h frame.
func (f Format) PlaneSize(i, w, h int) (int, int) {
	if f.Layout == YUV && (i == 1 || i == 2) {
		return ceilShift(w, f.ChromaShiftW), ceilShift(h, f.ChromaShiftH)
	}
	return w, h
}

// MaxCode is the largest integer sample of the format's bit depth.
func (f Format) MaxCode() float32 { return float32(int(1)<<f.BitDepth - 1) }

func ceilShift(v, s int) int { return (v + (1 << s) - 1) >> s }

// String names the format as FFmpeg would, falling back to its facts.
func (f Format) String() string {
	if f.PixFmt != "" {
		return f.PixFmt
	}
	return fmt.Sprintf("%s %d-bit", f.Layout, f.BitDepth)
}

// Rational is a time base or a rate.
type Rational struct{ Num, Den int }

// Float returns the rational as a float64 (0 when the denominator is 0).
func (r Rational) Float() float64 {
	if r.Den == 0 {
		return 0
	}
	return float64(r.Num) / float64(r.Den)
}
