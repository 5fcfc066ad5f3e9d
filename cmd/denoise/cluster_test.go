package main

// Cluster tests: an embedded NATS server with JetStream on a loopback port, workers and
// submitters as separate processes of the real binary, outputs compared frame by frame
// with a single run's.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/denoise-go/denoise/cluster"
)

// queueArgs are the queue settings every process of a test shares: a short ack wait, so
// that a lost worker's item comes back quickly.
var queueArgs = []string{"--ack-wait", "2s", "--max-attempts", "2"}

// natsServer starts an embedded server for the test and returns its URL.
func natsServer(t *testing.T) string {
	t.Helper()
	srv, err := cluster.StartServer("127.0.0.1", 0, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv.URL()
}

// startWorker runs `denoise worker` until the test ends (or the caller kills it).
func startWorker(t *testing.T, url, name string, extra ...string) *exec.Cmd {
	t.Helper()
	args := append([]string{"worker", "--nats", url, "--name", name, "--log-level", "warn"}, queueArgs...)
	args = append(args, extra...)
	cmd := exec.Command(denoiseBin(t), args...)
	var log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("worker %s:\n%s", name, log.String())
		}
	})
	return cmd
}

// bucket opens the job-state bucket the way a submitter does.
func bucket(t *testing.T, url string) jetstream.KeyValue {
	t.Helper()
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	b, err := cluster.Setup(context.Background(), js, cluster.Queue{AckWait: 2 * time.Second, MaxAttempts: 2})
	if err != nil {
		t.Fatal(err)
	}
	return b.KV
}

// noisyClip writes a 300-frame clip with B-frames, key frames every 50 frames and a sound
// track.
func noisyClip(t *testing.T, dir string) string {
	t.Helper()
	in := filepath.Join(dir, "in.mkv")
	ffmpeg(t, "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25,noise=alls=20:allf=t", "-f", "lavfi", "-i", "sine=f=440:sample_rate=48000",
		"-t", "12", "-c:v", "mpeg4", "-q:v", "3", "-g", "50", "-bf", "2", "-c:a", "aac", "-shortest", in)
	return in
}

func clusterArgs(in, out, url string, extra ...string) []string {
	args := []string{"-i", in, "-o", out, "-c", "ffv1", "--mode", "stnlm", "--radius", "2", "--cluster", url, "--piece-frames", "75", "--progress", "off"}
	return append(append(args, queueArgs...), extra...)
}

// singleRun is the reference: the same settings on one machine.
func singleRun(t *testing.T, in, out string) {
	t.Helper()
	if r := runDenoise(t, nil, "-i", in, "-o", out, "-c", "ffv1", "--mode", "stnlm", "--radius", "2", "--progress", "off"); r.code != 0 {
		t.Fatalf("single run: exit %d\n%s", r.code, r.stderr)
	}
}

func sameVideo(t *testing.T, got, want string) {
	t.Helper()
	equalLists(t, "frames (time, md5)", frameHashes(t, got), frameHashes(t, want))
	equalLists(t, "audio packets", packetHashes(t, got), packetHashes(t, want))
}

