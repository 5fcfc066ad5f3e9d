package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// job is a denoise process whose standard error is collected line by line.
type job struct {
	cmd   *exec.Cmd
	mu    sync.Mutex
	lines []string
	seen  chan string // every line, for waitFor
	done  chan struct{}
	err   error // cmd.Wait's, once done is closed
	ended time.Time
}

func startJob(t *testing.T, stdin io.Reader, args ...string) *job {
	t.Helper()
	cmd := exec.Command(denoiseBin(t), args...)
	cmd.Stdin = stdin
	return startCmd(t, cmd)
}

// startCmd starts cmd (a denoise command, its environment and input set) as a job.
func startCmd(t *testing.T, cmd *exec.Cmd) *job {
	t.Helper()
	j := &job{cmd: cmd, seen: make(chan string, 1000), done: make(chan struct{})}
	stderr, err := j.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := j.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			j.mu.Lock()
			j.lines = append(j.lines, sc.Text())
			j.mu.Unlock()
			select {
			case j.seen <- sc.Text():
			default:
			}
		}
		j.err = j.cmd.Wait()
		j.ended = time.Now()
		close(j.done)
	}()
	t.Cleanup(func() {
		_ = j.cmd.Process.Kill()
		<-j.done
	})
	return j
}

func (j *job) log() string {
	j.mu.Lock()
	defer j.mu.Unlock()
	return strings.Join(j.lines, "\n")
}

// waitFor waits for a line holding s.
func (j *job) waitFor(t *testing.T, s string, within time.Duration) string {
	t.Helper()
	timeout := time.After(within)
	for {
		select {
		case l := <-j.seen:
			if strings.Contains(l, s) {
				return l
			}
		case <-j.done:
			t.Fatalf("denoise ended (%v) before logging %q:\n%s", j.err, s, j.log())
		case <-timeout:
			t.Fatalf("no %q in %v:\n%s", s, within, j.log())
		}
	}
}

// exit waits for the process to end, at most within after from, and returns its exit code.
func (j *job) exit(t *testing.T, from time.Time, within time.Duration) int {
	t.Helper()
	select {
	case <-j.done:
	case <-time.After(time.Until(from.Add(within))):
		t.Fatalf("still running %v after the stop:\n%s", within, j.log())
	}
	if took := j.ended.Sub(from); took > within {
		t.Fatalf("exited %v after the stop, want within %v:\n%s", took, within, j.log())
	}
	if ee, ok := j.err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	if j.err != nil {
		t.Fatal(j.err)
	}
	return 0
}

// stopAndCheck sends sig, wants exit code within 2 s, and checks that out holds at least the
// frames the job's last line reports (after word) and that it reports some.
func (j *job) stopAndCheck(t *testing.T, sig os.Signal, code int, word, out string) {
	t.Helper()
	sent := time.Now()
	if err := j.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	if got := j.exit(t, sent, 2*time.Second); got != code {
		t.Fatalf("exit %d after %v, want %d:\n%s", got, sig, code, j.log())
	}
	reported := reportedFrames(t, j.log(), word)
	if got := framesIn(t, out); reported == 0 || got < reported {
		t.Fatalf("output holds %d frames, the job reported %d", got, reported)
	}
}

// framesIn counts the video frames FFmpeg decodes from file (it must be readable).
func framesIn(t *testing.T, file string) int {
	t.Helper()
	cmd := exec.Command("ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0",
		"-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", file)
	out, err := cmd.Output()
	n, cerr := strconv.Atoi(strings.TrimSpace(string(out)))
	if err != nil || cerr != nil {
		t.Fatalf("ffprobe %s: %v %q", file, err, out)
	}
	return n
}

