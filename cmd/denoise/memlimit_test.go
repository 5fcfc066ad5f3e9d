package main

// The memory budget: hostile inputs whose headers claim huge pictures, pages or volumes in
// small files are refused, or read a slice at a time, within --memory-limit; a legitimate
// stack larger than the window a run holds is denoised in the memory of that window.

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"
	"testing"

	"github.com/denoise-go/denoise/internal/testenv"
	"github.com/denoise-go/denoise/sci"
	"github.com/denoise-go/denoise/sci/sample"
	"github.com/denoise-go/denoise/sci/tiffstack"
)

// runMeasured runs the binary and returns its exit status, standard error and peak RSS in
// bytes.
func runMeasured(t *testing.T, args ...string) (int, string, int64) {
	t.Helper()
	cmd := exec.Command(denoiseBin(t), args...)
	var se bytes.Buffer
	cmd.Stderr = &se
	err := cmd.Run()
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatal(err)
	}
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		t.Fatal("no rusage")
	}
	return cmd.ProcessState.ExitCode(), se.String(), ru.Maxrss * 1024
}

// stderrLast is the last line of standard error.
func stderrLast(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}

// zeroDeflate is zlib data of n zero bytes, compressed as it is made.
func zeroDeflate(t *testing.T, n int64) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zlib.NewWriter(&b)
	if _, err := io.CopyN(zw, zeroReader{}, n); err != nil {
		t.Fatal(err)
	}
	zw.Close()
	return b.Bytes()
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// writeDeflateTIFF writes a little-endian TIFF of pages w×h 16-bit pages of zeros, each one
// Deflate strip; the pages share the strip, so the file stays small.
func writeDeflateTIFF(t *testing.T, path string, w, h, pages int) {
	t.Helper()
	strip := zeroDeflate(t, int64(w)*int64(h)*2)
	le := binary.LittleEndian
	var f bytes.Buffer
	f.WriteString("II*\x00")
	binary.Write(&f, le, uint32(8+len(strip)))
	f.Write(strip)
	type entry struct {
		tag, typ uint16
		val      uint32
	}
	for p := range pages {
		ifd := uint32(f.Len())
		entries := []entry{{256, 4, uint32(w)}, {257, 4, uint32(h)}, {258, 3, 16}, {259, 3, 8}, {262, 3, 1},
			{273, 4, 8}, {277, 3, 1}, {278, 4, uint32(h)}, {279, 4, uint32(len(strip))}}
		binary.Write(&f, le, uint16(len(entries)))
		for _, e := range entries {
			binary.Write(&f, le, e.tag)
			binary.Write(&f, le, e.typ)
			binary.Write(&f, le, uint32(1))
			binary.Write(&f, le, e.val)
		}
		next := uint32(0)
		if p < pages-1 {
			next = ifd + 2 + 12*uint32(len(entries)) + 4
		}
		binary.Write(&f, le, next)
	}
	if err := os.WriteFile(path, f.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// writeNIfTIGz writes a .nii.gz of the header and data bytes of voxels from voxels.
func writeNIfTIGz(t *testing.T, path string, head []byte, voxels io.Reader, data int64) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zw, _ := gzip.NewWriterLevel(f, gzip.BestSpeed)
	zw.Write(head)
	if _, err := io.CopyN(zw, voxels, data); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
}

// writeZeroPNG writes a w×h 8-bit RGB PNG of black, its rows compressed as they are made.
func writeZeroPNG(t *testing.T, path string, w, h int) {
	t.Helper()
	var f bytes.Buffer
	f.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(kind string, data []byte) {
		binary.Write(&f, binary.BigEndian, uint32(len(data)))
		c := crc32.NewIEEE()
		c.Write([]byte(kind))
		c.Write(data)
		f.WriteString(kind)
		f.Write(data)
		binary.Write(&f, binary.BigEndian, c.Sum32())
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr, uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8], ihdr[9] = 8, 2 // 8-bit RGB
	chunk("IHDR", ihdr)
	chunk("IDAT", zeroDeflate(t, int64(h)*int64(1+3*w))) // filter byte 0 and black pixels per row
	chunk("IEND", nil)
	if err := os.WriteFile(path, f.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// Hostile inputs, each a small file claiming a huge picture: the run ends with the one-line
// refusal (or, for a volume it can stream, succeeds) with a peak RSS far below the budget.
func TestMemoryLimitHostile(t *testing.T) {
	const limit, rssMax = "512MiB", 700 << 20
	dir := t.TempDir()
	var refusedWith func(t *testing.T, in string, want ...string)
	refused := func(t *testing.T, in string, want ...string) {
		refusedWith(t, in, append(want, "above the memory limit of 512 MiB (--memory-limit)")...)
	}
	refusedWith = func(t *testing.T, in string, want ...string) {
		t.Helper()
		code, stderr, rss := runMeasured(t, "-i", in, "-o", filepath.Join(dir, "out"+filepath.Ext(in)), "-y", "--memory-limit", limit)
		st, _ := os.Stat(in)
		t.Logf("input %d bytes: exit %d, peak RSS %d MiB: %s", st.Size(), code, rss>>20, stderrLast(stderr))
		if code != exitError {
			t.Errorf("exit status %d, want %d", code, exitError)
		}
		line := stderrLast(stderr)
		for _, w := range want {
			if !strings.Contains(line, w) {
				t.Errorf("last line of stderr %q does not say %q", line, w)
			}
		}
		if rss > rssMax {
			t.Errorf("peak RSS %d MiB, want below %d MiB", rss>>20, rssMax>>20)
		}
	}
	t.Run("tiff_two_pages_16384", func(t *testing.T) {
		in := filepath.Join(dir, "two.tif")
		writeDeflateTIFF(t, in, 16384, 16384, 2)
		refused(t, in, "the input's pages are 16384x16384 uint16 (512 MiB each, 1 GiB for the stack")
	})
	t.Run("tiff_four_pages_16384", func(t *testing.T) {
		in := filepath.Join(dir, "four.tif")
		writeDeflateTIFF(t, in, 16384, 16384, 4)
		refused(t, in, "the input's pages are 16384x16384 uint16 (512 MiB each, 2 GiB for the stack")
	})
	t.Run("nifti_claims_4GiB", func(t *testing.T) {
		// int32 voxels of 1024³: 4 GiB claimed, 1 MiB present.
		in := filepath.Join(dir, "claim.nii.gz")
		writeNIfTIGz(t, in, testenv.NIfTIHeader(1024, 1024, 1024, 8, 32), zeroReader{}, 1<<20)
		refusedWith(t, in, "claim.nii.gz: nifti: malformed file: the voxel data ends in slice 0 of 1024 (the header claims 1024×1024×1024×1 int32, 4294967296 bytes)")
	})
	t.Run("nifti_too_large_slices", func(t *testing.T) {
		// float64 slices of 16384²: 2 GiB each, refused before one is read.
		in := filepath.Join(dir, "slices.nii.gz")
		writeNIfTIGz(t, in, testenv.NIfTIHeader(16384, 16384, 4, 64, 64), zeroReader{}, 1<<20)
		refused(t, in, "the input's slices are 16384x16384 float64 (2 GiB each, 8 GiB for the stack")
	})
	t.Run("png_16000", func(t *testing.T) {
		in := filepath.Join(dir, "big.png")
		writeZeroPNG(t, in, 16000, 16000)
		refused(t, in, "the input's picture is a 16000x16000 png (732 MiB decoded")
	})
	t.Run("rawvideo_16000", func(t *testing.T) {
		// Parameters from the command line: checked when the codec parameters are known.
		in := filepath.Join(dir, "big.raw")
		if err := os.WriteFile(in, make([]byte, 4096), 0o644); err != nil {
			t.Fatal(err)
		}
		code, stderr, rss := runMeasured(t, "-f", "rawvideo", "-s", "16000x16000", "-pix_fmt", "rgb24", "-i", in,
			"-o", filepath.Join(dir, "raw.mkv"), "-y", "--memory-limit", limit)
		t.Logf("exit %d, peak RSS %d MiB: %s", code, rss>>20, stderrLast(stderr))
		if line := stderrLast(stderr); code != exitError || !strings.Contains(line, "the input's frames are 16000x16000 rgb24 (732 MiB each decoded") ||
			!strings.Contains(line, "above the memory limit of 512 MiB (--memory-limit)") || rss > rssMax {
			t.Errorf("exit %d, peak RSS %d MiB, %q", code, rss>>20, line)
		}
	})
	t.Run("nifti_1024_cubed", func(t *testing.T) {
		// 1 GiB of voxels in a small file: read, copied and written a slice at a time.
		in, out := filepath.Join(dir, "cube.nii.gz"), filepath.Join(dir, "cube-out.nii.gz")
		writeNIfTIGz(t, in, testenv.NIfTIHeader(1024, 1024, 1024, 2, 8), zeroReader{}, 1<<30)
		code, stderr, rss := runMeasured(t, "-i", in, "-o", out, "-y", "--memory-limit", limit, "--mode", "copy")
		st, _ := os.Stat(in)
		t.Logf("input %d bytes: exit %d, peak RSS %d MiB", st.Size(), code, rss>>20)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		if rss > rssMax {
			t.Errorf("peak RSS %d MiB, want below %d MiB", rss>>20, rssMax>>20)
		}
		f, err := os.Open(out)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		zr, err := gzip.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		n, err := io.Copy(io.Discard, zr)
		if err != nil || n != 352+1<<30 {
			t.Errorf("output holds %d bytes (%v), want %d", n, err, 352+1<<30)
		}
	})
}

// stackSlice is slice z of a 16-bit volume of w×h slices: a pattern that moves from slice
// to slice, with noise.
func stackSlice(w, h, z int) []byte {
	rng := rand.New(rand.NewPCG(7, uint64(z)))
	b := make([]byte, 2*w*h)
	for y := range h {
		for x := range w {
			binary.LittleEndian.PutUint16(b[2*(y*w+x):], uint16(8000+300*((x+y+z)%40)+rng.IntN(2000)))
		}
	}
	return b
}

type sliceReader struct {
	w, h, z int
	buf     []byte
}

func (r *sliceReader) Read(p []byte) (int, error) {
	if len(r.buf) == 0 {
		r.buf = stackSlice(r.w, r.h, r.z)
		r.z++
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}

// A NIfTI stack of many slices is denoised a window at a time: the output matches the same
// stack denoised as a TIFF (read page by page), and the run's peak RSS grows with the window,
// not with the stack: a stack of 640 slices takes less than 48 MiB more than one of 8. The
// test holds no volume itself (a child's peak RSS starts from its parent's at the fork).
func TestStackWindowedRun(t *testing.T) {
	const w, h, nz = 256, 256, 640
	dir := t.TempDir()
	args := []string{"--mode", "average", "--memory-limit", "256MiB", "-y"}
	niiRun := func(nz int, out string) int64 {
		in := filepath.Join(dir, "in.nii.gz")
		writeNIfTIGz(t, in, testenv.NIfTIHeader(w, h, nz, 512, 16), &sliceReader{w: w, h: h}, int64(2*w*h*nz))
		debug.FreeOSMemory()
		code, stderr, rss := runMeasured(t, append(args, "-i", in, "-o", out)...)
		if code != 0 {
			t.Fatalf("%d slices: exit %d: %s", nz, code, stderr)
		}
		return rss
	}
	small := niiRun(8, filepath.Join(dir, "small.nii.gz"))
	out := filepath.Join(dir, "out.nii.gz")
	big := niiRun(nz, out)
	t.Logf("peak RSS: %d MiB for 8 slices, %d MiB for %d slices (%d MiB of voxels)", small>>20, big>>20, nz, 2*w*h*nz>>20)
	if big-small > 48<<20 {
		t.Errorf("peak RSS %d MiB for %d slices, %d MiB for 8: the stack is held, not a window", big>>20, nz, small>>20)
	}

	// The same voxels as a TIFF stack, which has always been read page by page.
	tin, tout := filepath.Join(dir, "in.tif"), filepath.Join(dir, "out.tif")
	f, err := os.Create(tin)
	if err != nil {
		t.Fatal(err)
	}
	tw, err := tiffstack.NewWriter(f, tiffstack.WriterConfig{Width: w, Height: h, Samples: 1, DType: sample.Uint16, Pages: nz})
	if err != nil {
		t.Fatal(err)
	}
	for p := range nz {
		if err := tw.WritePage(p, stackSlice(w, h, p)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if code, stderr, _ := runMeasured(t, append(args, "-i", tin, "-o", tout)...); code != 0 {
		t.Fatalf("TIFF: exit %d: %s", code, stderr)
	}
	st, err := sci.Open(tout)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	nf, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer nf.Close()
	zr, err := gzip.NewReader(nf)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.CopyN(io.Discard, zr, 352); err != nil {
		t.Fatal(err)
	}
	changed := 0
	slice := make([]byte, 2*w*h)
	for p := range nz {
		if _, err := io.ReadFull(zr, slice); err != nil {
			t.Fatalf("slice %d: %v", p, err)
		}
		page, err := st.TIFF.ReadPage(p, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(page, slice) {
			t.Fatalf("slice %d differs from page %d of the TIFF run", p, p)
		}
		if !bytes.Equal(slice, stackSlice(w, h, p)) {
			changed++
		}
	}
	if changed == 0 {
		t.Error("the output is the input: nothing was denoised")
	}
	t.Logf("all %d slices equal the TIFF run's pages; %d were changed by the denoiser", nz, changed)
}
