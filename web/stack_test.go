package web

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"image"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/denoise-go/denoise/internal/testenv"
	"github.com/denoise-go/denoise/sci"
	"github.com/denoise-go/denoise/sci/sample"
	"github.com/denoise-go/denoise/sci/tiffstack"
)

// stackPages are pages of smooth 16-bit codes, each a little shifted.
func stackPages(w, h, pages int) [][]uint16 {
	out := make([][]uint16, pages)
	for p := range out {
		im := cleanImage(w+p, h, false, true).(*image.Gray16)
		codes := make([]uint16, w*h)
		for y := range h {
			for x := range w {
				codes[y*w+x] = uint16(im.Pix[y*im.Stride+2*(x+p)])<<8 | uint16(im.Pix[y*im.Stride+2*(x+p)+1])
			}
		}
		out[p] = codes
	}
	return out
}

// tiffStack16 is a multi-page 16-bit gray TIFF of stackPages.
func tiffStack16(t *testing.T, w, h, pages int) []byte {
	t.Helper()
	path := filepath.Join(t.TempDir(), "stack.tif")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tw, err := tiffstack.NewWriter(f, tiffstack.WriterConfig{Width: w, Height: h, Samples: 1, DType: sample.Uint16, Pages: pages})
	if err != nil {
		t.Fatal(err)
	}
	for p, codes := range stackPages(w, h, pages) {
		data := make([]byte, 2*len(codes))
		for i, c := range codes {
			binary.LittleEndian.PutUint16(data[2*i:], c)
		}
		if err := tw.WritePage(p, data); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// niftiGz16 is a gzip-compressed NIfTI-1 volume of w×h×slices unsigned 16-bit voxels.
func niftiGz16(t *testing.T, w, h, slices int) []byte {
	t.Helper()
	head := testenv.NIfTIHeader(w, h, slices, 512, 16) // NIFTI_TYPE_UINT16
	le := binary.LittleEndian
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write(head)
	for _, codes := range stackPages(w, h, slices) {
		binary.Write(zw, le, codes)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// dicom16 is a DICOM Part 10 file (Explicit VR Little Endian) of frames 16-bit frames.
func dicom16(w, h, frames int) []byte {
	le := binary.LittleEndian
	var b bytes.Buffer
	b.Write(make([]byte, 128))
	b.WriteString("DICM")
	short := func(group, elem uint16, vr string, v []byte) {
		if len(v)%2 == 1 {
			v = append(v, ' ')
		}
		binary.Write(&b, le, [2]uint16{group, elem})
		b.WriteString(vr)
		binary.Write(&b, le, uint16(len(v)))
		b.Write(v)
	}
	us := func(v int) []byte { return le.AppendUint16(nil, uint16(v)) }
	short(0x0002, 0x0010, "UI", []byte("1.2.840.10008.1.2.1\x00"))
	short(0x0008, 0x0060, "CS", []byte("MR"))
	short(0x0028, 0x0002, "US", us(1))
	short(0x0028, 0x0004, "CS", []byte("MONOCHROME2"))
	short(0x0028, 0x0008, "IS", []byte(strconv.Itoa(frames)))
	short(0x0028, 0x0010, "US", us(h))
	short(0x0028, 0x0011, "US", us(w))
	short(0x0028, 0x0100, "US", us(16))
	short(0x0028, 0x0101, "US", us(16))
	short(0x0028, 0x0102, "US", us(15))
	short(0x0028, 0x0103, "US", us(0))
	var pix bytes.Buffer
	for _, codes := range stackPages(w, h, frames) {
		binary.Write(&pix, le, codes)
	}
	binary.Write(&b, le, [2]uint16{0x7FE0, 0x0010})
	b.WriteString("OW\x00\x00")
	binary.Write(&b, le, uint32(pix.Len()))
	b.Write(pix.Bytes())
	return b.Bytes()
}

// TestStackJobs uploads a 16-bit TIFF stack, a NIfTI volume (under a name that does not
// say so: it is recognised by its content) and a DICOM file with synthetic noise: each job
// denoises every page, the PSNR rises, the result opens with package sci in the input's
// format and geometry, the previews are 8-bit PNGs, and every file the job leaves is private.
func TestStackJobs(t *testing.T) {
	ts := newTestServer(t, testLimits())
	const w, h, n = 48, 40, 3
	cases := []struct {
		name, ext string
		data      []byte
		format    sci.Format
	}{
		{"cells.tif", ".tif", tiffStack16(t, w, h, 5), sci.TIFF},
		{"brain.bin", ".nii.gz", niftiGz16(t, w, h, 4), sci.NIfTI},
		{"scan.dcm", ".dcm", dicom16(w, h, n), sci.DICOM},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := filepath.Join(t.TempDir(), "in"+c.ext)
			if err := os.WriteFile(in, c.data, 0o600); err != nil {
				t.Fatal(err)
			}
			want, err := sci.Open(in)
			if err != nil {
				t.Fatalf("the test's own %s: %v", c.name, err)
			}
			defer want.Close()
			id := mustSubmit(t, ts, [][2]string{{"mode", "nlm"}, {"noise", "awgn:20"}, {"seed", "3"}}, c.name, c.data)
			st := waitJob(t, ts, id, 60*time.Second)
			if st.str("state") != "done" {
				t.Fatalf("job ended %s: %s", st.str("state"), st.Raw)
			}
			frames := float64(want.Len() * want.Channels())
			if st.str("kind") != "stack" || st.str("format") != c.format.String() || st.num(t, "frames_total") != frames ||
				st.num(t, "frames_done") != frames || st.num(t, "width") != w || st.num(t, "bit_depth") != 16 {
				t.Errorf("status %s, want a %s stack of %v frames", st.Raw, c.format, frames)
			}
			p, pn := st.num(t, "psnr"), st.num(t, "psnr_noisy")
			if p < pn+2 {
				t.Errorf("PSNR %.2f dB after, %.2f dB before: want it to rise", p, pn)
			}
			t.Logf("%s: PSNR %.2f → %.2f dB, SSIM %.3f → %.3f", c.name, pn, p, st.num(t, "ssim_noisy"), st.num(t, "ssim"))
			out := filepath.Join(t.TempDir(), "out"+c.ext)
			if err := os.WriteFile(out, download(t, ts, st, c.ext), 0o600); err != nil {
				t.Fatal(err)
			}
			got, err := sci.Open(out)
			if err != nil {
				t.Fatalf("the result does not open: %v", err)
			}
			defer got.Close()
			if got.Format != c.format || got.Width != w || got.Height != h || got.Len() != want.Len() ||
				got.Channels() != want.Channels() || got.BitDepth() != want.BitDepth() {
				t.Errorf("the result is %v, want the geometry of %v", got, want)
			}
			for _, u := range []string{st.str("preview_noisy_url"), st.str("preview_result_url")} {
				r := do(t, "GET", ts.URL+u, "", nil)
				if r.Status != http.StatusOK || r.Header.Get("Content-Type") != "image/png" {
					t.Fatalf("%s: %d %s", u, r.Status, r.Header.Get("Content-Type"))
				}
				if pv := decodePNG(t, r.Raw); bitDepth(pv) != 8 || pv.Bounds() != image.Rect(0, 0, w, h) {
					t.Errorf("preview %s is %T %v, want 8-bit %dx%d", u, pv, pv.Bounds(), w, h)
				}
			}
			settle(t, ts)
			for _, name := range dirEntries(t, filepath.Join(ts.TempDir(), id)) {
				if fi, err := os.Stat(filepath.Join(ts.TempDir(), id, name)); err != nil || fi.Mode().Perm() != 0o600 {
					t.Errorf("%s: %v %v, want 0600", name, fi.Mode(), err)
				}
			}
		})
	}
}

// TestStackLimits: a stack over the pixel limit, or whose frames do not fit the memory
// limit, is refused before it takes a job slot, and nothing is left behind.
func TestStackLimits(t *testing.T) {
	lim := testLimits()
	lim.MaxPixels = 40 * 30
	ts := newTestServer(t, lim)
	r := submit(t, ts, [][2]string{{"mode", "copy"}}, "big.tif", tiffStack16(t, 48, 40, 3))
	expectError(t, r, http.StatusRequestEntityTooLarge, "max-pixels")
	settle(t, ts)
	if d := jobDirs(t, ts); len(d) != 0 {
		t.Errorf("left behind: %v", d)
	}
}
