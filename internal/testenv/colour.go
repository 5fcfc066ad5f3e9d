package testenv

import (
	"image"
	_ "image/jpeg" // CBSD432
	_ "image/png"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"testing"

	"github.com/denoise-go/denoise/frame"
)

// RGBPictures reads the JPEG and PNG pictures of dir, in name order, skipping the first skip
// and keeping at most limit, as 8-bit RGB frames; it fails t on a picture it cannot read.
func RGBPictures(t testing.TB, dir string, skip, limit int) []*frame.Frame {
	t.Helper()
	names, _ := filepath.Glob(filepath.Join(dir, "*.jpg"))
	pngs, _ := filepath.Glob(filepath.Join(dir, "*.png"))
	names = append(names, pngs...)
	sort.Strings(names)
	names = names[min(skip, len(names)):]
	names = names[:min(limit, len(names))]
	out := make([]*frame.Frame, 0, len(names))
	for _, name := range names {
		fh, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		im, _, err := image.Decode(fh)
		fh.Close()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		b := im.Bounds()
		f := frame.New(frame.Format{Layout: frame.RGB, BitDepth: 8}, b.Dx(), b.Dy())
		for y := range b.Dy() {
			for x := range b.Dx() {
				r, g, bb, _ := im.At(b.Min.X+x, b.Min.Y+y).RGBA()
				for c, v := range [3]uint32{r >> 8, g >> 8, bb >> 8} {
					f.Planes[c].Row(y)[x] = float32(v) / 255
				}
			}
		}
		out = append(out, f)
	}
	return out
}

// JointEvalPictures reads the pictures of a colour evaluation test (nlm's TestJointEval,
// impulse's TestJointImpulseEval): those of the folder DENOISE_JOINT_EVAL, after the first
// DENOISE_JOINT_SKIP, at most DENOISE_JOINT_LIMIT (20). It skips t when the folder is not set.
func JointEvalPictures(t testing.TB) []*frame.Frame {
	t.Helper()
	dir := os.Getenv("DENOISE_JOINT_EVAL")
	if dir == "" {
		t.Skip("DENOISE_JOINT_EVAL not set")
	}
	limit, _ := strconv.Atoi(os.Getenv("DENOISE_JOINT_LIMIT"))
	if limit == 0 {
		limit = 20
	}
	skip, _ := strconv.Atoi(os.Getenv("DENOISE_JOINT_SKIP"))
	return RGBPictures(t, dir, skip, limit)
}
