package web

// End-to-end tests in a real headless Chromium (Debian's chromium package) driven with
// chromedp: the page served by Serve on a loopback port, its mode list with scripts
// disabled, a job with the defaults, an upload, a mode, synthetic noise, the result with
// its PSNR, the comparison viewer, a real browser download, the Cancel button hidden after
// a job, and cancelling a long job; then the live preview page. Screenshots are kept as artifacts
// (see artifactDir). Without chromium the tests are skipped, unless CI is set, where they fail.

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/denoise-go/denoise/configs"
	"github.com/denoise-go/denoise/frame"
)

// chromiumPath finds Chromium. Where it is missing, the test is skipped, but under CI
// (the variable CI set) it fails: CI must run the browser tests.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, n := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium not found and CI is set: install Debian's chromium package (apt-get install chromium)")
	}
	t.Skip("chromium not found: install Debian's chromium package to run the browser tests")
	return ""
}

// artifactDir is where screenshots are kept: $DENOISE_TEST_ARTIFACTS, or
// web/testdata/artifacts (ignored by git).
func artifactDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("DENOISE_TEST_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join("testdata", "artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func saveArtifact(t *testing.T, name string, b []byte) {
	t.Helper()
	p := filepath.Join(artifactDir(t), name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs(p)
	t.Logf("screenshot: %s", abs)
}

// newBrowser starts a headless Chromium for one test, with no network beyond loopback
// needed: background networking, component updates and sync are off.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	exe := chromiumPath(t)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 1000),
	)
	ctx, cancel := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(func() {
		cancelTimeout()
		cancel()
		cancelAlloc()
	})
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	return ctx
}

// serveLoopback runs s.Serve on a loopback port until the test ends.
func serveLoopback(t *testing.T, s *Server) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return "http://" + ln.Addr().String()
}

// browserMode is the mode the browser test picks: a denoiser when the build has one.
func browserMode(s *Server) string {
	for _, want := range []string{"nlm", "impulse+nlm", "median", "average", "copy"} {
		for _, m := range s.modes {
			if m.Name == want && m.Available {
				return want
			}
		}
	}
	return "copy"
}

