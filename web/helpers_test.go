package web

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// testServer is a Server behind httptest, closed (and its folder checked gone) at cleanup.
type testServer struct {
	*Server
	URL string
}

func newTestServer(t *testing.T, lim Limits, setup ...func(*Server)) *testServer {
	t.Helper()
	s, err := New(Options{Limits: lim, TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range setup {
		f(s)
	}
	hs := httptest.NewServer(s.Handler())
	t.Cleanup(func() {
		hs.Close()
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		if _, err := os.Stat(s.TempDir()); !os.IsNotExist(err) {
			t.Errorf("the temporary folder %s is still there after Close (%v)", s.TempDir(), err)
		}
	})
	return &testServer{s, hs.URL}
}

// testLimits are roomy limits with short timeouts.
func testLimits() Limits {
	l := DefaultLimits()
	l.RequestTimeout, l.JobTimeout, l.ResultTTL = 10*time.Second, 30*time.Second, time.Minute
	return l
}

// cleanImage is a smooth test picture with some edges: gray or RGB, 8 or 16-bit.
func cleanImage(w, h int, rgb, deep bool) image.Image {
	val := func(x, y, c int) float64 {
		v := 0.5 + 0.35*math.Sin(float64(x)/7+float64(c))*math.Cos(float64(y)/9)
		if (x/16+y/16)%2 == 0 {
			v = 0.85*v + 0.1
		}
		return v
	}
	r := image.Rect(0, 0, w, h)
	switch {
	case rgb && deep:
		im := image.NewRGBA64(r)
		for y := range h {
			for x := range w {
				im.SetRGBA64(x, y, color.RGBA64{uint16(val(x, y, 0) * 65535), uint16(val(x, y, 1) * 65535), uint16(val(x, y, 2) * 65535), 65535})
			}
		}
		return im
	case rgb:
		im := image.NewRGBA(r)
		for y := range h {
			for x := range w {
				im.SetRGBA(x, y, color.RGBA{uint8(val(x, y, 0) * 255), uint8(val(x, y, 1) * 255), uint8(val(x, y, 2) * 255), 255})
			}
		}
		return im
	case deep:
		im := image.NewGray16(r)
		for y := range h {
			for x := range w {
				im.SetGray16(x, y, color.Gray16{uint16(val(x, y, 0) * 65535)})
			}
		}
		return im
	}
	im := image.NewGray(r)
	for y := range h {
		for x := range w {
			im.SetGray(x, y, color.Gray{uint8(val(x, y, 0) * 255)})
		}
	}
	return im
}

func pngBytes(t *testing.T, im image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, im); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// multipartBody builds a job upload: the fields in order, then the file.
func multipartBody(t *testing.T, fields [][2]string, filename string, data []byte) (*bytes.Buffer, string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for _, f := range fields {
		if err := mw.WriteField(f[0], f[1]); err != nil {
			t.Fatal(err)
		}
	}
	if filename != "" {
		fw, err := mw.CreateFormFile("file", filename)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = fw.Write(data)
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return &b, mw.FormDataContentType()
}

// apiResponse is a decoded JSON answer.
type apiResponse struct {
	Status int
	Header http.Header
	Body   map[string]any
	Raw    []byte
}

func (r apiResponse) str(k string) string { s, _ := r.Body[k].(string); return s }

func (r apiResponse) num(t *testing.T, k string) float64 {
	t.Helper()
	v, ok := r.Body[k].(float64)
	if !ok {
		t.Fatalf("%s is %v (%T), not a number: %s", k, r.Body[k], r.Body[k], r.Raw)
	}
	return v
}

func do(t *testing.T, method, url, ctype string, body io.Reader) apiResponse {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	r := apiResponse{Status: resp.StatusCode, Header: resp.Header, Raw: raw}
	if json.Valid(raw) {
		_ = json.Unmarshal(raw, &r.Body)
	}
	return r
}

func submit(t *testing.T, ts *testServer, fields [][2]string, filename string, data []byte) apiResponse {
	t.Helper()
	b, ct := multipartBody(t, fields, filename, data)
	return do(t, "POST", ts.URL+"/api/jobs", ct, b)
}

// mustSubmit submits and returns the job id, failing unless the answer is 202.
func mustSubmit(t *testing.T, ts *testServer, fields [][2]string, filename string, data []byte) string {
	t.Helper()
	r := submit(t, ts, fields, filename, data)
	if r.Status != http.StatusAccepted {
		t.Fatalf("POST /api/jobs: %d %s", r.Status, r.Raw)
	}
	return r.str("id")
}

// waitJob polls a job until its state is not running.
func waitJob(t *testing.T, ts *testServer, id string, within time.Duration) apiResponse {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		r := do(t, "GET", ts.URL+"/api/jobs/"+id, "", nil)
		if r.Status != http.StatusOK {
			t.Fatalf("GET job: %d %s", r.Status, r.Raw)
		}
		if r.str("state") != "running" {
			return r
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s still running after %v: %s", id, within, r.Raw)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// expectError checks an error answer: its status, and that its JSON error mentions want.
func expectError(t *testing.T, r apiResponse, status int, want string) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d: %s", r.Status, status, r.Raw)
	}
	msg := r.str("error")
	if msg == "" || !bytes.Contains([]byte(msg), []byte(want)) {
		t.Fatalf("error %q does not mention %q", msg, want)
	}
}

// psnr is the PSNR in dB of test against ref, both decoded PNGs of the same size, on
// samples scaled to [0,1] from each one's own bit depth (gray: one plane; RGB: all three).
func psnr(t *testing.T, ref, test image.Image) float64 {
	t.Helper()
	if ref.Bounds() != test.Bounds() {
		t.Fatalf("sizes differ: %v and %v", ref.Bounds(), test.Bounds())
	}
	_, gray := ref.(*image.Gray16)
	if _, ok := ref.(*image.Gray); ok {
		gray = true
	}
	var sse float64
	var n int
	b := ref.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r1, g1, b1, _ := ref.At(x, y).RGBA()
			r2, g2, b2, _ := test.At(x, y).RGBA()
			pairs := [][2]uint32{{r1, r2}, {g1, g2}, {b1, b2}}
			if gray {
				pairs = pairs[:1]
			}
			for _, p := range pairs {
				d := (float64(p[0]) - float64(p[1])) / 65535
				sse += d * d
				n++
			}
		}
	}
	return 10 * math.Log10(1/(sse/float64(n)))
}

// bitDepth is the bit depth of a decoded PNG's samples.
func bitDepth(im image.Image) int {
	switch im.(type) {
	case *image.Gray16, *image.RGBA64, *image.NRGBA64:
		return 16
	}
	return 8
}

// needTool fails the test when a command the repository's setup installs is missing.
func needTool(t *testing.T, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Fatalf("%s not found: run scripts/setup.sh", name)
	}
}

// ffmpegFile makes a test input with the ffmpeg command and returns its bytes.
func ffmpegFile(t *testing.T, name string, args ...string) []byte {
	t.Helper()
	needTool(t, "ffmpeg")
	out := filepath.Join(t.TempDir(), name)
	cmd := exec.Command("ffmpeg", append(append([]string{"-v", "error", "-y"}, args...), out)...)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg %v: %v\n%s", args, err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func dirEntries(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}
