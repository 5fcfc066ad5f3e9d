package web

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"math"
	"math/rand/v2"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/denoise-go/denoise/configs"
	"github.com/denoise-go/denoise/decode"
)

// download fetches a finished job's result and checks its name.
func download(t *testing.T, ts *testServer, st apiResponse, wantExt string) []byte {
	t.Helper()
	r := do(t, "GET", ts.URL+st.str("result_url"), "", nil)
	if r.Status != http.StatusOK {
		t.Fatalf("result: %d %s", r.Status, r.Raw)
	}
	if cd := r.Header.Get("Content-Disposition"); !strings.Contains(cd, "-denoised"+wantExt) {
		t.Errorf("Content-Disposition %q, want a -denoised%s file name", cd, wantExt)
	}
	return r.Raw
}

func decodePNG(t *testing.T, b []byte) image.Image {
	t.Helper()
	im, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("the download is not a PNG: %v", err)
	}
	return im
}

// TestImageJobs runs uploads of every kind the page takes through the API: PNG, JPEG and
// TIFF, 8 and 16-bit, gray and colour, with synthetic noise, and checks the PSNR the server
// reports against one computed here from the downloaded result, the download's size and
// bit depth, and the 8-bit previews.
func TestImageJobs(t *testing.T) {
	ts := newTestServer(t, testLimits())
	gray16 := cleanImage(40, 30, false, true)
	tiff := ffmpegFile(t, "gray16.tif", "-i", writeTemp(t, "g.png", pngBytes(t, gray16)), "-pix_fmt", "gray16le")
	var jpg bytes.Buffer
	if err := jpeg.Encode(&jpg, cleanImage(48, 32, true, false), &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name      string
		data      []byte
		clean     image.Image // nil: no reference check (JPEG is decoded by FFmpeg as YUV)
		w, h, bit int
		gray      bool
	}{
		{"gray8.png", pngBytes(t, cleanImage(50, 34, false, false)), cleanImage(50, 34, false, false), 50, 34, 8, true},
		{"rgb8.png", pngBytes(t, cleanImage(33, 21, true, false)), cleanImage(33, 21, true, false), 33, 21, 8, false},
		{"rgb16.png", pngBytes(t, cleanImage(64, 40, true, true)), cleanImage(64, 40, true, true), 64, 40, 16, false},
		{"gray16.tif", tiff, gray16, 40, 30, 16, true},
		{"photo.jpg", jpg.Bytes(), nil, 48, 32, 8, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			id := mustSubmit(t, ts, [][2]string{{"mode", "copy"}, {"noise", "awgn:20"}, {"seed", "7"}}, c.name, c.data)
			st := waitJob(t, ts, id, 30*time.Second)
			if st.str("state") != "done" {
				t.Fatalf("job ended %s: %s", st.str("state"), st.Raw)
			}
			if st.num(t, "bit_depth") != float64(c.bit) || st.num(t, "width") != float64(c.w) || st.num(t, "height") != float64(c.h) {
				t.Errorf("status says %vx%v %v-bit, want %dx%d %d-bit", st.Body["width"], st.Body["height"], st.Body["bit_depth"], c.w, c.h, c.bit)
			}
			got := decodePNG(t, download(t, ts, st, ".png"))
			if b := got.Bounds(); b.Dx() != c.w || b.Dy() != c.h {
				t.Errorf("download is %v, want %dx%d", b, c.w, c.h)
			}
			if bitDepth(got) != c.bit {
				t.Errorf("download is %d-bit (%T), want %d", bitDepth(got), got, c.bit)
			}
			_, isGray := got.(*image.Gray)
			if _, g16 := got.(*image.Gray16); g16 {
				isGray = true
			}
			if isGray != c.gray {
				t.Errorf("download is %T, gray %v wanted", got, c.gray)
			}
			// copy mode: the result is the noisy input, so both PSNRs agree, and σ=20 on
			// the 0–255 scale is about 22 dB.
			p, pn := st.num(t, "psnr"), st.num(t, "psnr_noisy")
			if p != pn || p < 20 || p > 24.5 {
				t.Errorf("psnr %v, psnr_noisy %v: want equal, about 22 dB", p, pn)
			}
			if s := st.num(t, "sigma_estimated"); s < 10 || s > 30 {
				t.Errorf("sigma_estimated %v, want about 20", s)
			}
			if c.clean != nil {
				if mine := psnr(t, c.clean, got); mine < p-0.01 || mine > p+0.01 {
					t.Errorf("PSNR of the download against the clean upload is %.4f dB, the server says %.4f", mine, p)
				}
			}
			for _, u := range []string{st.str("preview_noisy_url"), st.str("preview_result_url")} {
				r := do(t, "GET", ts.URL+u, "", nil)
				if r.Status != http.StatusOK || r.Header.Get("Content-Type") != "image/png" {
					t.Fatalf("%s: %d %s", u, r.Status, r.Header.Get("Content-Type"))
				}
				pv := decodePNG(t, r.Raw)
				if bitDepth(pv) != 8 || pv.Bounds() != got.Bounds() {
					t.Errorf("preview %s is %T %v, want 8-bit %v", u, pv, pv.Bounds(), got.Bounds())
				}
			}
		})
	}
}