func setAndFire(sel, value, event string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.SetValue(chromedp.CSS(sel), value),
		chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.querySelector(%q).dispatchEvent(new Event(%q))`, sel, event)),
	)
}

func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

// TestBrowserUploadCompareDownload: upload a clean 16-bit colour PNG, choose a mode, add
// Gaussian noise, wait for the result; the PSNR shown must match the PSNR of the file the
// browser downloads against the clean upload, and the download must be a 16-bit PNG of
// the upload's size. Then a long job is started and cancelled from the page.
func TestBrowserUploadCompareDownload(t *testing.T) {
	ctx := newBrowser(t)
	s, err := New(Options{Limits: testLimits(), TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	base := serveLoopback(t, s)
	clean := cleanImage(120, 80, true, true)
	upload := writeTemp(t, "clean16.png", pngBytes(t, clean))
	mode := browserMode(s)
	dlDir := t.TempDir()

	if err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/"),
		chromedp.WaitReady(chromedp.CSS(`body[data-state="ready"]`)),
		chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			_, err := chromedp.CallBrowser(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
				Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: dlDir, EventsEnabled: new(true)})
			return err
		}),
	); err != nil {
		t.Fatal(err)
	}
	options, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#mode option')].map(o => o.value)`))
	if err != nil || strings.Join(options, ",") != strings.Join(modeNames(s), ",") {
		t.Fatalf("the page offers modes %v, the CLI has %v (%v)", options, modeNames(s), err)
	}
	if err := chromedp.Do(ctx,
		chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{upload}),
		setAndFire("#mode", mode, "change"),
		setAndFire("#noise-kind", "awgn", "change"),
		chromedp.SetValue(chromedp.CSS("#noise-a"), "20"),
		chromedp.SetValue(chromedp.CSS("#seed"), "3"),
		chromedp.Click(chromedp.CSS("#submit")),
		chromedp.WaitReady(chromedp.CSS(`body[data-state="done"]`)),
		chromedp.WaitVisible(chromedp.CSS("#result-panel")),
	); err != nil {
		t.Fatalf("mode %s: %v (error shown: %q)", mode, err, text(t, ctx, "#error"))
	}
	if cancelVisible(t, ctx) {
		t.Error("the Cancel button is still shown after the job is done")
	}
	shown := text(t, ctx, "#stat-psnr")
	psnrShown, err := strconv.ParseFloat(strings.TrimSuffix(shown, " dB"), 64)
	if err != nil {
		t.Fatalf("PSNR shown %q", shown)
	}
	t.Logf("mode %s: PSNR %s → %s, SSIM %s → %s, σ %s, %s", mode, text(t, ctx, "#stat-psnr-noisy"), shown,
		text(t, ctx, "#stat-ssim-noisy"), text(t, ctx, "#stat-ssim"), text(t, ctx, "#stat-sigma"), text(t, ctx, "#stat-time"))
	if sigma, err := strconv.ParseFloat(text(t, ctx, "#stat-sigma"), 64); err != nil || sigma < 10 || sigma > 30 {
		t.Errorf("estimated σ shown %q, want about 20", text(t, ctx, "#stat-sigma"))
	}
	// A colour upload: each channel's σ beside it, "(R 20.31, G 19.87, B 20.05)".
	chans := text(t, ctx, "#stat-sigma-channels")
	t.Logf("channels' σ shown: %s", chans)
	var rs, gs, bs float64
	if n, err := fmt.Sscanf(chans, "(R %g, G %g, B %g)", &rs, &gs, &bs); n != 3 || err != nil {
		t.Errorf("channel σ shown %q, want (R …, G …, B …): %v", chans, err)
	}
	for _, v := range []float64{rs, gs, bs} {
		if v < 10 || v > 30 {
			t.Errorf("channel σ shown %q, want each about 20", chans)
		}
	}
	if !strings.Contains(text(t, ctx, "#stat-time"), " s (mode "+mode+")") {
		t.Errorf("processing time shown %q", text(t, ctx, "#stat-time"))
	}

	// The comparison: both pictures loaded at the upload's size; the slider clips the
	// "after" picture; zoom changes the stage.
	if err := chromedp.Do(ctx,
		setAndFire("#split", "25", "input"),
		chromedp.Click(chromedp.CSS("#zoom-1")),
		chromedp.Click(chromedp.CSS("#zoom-in")),
	); err != nil {
		t.Fatal(err)
	}
	view, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]any](`({
		before: document.getElementById('img-before').naturalWidth,
		after: document.getElementById('img-after').naturalWidth,
		clip: document.getElementById('img-after').style.clipPath,
		stage: document.getElementById('stage').style.width,
		zoom: document.getElementById('zoom-level').textContent,
		rendering: getComputedStyle(document.getElementById('img-after')).imageRendering})`))
	if err != nil {
		t.Fatal(err)
	}
	if view["before"] != 120.0 || view["after"] != 120.0 || !strings.Contains(view["clip"].(string), "25%") ||
		view["stage"] != "240px" || view["zoom"] != "200%" || view["rendering"] != "pixelated" {
		t.Errorf("viewer state %v", view)
	}
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	saveArtifact(t, "browser-result.png", shot)

	// A real download through the browser.
	progress := chromedp.BrowserEvents(ctx, browser.DownloadProgress)
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#download"))); err != nil {
		t.Fatal(err)
	}
	var path string
	for ev, err := range progress {
		if err != nil {
			t.Fatalf("download: %v", err)
		}
		if ev.State == browser.DownloadProgressStateCanceled {
			t.Fatal("the browser cancelled the download")
		}
		if ev.State == browser.DownloadProgressStateCompleted {
			path = ev.FilePath
			break
		}
	}
	if path == "" {
		path = filepath.Join(dlDir, "clean16-denoised.png")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("downloaded file: %v (folder holds %v)", err, dirEntries(t, dlDir))
	}
	if filepath.Base(path) != "clean16-denoised.png" {
		t.Errorf("downloaded as %s", filepath.Base(path))
	}
	got := decodePNG(t, b)
	if got.Bounds() != clean.Bounds() || bitDepth(got) != 16 {
		t.Fatalf("download is %T %v, want 16-bit %v", got, got.Bounds(), clean.Bounds())
	}
	if mine := psnr(t, clean, got); mine < psnrShown-0.01 || mine > psnrShown+0.01 {
		t.Errorf("PSNR of the download against the clean upload is %.4f dB, the page shows %s", mine, shown)
	}

	// A long job shows its progress and is cancelled from the page.
	s.frameDelay.Store(int64(400 * time.Millisecond))
	video := writeTemp(t, "clip.mkv", testVideo(t))
	if err := chromedp.Do(ctx,
		chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{video}),
		setAndFire("#mode", "copy", "change"),
		setAndFire("#noise-kind", "none", "change"),
		chromedp.Click(chromedp.CSS("#submit")),
	); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](
		`document.body.dataset.state === "running" && /running: [1-9]\/6 frame/.test(document.getElementById('progress-text').textContent)`,
		chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		t.Fatalf("no progress shown: %v (%q)", err, text(t, ctx, "#progress-text"))
	}
	if !cancelVisible(t, ctx) {
		t.Fatal("the Cancel button is not shown again for the next job")
	}
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#cancel")),
		chromedp.WaitReady(chromedp.CSS(`body[data-state="cancelled"]`)),
	); err != nil {
		t.Fatal(err)
	}
	if e := text(t, ctx, "#error"); e != "Cancelled." {
		t.Errorf("after cancel the page says %q", e)
	}
	if cancelVisible(t, ctx) {
		t.Error("the Cancel button is still shown after the job was cancelled")
	}
	shot, err = chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	saveArtifact(t, "browser-cancelled.png", shot)
}