// TestClusterPieces: a 300-frame clip in stnlm radius 2, cut into 4 pieces and run by two
// worker processes through the object store, comes out frame by frame as a single run's,
// with its audio.
func TestClusterPieces(t *testing.T) {
	need(t, "ffmpeg", "ffprobe")
	dir := t.TempDir()
	in := noisyClip(t, dir)
	url := natsServer(t)
	metrics := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	startWorker(t, url, "w1", "--metrics-addr", metrics)
	startWorker(t, url, "w2")
	out := filepath.Join(dir, "cluster.mkv")
	r := runDenoise(t, nil, clusterArgs(in, out, url)...)
	if r.code != 0 {
		t.Fatalf("submit: exit %d\n%s", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, "items=4") || !strings.Contains(r.stderr, "frames_out=300") {
		t.Fatalf("want 4 pieces and 300 frames out:\n%s", r.stderr)
	}
	ref := filepath.Join(dir, "single.mkv")
	singleRun(t, in, ref)
	sameVideo(t, out, ref)

	// The worker's metrics count what it did.
	page := scrape(t, "http://"+metrics+"/metrics", "denoise_worker_items_total")
	for _, want := range []string{`denoise_worker_items_total{result="done"}`, "denoise_worker_frames_total", "denoise_worker_queue_wait_seconds_count"} {
		if !strings.Contains(page, want) {
			t.Errorf("metrics lack %s", want)
		}
	}

	// The job's state and data are gone from the server once the output is written.
	kv := bucket(t, url)
	if keys, err := kv.ListKeys(context.Background()); err == nil {
		for k := range keys.Keys() {
			t.Errorf("left in the bucket: %s", k)
		}
	}
}

// TestClusterWorkerKilled: the only worker is killed (SIGKILL) in the middle of a piece; the
// piece is redelivered to a new worker after the ack wait and the job still gives the
// single run's frames. The input is read over HTTP, by the submitter and the workers.
func TestClusterWorkerKilled(t *testing.T) {
	need(t, "ffmpeg", "ffprobe")
	dir := t.TempDir()
	in := noisyClip(t, dir)
	web := httptest.NewServer(http.FileServer(http.Dir(dir)))
	defer web.Close()
	url := natsServer(t)
	kv := bucket(t, url)
	victim := startWorker(t, url, "victim")
	out := filepath.Join(dir, "cluster.mkv")
	sub := exec.Command(denoiseBin(t), clusterArgs(web.URL+"/in.mkv", out, url)...)
	var subErr bytes.Buffer
	sub.Stderr = &subErr
	if err := sub.Start(); err != nil {
		t.Fatal(err)
	}
	// Kill the worker once it has written frames of its first piece.
	deadline := time.Now().Add(60 * time.Second)
	var killedAt cluster.Status
	for killedAt.State == "" {
		if time.Now().After(deadline) {
			t.Fatalf("the worker never reported progress\n%s", subErr.String())
		}
		time.Sleep(50 * time.Millisecond)
		keys, err := kv.ListKeys(context.Background())
		if err != nil {
			continue
		}
		for k := range keys.Keys() {
			if !strings.Contains(k, ".item.") {
				continue
			}
			e, err := kv.Get(context.Background(), k)
			if err != nil {
				continue
			}
			var st cluster.Status
			if json.Unmarshal(e.Value(), &st) == nil && st.State == cluster.StateRunning && st.Worker == "victim" && st.Frames > 0 {
				killedAt = st
			}
		}
	}
	if err := victim.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	t.Logf("killed the worker in %s at frame %d of it", killedAt.Name, killedAt.Frames)
	startWorker(t, url, "rescuer")
	done := make(chan error, 1)
	go func() { done <- sub.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("submit: %v\n%s", err, subErr.String())
		}
	case <-time.After(120 * time.Second):
		_ = sub.Process.Kill()
		t.Fatalf("the job did not finish\n%s", subErr.String())
	}
	ref := filepath.Join(dir, "single.mkv")
	singleRun(t, in, ref)
	sameVideo(t, out, ref)
}

// TestClusterResume: a submitter killed after some pieces are done leaves the job on the
// server; the same command resumes it (the done pieces are not run again) and gives the
// single run's frames.
func TestClusterResume(t *testing.T) {
	need(t, "ffmpeg", "ffprobe")
	dir := t.TempDir()
	in := noisyClip(t, dir)
	url := natsServer(t)
	kv := bucket(t, url)
	out := filepath.Join(dir, "cluster.mkv")
	sub := exec.Command(denoiseBin(t), clusterArgs(in, out, url)...)
	if err := sub.Start(); err != nil {
		t.Fatal(err)
	}
	w := startWorker(t, url, "w1")
	deadline := time.Now().Add(60 * time.Second)
	for doneItems(t, kv) < 1 {
		if time.Now().After(deadline) {
			t.Fatal("no piece finished")
		}
		time.Sleep(50 * time.Millisecond)
	}
	_ = sub.Process.Kill()
	_ = sub.Wait()
	_ = w.Process.Kill() // its piece comes back after the ack wait
	startWorker(t, url, "w2")
	r := runDenoise(t, nil, clusterArgs(in, out, url)...) // no -y: the partial output is the job's own
	if r.code != 0 {
		t.Fatalf("resume: exit %d\n%s", r.code, r.stderr)
	}
	if strings.Contains(r.stderr, "resumed=0") || !strings.Contains(r.stderr, "resume=true") {
		t.Fatalf("the second run did not resume:\n%s", r.stderr)
	}
	ref := filepath.Join(dir, "single.mkv")
	singleRun(t, in, ref)
	sameVideo(t, out, ref)
}

func doneItems(t *testing.T, kv jetstream.KeyValue) int {
	keys, err := kv.ListKeys(context.Background())
	if err != nil {
		return 0
	}
	n := 0
	for k := range keys.Keys() {
		if e, err := kv.Get(context.Background(), k); err == nil && strings.Contains(k, ".item.") {
			var st cluster.Status
			if json.Unmarshal(e.Value(), &st) == nil && st.State == cluster.StateDone {
				n++
			}
		}
	}
	return n
}

