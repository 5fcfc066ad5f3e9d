package web

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// slowClient is a real TCP client that uploads a file at about 1 KB/s.
type slowClient struct {
	conn net.Conn
	stop chan struct{}
	done sync.WaitGroup
	resp chan apiResponse // the server's answer, when it gives one
}

// startSlowUpload sends the headers of a 100 kB upload and the start of its body, then
// 1 KiB of the file every second until stopped or refused.
func startSlowUpload(t *testing.T, addr string) *slowClient {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	c := &slowClient{conn: conn, stop: make(chan struct{}), resp: make(chan apiResponse, 1)}
	head := "POST /api/jobs HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary=XX\r\nContent-Length: 100000\r\n\r\n" +
		"--XX\r\nContent-Disposition: form-data; name=\"mode\"\r\n\r\ncopy\r\n" +
		"--XX\r\nContent-Disposition: form-data; name=\"file\"; filename=\"slow.png\"\r\n\r\n\x89PNG\r\n"
	if _, err := conn.Write([]byte(head)); err != nil {
		t.Fatal(err)
	}
	c.done.Add(2)
	go func() {
		defer c.done.Done()
		chunk := []byte(strings.Repeat("x", 1024))
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case <-c.stop:
				return
			case <-tick.C:
				if _, err := conn.Write(chunk); err != nil {
					return
				}
			}
		}
	}()
	go func() {
		defer c.done.Done()
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			return
		}
		defer resp.Body.Close()
		r := apiResponse{Status: resp.StatusCode, Header: resp.Header}
		r.Raw, _ = io.ReadAll(resp.Body)
		_ = json.Unmarshal(r.Raw, &r.Body)
		c.resp <- r
	}()
	t.Cleanup(c.close)
	return c
}

func (c *slowClient) close() {
	select {
	case <-c.stop:
	default:
		close(c.stop)
	}
	_ = c.conn.Close()
	c.done.Wait()
}

// answered returns the server's answer, if it gave one by now.
func (c *slowClient) answered() (apiResponse, bool) {
	select {
	case r := <-c.resp:
		return r, true
	default:
		return apiResponse{}, false
	}
}

func hostOf(ts *testServer) string { return strings.TrimPrefix(ts.URL, "http://") }