// reportedFrames reads the frame count of the job's last line ("…: N frames written to …").
func reportedFrames(t *testing.T, log, prefix string) int {
	t.Helper()
	m := regexp.MustCompile(regexp.QuoteMeta(prefix) + `.*?(\d+) frames written to .* \(finalised, playable\)`).FindStringSubmatch(log)
	if m == nil {
		t.Fatalf("no %q report in:\n%s", prefix, log)
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// y4mFrames makes n 320×240 frames of Y4M.
func y4mFrames(t *testing.T, n int) []byte {
	t.Helper()
	out, err := exec.Command("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25",
		"-frames:v", strconv.Itoa(n), "-f", "yuv4mpegpipe", "-").Output()
	if err != nil {
		t.Fatalf("ffmpeg: %v", err)
	}
	return out
}

func freeUDPPort(t *testing.T) int {
	t.Helper()
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

// sendUDP streams seconds of MPEG-TS to port, in real time, and returns when the sender
// has exited.
func sendUDP(t *testing.T, port int, seconds int) {
	t.Helper()
	out, err := exec.Command("ffmpeg", "-v", "error", "-re", "-f", "lavfi",
		"-i", fmt.Sprintf("testsrc2=size=160x120:rate=25:duration=%d", seconds),
		"-c:v", "mpeg2video", "-f", "mpegts", fmt.Sprintf("udp://127.0.0.1:%d?pkt_size=1316", port)).CombinedOutput()
	if err != nil {
		t.Fatalf("sending: %v\n%s", err, out)
	}
}

// TestStopWithinASecond stops jobs whose source has stopped sending, a Y4M pipe whose
// writer keeps it open and a UDP stream whose sender exited, with SIGINT and SIGTERM: the
// read waiting for data is interrupted, the job exits within 2 s with 130 or 143, and the
// frames it reports are in a playable output.
func TestStopWithinASecond(t *testing.T) {
	need(t, "ffmpeg", "ffprobe")
	sigs := []struct {
		name string
		sig  syscall.Signal
		code int
		word string
	}{{"SIGINT", syscall.SIGINT, 130, "interrupted by interrupt: "}, {"SIGTERM", syscall.SIGTERM, 143, "interrupted by terminated: "}}
	for _, s := range sigs {
		t.Run("stalled-pipe/"+s.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out.mkv")
			pr, pw, err := os.Pipe() // a file: exec hands it over as it is, with no copying goroutine
			if err != nil {
				t.Fatal(err)
			}
			defer pw.Close() // the writer never closes before the signal
			j := startJob(t, pr, "-i", "-", "-o", out, "--mode", "average", "--frames", "3", "--log-level", "info")
			pr.Close()
			frames := y4mFrames(t, 20)
			go func() { _, _ = pw.Write(frames) }()
			j.waitFor(t, "msg=denoising", 30*time.Second)
			time.Sleep(1500 * time.Millisecond) // the frames are written; the read waits
			j.stopAndCheck(t, s.sig, s.code, s.word, out)
		})
		t.Run("udp-stopped/"+s.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out.mkv")
			port := freeUDPPort(t)
			j := startJob(t, nil, "-f", "mpegts", "-i", fmt.Sprintf("udp://127.0.0.1:%d", port), "-o", out,
				"--mode", "average", "--frames", "3", "--log-level", "info")
			time.Sleep(500 * time.Millisecond) // denoise binds the port
			sendUDP(t, port, 3)
			j.waitFor(t, "msg=denoising", 10*time.Second)
			time.Sleep(time.Second) // the sender is gone; the default read timeout (10 s) is far
			j.stopAndCheck(t, s.sig, s.code, s.word, out)
		})
	}
}

// TestReadTimeout: a network source that stops sending ends the job after --read-timeout
// with one line saying so and a non-zero exit; what was received is written and playable.
func TestReadTimeout(t *testing.T) {
	need(t, "ffmpeg", "ffprobe")
	t.Run("udp-stopped", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "out.mkv")
		port := freeUDPPort(t)
		j := startJob(t, nil, "-f", "mpegts", "-i", fmt.Sprintf("udp://127.0.0.1:%d", port), "-o", out,
			"--mode", "average", "--frames", "3", "--read-timeout", "2s", "--log-level", "info")
		time.Sleep(500 * time.Millisecond)
		sendUDP(t, port, 2)
		stopped := time.Now()
		code := j.exit(t, stopped, 2*time.Second+2*time.Second)
		if code == 0 {
			t.Fatalf("exit 0 after the source stopped, want non-zero:\n%s", j.log())
		}
		log := j.log()
		last := log[strings.LastIndex(log, "\n")+1:]
		if !strings.HasPrefix(last, "denoise: the source stopped sending (no data for 2s): ") {
			t.Fatalf("last line %q, want the source's stop:\n%s", last, log)
		}
		reported := reportedFrames(t, log, "the source stopped sending")
		if got := framesIn(t, out); reported == 0 || got < reported {
			t.Fatalf("output holds %d frames, the job reported %d", got, reported)
		}
	})
}