// TestClusterBatch: a folder of mixed inputs (a TIFF stack, NIfTI volumes, a DICOM series,
// a video) is one item per input, each written as a single run writes it; an input that
// always fails is retried --max-attempts times and then reported by name, without holding
// the others back.
func TestClusterBatch(t *testing.T) {
	need(t, "ffmpeg", "ffprobe")
	dir := t.TempDir()
	batch := filepath.Join(dir, "batch")
	if err := os.MkdirAll(batch, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"sci/tiff/lzw16.tif", "sci/nifti/u16.nii", "sci/nifti/u8.nii.gz", "sample_noisy.mkv"} {
		copyFile(t, filepath.Join("..", "..", "testdata", f), filepath.Join(batch, filepath.Base(f)))
	}
	series := filepath.Join(batch, "series")
	if err := os.MkdirAll(series, 0o755); err != nil {
		t.Fatal(err)
	}
	ents, _ := os.ReadDir("../../testdata/sci/dicom/series")
	for _, e := range ents {
		copyFile(t, filepath.Join("../../testdata/sci/dicom/series", e.Name()), filepath.Join(series, e.Name()))
	}
	if err := os.WriteFile(filepath.Join(batch, "broken.nii"), bytes.Repeat([]byte("not a volume "), 40), 0o644); err != nil {
		t.Fatal(err)
	}
	url := natsServer(t)
	startWorker(t, url, "w1")
	startWorker(t, url, "w2")
	out := filepath.Join(dir, "out")
	args := append([]string{"-i", batch, "-o", out, "--mode", "nlm", "--cluster", url, "--cluster-data", "shared", "--progress", "off"}, queueArgs...)
	r := runDenoise(t, nil, args...)
	if r.code == 0 {
		t.Fatalf("a job with a poison item succeeded:\n%s", r.stderr)
	}
	last := lastLine(r.stderr)
	if !strings.Contains(last, "1 item(s) failed") || !strings.Contains(last, "broken.nii") {
		t.Fatalf("the failure does not name the poison item: %q", last)
	}
	for _, name := range []string{"lzw16.tif", "u16.nii", "u8.nii.gz", "sample_noisy.mkv", "series"} {
		ref := filepath.Join(dir, "ref", name)
		if err := os.MkdirAll(filepath.Dir(ref), 0o755); err != nil {
			t.Fatal(err)
		}
		if rr := runDenoise(t, nil, "-i", filepath.Join(batch, name), "-o", ref, "--mode", "nlm", "--progress", "off"); rr.code != 0 {
			t.Fatalf("single run of %s: exit %d\n%s", name, rr.code, rr.stderr)
		}
		got := filepath.Join(out, name)
		if name == "sample_noisy.mkv" {
			equalLists(t, name, frameHashes(t, got), frameHashes(t, ref))
			continue
		}
		sameTree(t, got, ref)
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// sameTree compares two files, or two folders file by file, byte for byte.
func sameTree(t *testing.T, got, want string) {
	t.Helper()
	fi, err := os.Stat(want)
	if err != nil {
		t.Fatal(err)
	}
	if !fi.IsDir() {
		a, err1 := os.ReadFile(got)
		b, err2 := os.ReadFile(want)
		if err1 != nil || err2 != nil || !bytes.Equal(a, b) {
			t.Fatalf("%s differs from a single run's output (%v, %v)", got, err1, err2)
		}
		return
	}
	ents, _ := os.ReadDir(want)
	gents, _ := os.ReadDir(got)
	if len(ents) != len(gents) {
		t.Fatalf("%s: %d files, a single run writes %d", got, len(gents), len(ents))
	}
	for _, e := range ents {
		sameTree(t, filepath.Join(got, e.Name()), filepath.Join(want, e.Name()))
	}
}

// TestClusterRefusesAnonymousRemote: without credentials the submitter and the worker refuse
// a server that is not on this machine, before connecting.
func TestClusterRefusesAnonymousRemote(t *testing.T) {
	for _, args := range [][]string{
		{"worker", "--nats", "nats://192.0.2.1:4222"},
		{"-i", "../../testdata/sample_noisy.mkv", "-o", filepath.Join(t.TempDir(), "o.mkv"), "--cluster", "nats://192.0.2.1:4222"},
	} {
		r := runDenoise(t, nil, args...)
		if r.code == 0 || !strings.Contains(r.stderr, "refusing to connect to 192.0.2.1 without credentials") {
			t.Errorf("%v: exit %d, %q", args, r.code, r.stderr)
		}
	}
}

// TestClusterEmbedded: --cluster embedded runs a server and workers inside the command and
// gives a single run's frames.
func TestClusterEmbedded(t *testing.T) {
	need(t, "ffmpeg", "ffprobe")
	dir := t.TempDir()
	in := "../../testdata/sample_noisy.mkv"
	out := filepath.Join(dir, "cluster.mkv")
	r := runDenoise(t, nil, "-i", in, "-o", out, "-c", "ffv1", "--mode", "stnlm", "--radius", "2", "--cluster", "embedded", "--piece-frames", "20", "--progress", "off")
	if r.code != 0 || !strings.Contains(r.stderr, "items=3") {
		t.Fatalf("embedded: exit %d, want 3 pieces\n%s", r.code, r.stderr)
	}
	ref := filepath.Join(dir, "single.mkv")
	singleRun(t, in, ref)
	sameVideo(t, out, ref)
}