// cancelVisible reports whether the page shows its Cancel button.
func cancelVisible(t *testing.T, ctx context.Context) bool {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById('cancel').checkVisibility()`))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestBrowserDefaults: with scripts disabled, the page already lists every mode with auto
// selected, its description shown and the fields of its parameters only; with scripts,
// the list is the same (nothing added twice), and a noisy still picture submitted with the
// defaults comes back denoised by auto (impulse+stnlm), after which Cancel is hidden.
func TestBrowserDefaults(t *testing.T) {
	ctx := newBrowser(t)
	s, err := New(Options{Limits: testLimits(), TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	base := serveLoopback(t, s)
	scripts := func(disabled bool) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			_, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: disabled})
			return err
		})
	}
	if err := chromedp.Do(ctx, scripts(true), chromedp.Navigate(base+"/")); err != nil {
		t.Fatal(err)
	}
	// DevTools still evaluates expressions where the page's own scripts may not run.
	opts, err := chromedp.Run(ctx, chromedp.Evaluate[[][2]any](
		`[...document.querySelectorAll('#mode option')].map(o => [o.value, o.hasAttribute('selected')])`))
	if err != nil {
		t.Fatal(err)
	}
	var values, selected []string
	for _, o := range opts {
		v, _ := o[0].(string)
		values = append(values, v)
		if o[1] == true {
			selected = append(selected, v)
		}
	}
	if !slices.Equal(values, configs.Modes) || !slices.Equal(selected, []string{configs.ModeAuto}) {
		t.Errorf("without scripts the page offers %v, selected %v; want %v, selected auto", values, selected, configs.Modes)
	}
	img, err := chromedp.Run(ctx, chromedp.Attributes(chromedp.CSS("#img-after")))
	if err != nil {
		t.Fatal(err)
	}
	if _, ran := img["style"]; ran { // app.js sets the split on the "after" picture at once
		t.Fatalf("app.js ran although scripts are disabled: %v", img)
	}
	if d := text(t, ctx, "#mode-desc"); !strings.Contains(d, "impulse+stnlm") {
		t.Errorf("without scripts the mode description is %q", d)
	}
	vis, err := chromedp.Run(ctx, chromedp.Evaluate[[]bool](`['sigma-field', 'strength-field', 'frames-field', 'impulse-field'].map(id => document.getElementById(id).checkVisibility())`))
	if err != nil || !slices.Equal(vis, []bool{true, true, false, true}) {
		t.Errorf("without scripts the sigma, strength, frames, impulse fields are visible: %v (%v); want all but frames", vis, err)
	}
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	saveArtifact(t, "browser-no-script.png", shot)

	clean := cleanImage(96, 64, true, false)
	upload := writeTemp(t, "still.png", pngBytes(t, clean))
	if err := chromedp.Do(ctx,
		scripts(false),
		chromedp.Navigate(base+"/"),
		chromedp.WaitReady(chromedp.CSS(`body[data-state="ready"]`)),
	); err != nil {
		t.Fatal(err)
	}
	page, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]any](`({
		options: [...document.querySelectorAll('#mode option')].map(o => o.value),
		mode: document.getElementById('mode').value})`))
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(page["options"]) != fmt.Sprint(configs.Modes) || page["mode"] != configs.ModeAuto {
		t.Errorf("with scripts the page offers %v, selected %v; want %v, auto", page["options"], page["mode"], configs.Modes)
	}
	if err := chromedp.Do(ctx,
		chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{upload}),
		setAndFire("#noise-kind", "awgn", "change"), // σ 25, the page's default for awgn
		chromedp.Click(chromedp.CSS("#submit")),
		chromedp.WaitReady(chromedp.CSS(`body[data-state="done"]`)),
	); err != nil {
		t.Fatalf("%v (error shown: %q)", err, text(t, ctx, "#error"))
	}
	noisy, _ := strconv.ParseFloat(strings.TrimSuffix(text(t, ctx, "#stat-psnr-noisy"), " dB"), 64)
	result, _ := strconv.ParseFloat(strings.TrimSuffix(text(t, ctx, "#stat-psnr"), " dB"), 64)
	t.Logf("defaults: PSNR %s → %s, %s", text(t, ctx, "#stat-psnr-noisy"), text(t, ctx, "#stat-psnr"), text(t, ctx, "#stat-time"))
	if noisy <= 0 || result-noisy < 3 {
		t.Errorf("PSNR %q → %q: want a gain of at least 3 dB", text(t, ctx, "#stat-psnr-noisy"), text(t, ctx, "#stat-psnr"))
	}
	if tm := text(t, ctx, "#stat-time"); !strings.Contains(tm, "(mode auto → impulse+stnlm)") {
		t.Errorf("processing time shown %q, want it to name auto and the mode it ran", tm)
	}
	if cancelVisible(t, ctx) {
		t.Error("the Cancel button is still shown after the job is done")
	}
	shot, err = chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	saveArtifact(t, "browser-defaults.png", shot)
}

func modeNames(s *Server) []string {
	var out []string
	for _, m := range s.modes {
		out = append(out, m.Name)
	}
	return out
}

// TestBrowserLivePreview opens the live preview page of a running pipeline: the MJPEG
// stream shows noisy | denoised side by side, and the counters update.
func TestBrowserLivePreview(t *testing.T) {
	ctx := newBrowser(t)
	src := &countSource{n: 1 << 30, pool: frame.NewPool(16), pace: 20 * time.Millisecond}
	l, url, _ := runLive(t, src, time.Millisecond, false) // the test's end stops it
	// The stream never finishes loading, so do not wait for the load event.
	if err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := chromedp.Call(ctx, page.Navigate, page.NavigateParams{URL: url + "/"})
		return err
	})); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](
		`document.getElementById('stream').naturalWidth === 136 && /^\d+ \/ \d+$/.test(document.getElementById('frames').textContent) && parseFloat(document.getElementById('fps').textContent) > 0`,
		chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		t.Fatalf("the live page shows no stream or counters: %v", err)
	}
	t.Logf("live page: fps %s, latency %s, frames %s, dropped %s", text(t, ctx, "#fps"), text(t, ctx, "#latency"),
		text(t, ctx, "#frames"), text(t, ctx, "#dropped"))
	if st := l.Stats(); st.Snapshots == 0 {
		t.Errorf("stats %+v", st)
	}
	shot, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	saveArtifact(t, "browser-live-preview.png", shot)
}