// encodedFrames reads the frames the job has written (denoise_stage_frames_out_total of
// stage encode) from its metrics, or -1.
func encodedFrames(addr string) int {
	c := http.Client{Timeout: 500 * time.Millisecond}
	resp, err := c.Get("http://" + addr + "/metrics")
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	m := regexp.MustCompile(`(?m)^denoise_stage_frames_out_total\{stage="encode"\} (\d+)`).FindSubmatch(body)
	if m == nil {
		return -1
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n
}

// TestKillKeepsRecording kills (SIGKILL) a live 1280×720 recording 3 s in: the output is
// flushed at least every second, so FFmpeg decodes every frame the job had written a second
// before the kill. Matroska clusters and fragmented MP4 (the live layout) both hold.
func TestKillKeepsRecording(t *testing.T) {
	need(t, "ffmpeg", "ffprobe")
	for _, ext := range []string{"mkv", "mp4"} {
		t.Run(ext, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "rec."+ext)
			gen := exec.Command("ffmpeg", "-v", "error", "-re", "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=25:duration=30",
				"-f", "yuv4mpegpipe", "-")
			pipe, err := gen.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := gen.Start(); err != nil {
				t.Fatal(err)
			}
			defer func() { _ = gen.Process.Kill(); _ = gen.Wait() }()
			j := startJob(t, pipe, "-i", "-", "-o", out, "--live", "--preset", "live", "--mode", "copy",
				"--metrics-addr", "127.0.0.1:0", "--log-level", "info")
			l := j.waitFor(t, "serving metrics", 30*time.Second)
			addr := strings.Fields(l[strings.Index(l, "addr=")+5:])[0]
			type sample struct {
				at     time.Time
				frames int
			}
			var samples []sample
			var start time.Time
			for {
				n := encodedFrames(addr)
				now := time.Now()
				if n > 0 && start.IsZero() {
					start = now // the recording's first frame is written
				}
				samples = append(samples, sample{now, n})
				if !start.IsZero() && now.Sub(start) >= 3*time.Second {
					break
				}
				select {
				case <-j.done:
					t.Fatalf("denoise ended (%v) while recording:\n%s", j.err, j.log())
				default:
				}
				if now.Sub(samples[0].at) > 60*time.Second {
					t.Fatalf("nothing written in 60 s:\n%s", j.log())
				}
				time.Sleep(100 * time.Millisecond)
			}
			kill := time.Now()
			if err := j.cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			<-j.done
			want := 0
			for _, s := range samples {
				if !s.at.After(kill.Add(-time.Second)) && s.frames > want {
					want = s.frames
				}
			}
			if want < 5 {
				t.Fatalf("only %d frames written a second before the kill: too slow to tell", want)
			}
			got := framesIn(t, out)
			t.Logf("killed %v into the recording: %d frames written by a second before, %d in the file", kill.Sub(start).Round(time.Millisecond), want, got)
			if got < want {
				t.Fatalf("the killed recording holds %d frames, %d were written a second before the kill", got, want)
			}
		})
	}
}