func writeTemp(t *testing.T, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestEveryMode runs each mode this build has on a noisy 16-bit colour picture.
func TestEveryMode(t *testing.T) {
	ts := newTestServer(t, testLimits())
	clean := cleanImage(48, 40, true, true)
	data := pngBytes(t, clean)
	for _, m := range listModes(ts.base) {
		if !m.Available {
			t.Logf("mode %s: not in this build (%s)", m.Name, m.Note)
			continue
		}
		id := mustSubmit(t, ts, [][2]string{{"mode", m.Name}, {"noise", "awgn:15"}}, "c.png", data)
		st := waitJob(t, ts, id, 60*time.Second)
		if st.str("state") != "done" {
			t.Fatalf("mode %s ended %s: %s", m.Name, st.str("state"), st.Raw)
		}
		got := decodePNG(t, download(t, ts, st, ".png"))
		if bitDepth(got) != 16 || got.Bounds() != clean.Bounds() {
			t.Errorf("mode %s: download %T %v", m.Name, got, got.Bounds())
		}
		t.Logf("mode %-12s PSNR %5.2f → %5.2f dB, SSIM %.3f → %.3f, %v ms", m.Name,
			st.num(t, "psnr_noisy"), st.num(t, "psnr"), st.num(t, "ssim_noisy"), st.num(t, "ssim"), st.Body["processing_ms"])
	}
}

// testVideo is a 6-frame 64×48 FFV1 clip.
func testVideo(t *testing.T) []byte {
	return ffmpegFile(t, "clip.mkv", "-f", "lavfi", "-i", "testsrc=size=64x48:rate=10", "-frames:v", "6", "-pix_fmt", "yuv420p", "-c:v", "ffv1")
}

func TestVideoJob(t *testing.T) {
	ts := newTestServer(t, testLimits())
	id := mustSubmit(t, ts, [][2]string{{"mode", "average"}, {"frames", "3"}, {"noise", "awgn:10"}}, "clip.mkv", testVideo(t))
	st := waitJob(t, ts, id, 60*time.Second)
	if st.str("state") != "done" || st.str("kind") != "video" {
		t.Fatalf("job: %s", st.Raw)
	}
	if st.num(t, "frames_done") != 6 || st.num(t, "progress") != 1 {
		t.Errorf("frames %v/%v progress %v, want 6 and 1", st.Body["frames_done"], st.Body["frames_total"], st.Body["progress"])
	}
	if st.num(t, "psnr") <= st.num(t, "psnr_noisy") {
		t.Errorf("averaging 3 frames did not raise the PSNR: %v → %v", st.Body["psnr_noisy"], st.Body["psnr"])
	}
	path := writeTemp(t, "out.mkv", download(t, ts, st, ".mkv"))
	src, err := decode.Open(decode.Options{Input: path})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if g := src.Geometry(); g.W != 64 || g.H != 48 || src.PixFmt() != "yuv420p" {
		t.Errorf("result is %v %s", g, src.PixFmt())
	}
	n := 0
	for {
		f, err := src.Next(context.Background())
		if err != nil {
			break
		}
		f.Release()
		n++
	}
	if n != 6 {
		t.Errorf("result has %d frames, want 6", n)
	}
}

// jobDirs lists the job folders left in the server's private folder.
func jobDirs(t *testing.T, ts *testServer) []string { return dirEntries(t, ts.TempDir()) }

// settle waits until no job holds a slot and no job folder is left, failing otherwise.
func settle(t *testing.T, ts *testServer) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for len(ts.slots) > 0 || len(jobDirs(t, ts)) > len(ts.jobs.all()) {
		if time.Now().After(deadline) {
			t.Fatalf("%d slots held, folders %v for %d jobs", len(ts.slots), jobDirs(t, ts), len(ts.jobs.all()))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestLimitUploadSize(t *testing.T) {
	lim := testLimits()
	lim.MaxUploadBytes = 2000
	ts := newTestServer(t, lim)
	big := pngBytes(t, cleanImage(64, 64, true, true)) // tens of KiB, under the framing slack
	if len(big) <= 2000 || len(big) > formSlack {
		t.Fatalf("test picture is %d bytes", len(big))
	}
	r := submit(t, ts, [][2]string{{"mode", "copy"}}, "big.png", big)
	expectError(t, r, http.StatusRequestEntityTooLarge, "--max-upload")
	// A body that says at once it is too large is refused before it is read.
	huge := bytes.Repeat([]byte{1}, 200_000)
	r = submit(t, ts, [][2]string{{"mode", "copy"}}, "huge.png", huge)
	expectError(t, r, http.StatusRequestEntityTooLarge, "1.95 KiB limit (--max-upload)")
	settle(t, ts)
	if d := jobDirs(t, ts); len(d) != 0 {
		t.Errorf("refused uploads left %v", d)
	}
	// Under the limit, all is well.
	small := pngBytes(t, cleanImage(8, 8, false, false))
	id := mustSubmit(t, ts, [][2]string{{"mode", "copy"}}, "small.png", small)
	if st := waitJob(t, ts, id, 20*time.Second); st.str("state") != "done" {
		t.Fatal(string(st.Raw))
	}
}

func TestLimitPixels(t *testing.T) {
	lim := testLimits()
	lim.MaxPixels = 1000
	ts := newTestServer(t, lim)
	// PNG: refused from its header, before FFmpeg decodes it.
	r := submit(t, ts, [][2]string{{"mode", "copy"}}, "p.png", pngBytes(t, cleanImage(40, 40, false, false)))
	expectError(t, r, http.StatusRequestEntityTooLarge, "40×40 = 1600 pixels, more than the 1000 pixels per frame limit (--max-pixels)")
	// Video: refused once its first frame is decoded.
	r = submit(t, ts, [][2]string{{"mode", "copy"}}, "v.mkv", testVideo(t))
	expectError(t, r, http.StatusRequestEntityTooLarge, "--max-pixels")
	settle(t, ts)
	if d := jobDirs(t, ts); len(d) != 0 {
		t.Errorf("refused uploads left %v", d)
	}
	id := mustSubmit(t, ts, [][2]string{{"mode", "copy"}}, "ok.png", pngBytes(t, cleanImage(25, 40, false, false)))
	if st := waitJob(t, ts, id, 20*time.Second); st.str("state") != "done" {
		t.Fatal(string(st.Raw))
	}
}

func TestLimitConcurrentJobs(t *testing.T) {
	lim := testLimits()
	lim.MaxJobs = 1
	ts := newTestServer(t, lim, func(s *Server) { s.frameDelay.Store(int64(400 * time.Millisecond)) })
	img := pngBytes(t, cleanImage(16, 16, false, false))
	id := mustSubmit(t, ts, [][2]string{{"mode", "copy"}}, "a.png", img)
	r := submit(t, ts, [][2]string{{"mode", "copy"}}, "b.png", img)
	expectError(t, r, http.StatusTooManyRequests, "--max-jobs")
	if r.Header.Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
	if st := waitJob(t, ts, id, 20*time.Second); st.str("state") != "done" {
		t.Fatal(string(st.Raw))
	}
	settle(t, ts)
	id = mustSubmit(t, ts, [][2]string{{"mode", "copy"}}, "c.png", img)
	waitJob(t, ts, id, 20*time.Second)
}

// TestLimitRequestTimeout sends the start of an upload and stalls: the server answers 408
// once the request timeout has passed, and keeps nothing.
func TestLimitRequestTimeout(t *testing.T) {
	lim := testLimits()
	lim.RequestTimeout = 300 * time.Millisecond
	ts := newTestServer(t, lim)
	conn, err := net.Dial("tcp", strings.TrimPrefix(ts.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	head := "POST /api/jobs HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary=XX\r\nContent-Length: 50000\r\n\r\n" +
		"--XX\r\nContent-Disposition: form-data; name=\"mode\"\r\n\r\ncopy\r\n" +
		"--XX\r\nContent-Disposition: form-data; name=\"file\"; filename=\"slow.png\"\r\n\r\n\x89PNG\r\n"
	if _, err := conn.Write([]byte(head)); err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer to a stalled upload: %v", err)
	}
	defer resp.Body.Close()
	r := apiResponse{Status: resp.StatusCode, Header: resp.Header}
	r.Raw, _ = io.ReadAll(resp.Body)
	_ = json.Unmarshal(r.Raw, &r.Body)
	expectError(t, r, http.StatusRequestTimeout, "--request-timeout")
	if el := time.Since(t0); el > 3*time.Second {
		t.Errorf("answered after %v", el)
	}
	settle(t, ts)
	if d := jobDirs(t, ts); len(d) != 0 {
		t.Errorf("the stalled upload left %v", d)
	}
}

// TestLimitJobTimeout: a job that runs past the job timeout is reported at once as
// "timeout", its result is refused with 422, and its slot is freed when the work stops.
func TestLimitJobTimeout(t *testing.T) {
	lim := testLimits()
	lim.JobTimeout = 200 * time.Millisecond
	ts := newTestServer(t, lim, func(s *Server) { s.frameDelay.Store(int64(1500 * time.Millisecond)) })
	t0 := time.Now()
	id := mustSubmit(t, ts, [][2]string{{"mode", "copy"}}, "slow.png", pngBytes(t, cleanImage(16, 16, false, false)))
	st := waitJob(t, ts, id, 5*time.Second)
	if st.str("state") != "timeout" || !strings.Contains(st.str("error"), "--job-timeout") {
		t.Fatalf("state %s error %q", st.str("state"), st.str("error"))
	}
	if el := time.Since(t0); el > 1200*time.Millisecond {
		t.Errorf("the timeout was reported after %v, not at once", el)
	}
	expectError(t, do(t, "GET", ts.URL+"/api/jobs/"+id+"/result", "", nil), http.StatusUnprocessableEntity, "job timeout")
	settle(t, ts)
	if st := do(t, "GET", ts.URL+"/api/jobs/"+id, "", nil); st.str("state") != "timeout" {
		t.Errorf("the worker's end overwrote the timeout: %s", st.Raw)
	}
}

func TestMalformedUploads(t *testing.T) {
	ts := newTestServer(t, testLimits())
	good := pngBytes(t, cleanImage(16, 16, false, false))
	copyMode := [][2]string{{"mode", "copy"}}
	cases := []struct {
		name   string
		fields [][2]string
		file   string
		data   []byte
		status int
		want   string
	}{
		{"not media", copyMode, "x.png", []byte("this is not a picture at all, just text"), 422, "cannot read the upload"},
		{"truncated png", copyMode, "t.png", good[:len(good)/3], 422, "cannot read the upload"},
		{"empty file", copyMode, "e.png", nil, 422, "empty"},
		{"no file", copyMode, "", nil, 400, `no file in the upload`},
		{"unknown mode", [][2]string{{"mode", "magic"}}, "a.png", good, 400, `mode "magic" is not one of`},
		{"bad sigma", [][2]string{{"mode", "copy"}, {"sigma", "loud"}}, "a.png", good, 400, "sigma"},
		{"sigma too big", [][2]string{{"mode", "copy"}, {"sigma", "300"}}, "a.png", good, 400, "sigma"},
		{"bad strength", [][2]string{{"mode", "copy"}, {"strength", "-1"}}, "a.png", good, 400, "strength"},
		{"bad noise", [][2]string{{"mode", "copy"}, {"noise", "awgn:x"}}, "a.png", good, 400, "noise"},
		{"even frames", [][2]string{{"mode", "average"}, {"frames", "4"}}, "a.png", good, 400, "temporal.frames"},
		{"unknown field", [][2]string{{"mode", "copy"}, {"colour", "red"}}, "a.png", good, 400, `unknown form field "colour"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			expectError(t, submit(t, ts, c.fields, c.file, c.data), c.status, c.want)
		})
	}
	t.Run("not multipart", func(t *testing.T) {
		expectError(t, do(t, "POST", ts.URL+"/api/jobs", "application/json", strings.NewReader(`{"mode":"copy"}`)), 400, "multipart/form-data")
	})
	t.Run("broken multipart", func(t *testing.T) {
		expectError(t, do(t, "POST", ts.URL+"/api/jobs", "multipart/form-data; boundary=XX", strings.NewReader("--XX\r\nnonsense")), 400, "malformed multipart")
	})
	t.Run("two files", func(t *testing.T) {
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		_ = mw.WriteField("mode", "copy")
		for _, n := range []string{"a.png", "b.png"} {
			fw, _ := mw.CreateFormFile("file", n)
			_, _ = fw.Write(good)
		}
		_ = mw.Close()
		expectError(t, do(t, "POST", ts.URL+"/api/jobs", mw.FormDataContentType(), &b), 400, "more than one file")
	})
	settle(t, ts)
	if d := jobDirs(t, ts); len(d) != 0 {
		t.Errorf("refused uploads left %v", d)
	}
}

func TestCancelJob(t *testing.T) {
	ts := newTestServer(t, testLimits(), func(s *Server) { s.frameDelay.Store(int64(300 * time.Millisecond)) })
	id := mustSubmit(t, ts, [][2]string{{"mode", "copy"}}, "clip.mkv", testVideo(t))
	expectError(t, do(t, "GET", ts.URL+"/api/jobs/"+id+"/result", "", nil), http.StatusConflict, "still running")
	r := do(t, "DELETE", ts.URL+"/api/jobs/"+id, "", nil)
	if r.Status != http.StatusAccepted || r.str("state") != "cancelled" {
		t.Fatalf("DELETE of a running job: %d %s", r.Status, r.Raw)
	}
	st := waitJob(t, ts, id, time.Second)
	if st.str("state") != "cancelled" {
		t.Fatalf("state %s", st.Raw)
	}
	expectError(t, do(t, "GET", ts.URL+"/api/jobs/"+id+"/result", "", nil), http.StatusConflict, "cancelled")
	settle(t, ts) // the pipeline stopped reading: the slot is free well before 6 frames × 300 ms
	if st := do(t, "GET", ts.URL+"/api/jobs/"+id, "", nil); st.num(t, "frames_done") >= 6 {
		t.Errorf("the cancelled job ran to the end: %s", st.Raw)
	}
	r = do(t, "DELETE", ts.URL+"/api/jobs/"+id, "", nil)
	if r.Status != http.StatusOK || r.str("state") != "deleted" {
		t.Fatalf("DELETE of a finished job: %d %s", r.Status, r.Raw)
	}
	expectError(t, do(t, "GET", ts.URL+"/api/jobs/"+id, "", nil), http.StatusNotFound, "no job")
	settle(t, ts)
	if d := jobDirs(t, ts); len(d) != 0 {
		t.Errorf("deleted job left %v", d)
	}
}

func TestResultTTL(t *testing.T) {
	lim := testLimits()
	lim.ResultTTL = 300 * time.Millisecond
	ts := newTestServer(t, lim)
	id := mustSubmit(t, ts, [][2]string{{"mode", "copy"}}, "a.png", pngBytes(t, cleanImage(8, 8, false, false)))
	if st := waitJob(t, ts, id, 10*time.Second); st.str("state") != "done" || st.Body["expires"] == nil {
		t.Fatalf("%s", st.Raw)
	}
	deadline := time.Now().Add(5 * time.Second)
	for do(t, "GET", ts.URL+"/api/jobs/"+id, "", nil).Status != http.StatusNotFound {
		if time.Now().After(deadline) {
			t.Fatal("the job outlived its TTL")
		}
		time.Sleep(50 * time.Millisecond)
	}
	expectError(t, do(t, "GET", ts.URL+"/api/jobs/"+id+"/result", "", nil), http.StatusNotFound, "expired")
	settle(t, ts)
	if d := jobDirs(t, ts); len(d) != 0 {
		t.Errorf("expired job left %v", d)
	}
}

// TestUploadsStayPrivate: the upload lives only in the job's 0700 folder inside the
// server's 0700 folder, and is removed once processed; Close removes everything (checked
// by newTestServer's cleanup).
func TestUploadsStayPrivate(t *testing.T) {
	ts := newTestServer(t, testLimits(), func(s *Server) { s.frameDelay.Store(int64(300 * time.Millisecond)) })
	if fi, err := os.Stat(ts.TempDir()); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("temporary folder: %v %v", fi.Mode(), err)
	}
	id := mustSubmit(t, ts, [][2]string{{"mode", "copy"}}, "mine.png", pngBytes(t, cleanImage(8, 8, false, false)))
	dir := filepath.Join(ts.TempDir(), id)
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("job folder: %v", err)
	}
	up := filepath.Join(dir, "upload.png")
	if fi, err := os.Stat(up); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("upload while running: %v", err)
	}
	waitJob(t, ts, id, 10*time.Second)
	settle(t, ts)
	if _, err := os.Stat(up); !os.IsNotExist(err) {
		t.Errorf("the upload is still there after the job: %v", err)
	}
	names := dirEntries(t, dir)
	slices.Sort(names)
	if want := []string{"preview-noisy.png", "preview-result.png", "result.png"}; !slices.Equal(names, want) {
		t.Errorf("job folder holds %v, want %v", names, want)
	}
}

func TestModesAndLimits(t *testing.T) {
	lim := testLimits()
	lim.MaxJobs = 3
	ts := newTestServer(t, lim)
	r := do(t, "GET", ts.URL+"/api/modes", "", nil)
	var names []string
	for _, m := range r.Body["modes"].([]any) {
		names = append(names, m.(map[string]any)["name"].(string))
	}
	if !slices.Equal(names, configs.Modes) {
		t.Errorf("GET /api/modes lists %v, the CLI has %v", names, configs.Modes)
	}
	r = do(t, "GET", ts.URL+"/api/limits", "", nil)
	if r.num(t, "max_jobs") != 3 || r.num(t, "max_upload_bytes") != float64(lim.MaxUploadBytes) {
		t.Errorf("limits: %s", r.Raw)
	}
	expectError(t, do(t, "GET", ts.URL+"/api/jobs/0123", "", nil), http.StatusNotFound, "no job")
	expectError(t, do(t, "GET", ts.URL+"/api/nothing", "", nil), http.StatusNotFound, "no API endpoint")
}

// TestPageIsSelfContained: the page and its assets are served from the binary and refer to
// nothing outside it.
func TestPageIsSelfContained(t *testing.T) {
	ts := newTestServer(t, testLimits())
	r := do(t, "GET", ts.URL+"/", "", nil)
	if r.Status != http.StatusOK || !strings.Contains(string(r.Raw), `<script src="/static/app.js"`) {
		t.Fatalf("GET /: %d", r.Status)
	}
	if csp := r.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
		t.Errorf("CSP %q", csp)
	}
	ents, _ := assets.ReadDir("assets")
	for _, e := range ents {
		b, _ := assets.ReadFile("assets/" + e.Name())
		if bytes.Contains(b, []byte("http://")) || bytes.Contains(b, []byte("https://")) || bytes.Contains(b, []byte(`"//`)) {
			t.Errorf("%s refers to another site", e.Name())
		}
		if r := do(t, "GET", ts.URL+"/static/"+e.Name(), "", nil); r.Status != http.StatusOK {
			t.Errorf("/static/%s: %d", e.Name(), r.Status)
		}
	}
}

// TestServeLoopbackOnly: on a loopback listener, a request for another host name (DNS
// rebinding) is refused; Serve's shutdown removes the temporary folder.
func TestServeLoopbackOnly(t *testing.T) {
	s, err := New(Options{Limits: testLimits(), TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	url := "http://" + ln.Addr().String() + "/api/modes"
	req, _ := http.NewRequest("GET", url, nil)
	req.Host = "attacker.example:80"
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("foreign Host: %d, want 403", resp.StatusCode)
	}
	resp, err = http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("loopback Host: %d", resp.StatusCode)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(s.TempDir()); !os.IsNotExist(err) {
		t.Errorf("temporary folder left after shutdown: %v", err)
	}
}

// TestPlaylistRefused: a playlist naming another file of the machine is not read.
func TestPlaylistRefused(t *testing.T) {
	ts := newTestServer(t, testLimits())
	secret := writeTemp(t, "secret.mkv", testVideo(t))
	for _, c := range []struct{ name, body string }{
		{"list.m3u8", "#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1,\n" + secret + "\n#EXT-X-ENDLIST\n"},
		{"list.ffconcat", "ffconcat version 1.0\nfile '" + secret + "'\n"},
		{"list", "#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1,\nfile://" + secret + "\n#EXT-X-ENDLIST\n"},
	} {
		expectError(t, submit(t, ts, [][2]string{{"mode", "copy"}}, c.name, []byte(c.body)), http.StatusUnprocessableEntity, "cannot read the upload")
	}
}

// TestSigmaChannels uploads an RGB PNG and a 4:2:0 Y4M of flat grey with AWGN σ=20 on the
// first plane and σ=5 on the others, runs them through mode nlm, and checks that the status
// names every channel and gives its σ within 10 % (on 256×192 pictures, or 128×96 chroma
// planes, of pure noise the estimate's relative standard error is a few per cent at most).
func TestSigmaChannels(t *testing.T) {
	ts := newTestServer(t, testLimits())
	const w, h = 256, 192
	truth := []float64{20, 5, 5}
	rng := rand.New(rand.NewPCG(3, 4))
	code := func(sigma float64) uint8 {
		return uint8(math.Round(min(max(128+rng.NormFloat64()*sigma, 0), 255)))
	}
	rgb := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < len(rgb.Pix); i += 4 {
		rgb.Pix[i], rgb.Pix[i+1], rgb.Pix[i+2], rgb.Pix[i+3] = code(truth[0]), code(truth[1]), code(truth[2]), 255
	}
	var y4m bytes.Buffer
	fmt.Fprintf(&y4m, "YUV4MPEG2 W%d H%d F25:1 Ip A1:1 C420jpeg XCOLORRANGE=FULL\nFRAME\n", w, h)
	for i, n := range []int{w * h, w * h / 4, w * h / 4} {
		for range n {
			y4m.WriteByte(code(truth[i]))
		}
	}
	cases := []struct {
		name  string
		data  []byte
		names []string
	}{
		{"rgb.png", pngBytes(t, rgb), []string{"r", "g", "b"}},
		{"yuv420.y4m", y4m.Bytes(), []string{"y", "u", "v"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			id := mustSubmit(t, ts, [][2]string{{"mode", "nlm"}}, c.name, c.data)
			st := waitJob(t, ts, id, 60*time.Second)
			if st.str("state") != "done" {
				t.Fatalf("job ended %s: %s", st.str("state"), st.Raw)
			}
			chans, _ := st.Body["sigma_channels"].([]any)
			if len(chans) != len(c.names) {
				t.Fatalf("sigma_channels %v, want %v", st.Body["sigma_channels"], c.names)
			}
			for i, ch := range chans {
				m, _ := ch.(map[string]any)
				name, _ := m["channel"].(string)
				s, _ := m["sigma"].(float64)
				if name != c.names[i] || math.Abs(s-truth[i]) > 0.1*truth[i] {
					t.Errorf("channel %d: %q σ %.2f, want %q σ %.0f", i, name, s, c.names[i], truth[i])
				}
			}
		})
	}
}