// uploading waits until the server is receiving n uploads.
func uploading(t *testing.T, ts *testServer, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for len(ts.uploads) != n {
		if time.Now().After(deadline) {
			t.Fatalf("%d uploads in progress, want %d", len(ts.uploads), n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestSlowUploadsLeaveJobSlots: two clients uploading at 1 KB/s hold no job slot; a
// third client's job runs and completes while they are still sending.
func TestSlowUploadsLeaveJobSlots(t *testing.T) {
	lim := testLimits()
	lim.MaxJobs = 2
	lim.MinUploadRate = 256
	ts := newTestServer(t, lim)
	slow := []*slowClient{startSlowUpload(t, hostOf(ts)), startSlowUpload(t, hostOf(ts))}
	time.Sleep(1500 * time.Millisecond) // both are well into their uploads
	for i, c := range slow {
		if r, ok := c.answered(); ok {
			t.Fatalf("slow upload %d was answered already: %d %s", i, r.Status, r.Raw)
		}
	}
	if n := len(ts.slots); n != 0 {
		t.Errorf("two uploads in progress hold %d job slots", n)
	}
	id := mustSubmit(t, ts, [][2]string{{"mode", "copy"}}, "third.png", pngBytes(t, cleanImage(16, 16, false, false)))
	if st := waitJob(t, ts, id, 20*time.Second); st.str("state") != "done" {
		t.Fatalf("the third client's job: %s", st.Raw)
	}
	for i, c := range slow {
		if r, ok := c.answered(); ok {
			t.Fatalf("slow upload %d was cut off: %d %s", i, r.Status, r.Raw)
		}
		c.close()
	}
	settle(t, ts)
	uploading(t, ts, 0)
	if d := jobDirs(t, ts); len(d) != 1 {
		t.Errorf("the abandoned uploads left folders: %v", d)
	}
}

// TestLimitConcurrentUploads: uploads beyond --max-uploads are refused with 503 and
// Retry-After before their body is read; a slot frees when an upload ends.
func TestLimitConcurrentUploads(t *testing.T) {
	lim := testLimits()
	lim.MaxJobs, lim.MaxUploads, lim.MinUploadRate = 1, 1, 256
	ts := newTestServer(t, lim)
	slow := startSlowUpload(t, hostOf(ts))
	uploading(t, ts, 1)
	img := pngBytes(t, cleanImage(16, 16, false, false))
	r := submit(t, ts, [][2]string{{"mode", "copy"}}, "b.png", img)
	expectError(t, r, http.StatusServiceUnavailable, "--max-uploads")
	if r.Header.Get("Retry-After") == "" {
		t.Error("503 without Retry-After")
	}
	if l := do(t, "GET", ts.URL+"/api/limits", "", nil); l.num(t, "max_uploads") != 1 || l.num(t, "uploading") != 1 {
		t.Errorf("limits while uploading: %s", l.Raw)
	}
	slow.close()
	uploading(t, ts, 0)
	id := mustSubmit(t, ts, [][2]string{{"mode", "copy"}}, "c.png", img)
	if st := waitJob(t, ts, id, 20*time.Second); st.str("state") != "done" {
		t.Fatal(string(st.Raw))
	}
}

// TestLimitUploadRate: an upload arriving at 1 KB/s against a 4 KiB/s minimum is cut
// off with 408 once its allowance has passed, long before the request timeout, and leaves
// nothing.
func TestLimitUploadRate(t *testing.T) {
	lim := testLimits()
	lim.MinUploadRate, lim.uploadGrace, lim.RequestTimeout = 4<<10, 500*time.Millisecond, 20*time.Second
	ts := newTestServer(t, lim)
	t0 := time.Now()
	slow := startSlowUpload(t, hostOf(ts))
	var r apiResponse
	select {
	case r = <-slow.resp:
	case <-time.After(6 * time.Second):
		t.Fatal("an upload at 1 KB/s was not cut off within 6 s")
	}
	expectError(t, r, http.StatusRequestTimeout, "--min-upload-rate")
	if el := time.Since(t0); el < 500*time.Millisecond {
		t.Errorf("cut off after %v, within its allowance", el)
	}
	settle(t, ts)
	uploading(t, ts, 0)
	if d := jobDirs(t, ts); len(d) != 0 {
		t.Errorf("the slow upload left %v", d)
	}
}

// serveNew makes a server with lim and serves it on a loopback port until the test ends;
// it returns the listener's address.
func serveNew(t *testing.T, lim Limits) string {
	t.Helper()
	s, err := New(Options{Limits: lim, TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimPrefix(serveLoopback(t, s), "http://")
}

// rawRequest sends a request as written and returns the answer's status.
func rawRequest(t *testing.T, addr, req string) int {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := conn.Write([]byte(req)); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer to %q: %v", req, err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestLoopbackHosts: on a loopback listener, the Host check is case-insensitive, takes
// ports and IPv6 literals, and covers requests in absolute form, whose Host header
// net/http replaces with the URI's host.
func TestLoopbackHosts(t *testing.T) {
	addr := serveNew(t, testLimits())
	_, port, _ := net.SplitHostPort(addr)
	cases := []struct {
		target, host string
		want         int
	}{
		{"/api/modes", "127.0.0.1", 200},
		{"/api/modes", addr, 200},
		{"/api/modes", "localhost", 200},
		{"/api/modes", "LOCALHOST", 200},
		{"/api/modes", "LocalHost:" + port, 200},
		{"/api/modes", "localhost:" + port, 200},
		{"/api/modes", "[::1]:" + port, 200},
		{"/api/modes", "[::1]", 200},
		{"/api/modes", "127.1.2.3:" + port, 200},
		{"/api/modes", "evil.com", 403},
		{"/api/modes", "evil.com:" + port, 403},
		{"/api/modes", "localhost.evil.com", 403},
		{"/api/modes", "127.0.0.1.evil.com", 403},
		{"/api/modes", "[::2]:" + port, 403},
		{"http://" + addr + "/api/modes", "evil.com", 403},
		{"http://localhost:" + port + "/api/modes", "evil.com", 403},
		{"http://evil.com/api/modes", addr, 403},
		{"HTTP://" + addr + "/api/modes", "EVIL.COM", 403},
	}
	for _, c := range cases {
		req := fmt.Sprintf("GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", c.target, c.host)
		if got := rawRequest(t, addr, req); got != c.want {
			t.Errorf("GET %s with Host %s: %d, want %d", c.target, c.host, got, c.want)
		}
	}
}

// TestHeaderTimeout: a client that sends part of its headers and stalls is disconnected
// once --header-timeout has passed.
func TestHeaderTimeout(t *testing.T) {
	lim := testLimits()
	lim.HeaderTimeout = 300 * time.Millisecond
	addr := serveNew(t, lim)
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte("GET /api/modes HTTP/1.1\r\nHost: 127.0.0.1\r\n")); err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err = io.ReadAll(conn)
	if el := time.Since(t0); err != nil || el > 3*time.Second {
		t.Errorf("the stalled headers held the connection %v (%v)", el, err)
	}
}

// TestJobFilesPrivate: after a real job, the server's folder and the job's are 0700 and
// every file in them (upload, result, previews) is 0600, whatever the umask lets through.
func TestJobFilesPrivate(t *testing.T) {
	ts := newTestServer(t, testLimits(), func(s *Server) { s.frameDelay.Store(int64(200 * time.Millisecond)) })
	for _, c := range []struct {
		name string
		data []byte
	}{{"still.png", pngBytes(t, cleanImage(16, 16, true, false))}, {"clip.mkv", testVideo(t)}} {
		id := mustSubmit(t, ts, [][2]string{{"mode", "copy"}}, c.name, c.data)
		dir := filepath.Join(ts.TempDir(), id)
		var seenUpload bool
		wrong := map[string]string{} // files seen with another mode while the job ran
		for {
			st := do(t, "GET", ts.URL+"/api/jobs/"+id, "", nil)
			for _, n := range dirEntries(t, dir) {
				if m := fileMode(t, filepath.Join(dir, n)); m != 0 && m != 0o600 {
					wrong[n] = m.String()
				}
				seenUpload = seenUpload || strings.HasPrefix(n, "upload")
			}
			if st.str("state") != "running" {
				if st.str("state") != "done" {
					t.Fatalf("%s: %s", c.name, st.Raw)
				}
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		settle(t, ts)
		if len(wrong) > 0 {
			t.Errorf("%s: while the job ran, files were not 0600: %v", c.name, wrong)
		}
		if !seenUpload {
			t.Errorf("%s: the upload was never seen in the job's folder", c.name)
		}
		checkMode(t, ts.TempDir(), os.ModeDir|0o700)
		checkMode(t, dir, os.ModeDir|0o700)
		names := dirEntries(t, dir)
		if len(names) != 3 {
			t.Errorf("%s: job folder holds %v", c.name, names)
		}
		for _, n := range names {
			checkMode(t, filepath.Join(dir, n), 0o600)
		}
	}
}

func checkMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	if got := fileMode(t, path); got != want {
		t.Errorf("%s is %v, want %v", filepath.Base(path), got, want)
	}
}

// fileMode is a file's type and permission bits, 0 when it is gone (a file the job
// removed meanwhile).
func fileMode(t *testing.T, path string) os.FileMode {
	t.Helper()
	fi, err := os.Stat(path)
	if os.IsNotExist(err) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode() & (os.ModeDir | os.ModePerm)
}

// TestLiveLoopbackHosts: the live preview's server, on a loopback listener, refuses a
// foreign Host and absolute-form requests as the page's server does.
func TestLiveLoopbackHosts(t *testing.T) {
	l := NewLive(0)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- l.Serve(ctx, ln) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	}()
	addr := ln.Addr().String()
	for _, c := range []struct {
		target, host string
		want         int
	}{
		{"/stats", "LOCALHOST", 200},
		{"/stats", addr, 200},
		{"/stats", "evil.com", 403},
		{"http://" + addr + "/stats", "evil.com", 403},
	} {
		req := fmt.Sprintf("GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", c.target, c.host)
		if got := rawRequest(t, addr, req); got != c.want {
			t.Errorf("GET %s with Host %s: %d, want %d", c.target, c.host, got, c.want)
		}
	}
}
