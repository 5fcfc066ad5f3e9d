package web

import (
	"bytes"
	"html"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/denoise-go/denoise/configs"
)

var (
	optionTag = regexp.MustCompile(`(?s)<option\s([^>]*)>([^<]*)</option>`)
	attribute = regexp.MustCompile(`([a-z][a-z-]*)(?:="([^"]*)")?`)
	fieldset  = regexp.MustCompile(`<fieldset id="[a-z-]+" data-param="([a-z_]+)"([^>]*)>`)
)

// pageOption is one <option> of the page's mode list as the server sent it.
type pageOption struct {
	value, text string
	attrs       map[string]string
}

// modeOptions fetches / with plain net/http (no script runs) and returns the options of
// <select id="mode">, the mode description shown and which parameter fieldsets are hidden.
func modeOptions(t *testing.T, url string) (opts []pageOption, desc string, hidden map[string]bool) {
	t.Helper()
	resp, err := http.Get(url + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET /: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	page := string(b)
	if strings.Contains(page, "{{") {
		t.Fatalf("GET / sent the template unrendered")
	}
	start := strings.Index(page, `<select id="mode"`)
	end := strings.Index(page[max(start, 0):], "</select>")
	if start < 0 || end < 0 {
		t.Fatalf("no mode list in the page:\n%s", page)
	}
	for _, m := range optionTag.FindAllStringSubmatch(page[start:start+end], -1) {
		o := pageOption{text: html.UnescapeString(strings.TrimSpace(m[2])), attrs: map[string]string{}}
		for _, a := range attribute.FindAllStringSubmatch(m[1], -1) {
			o.attrs[a[1]] = html.UnescapeString(a[2])
		}
		o.value = o.attrs["value"]
		opts = append(opts, o)
	}
	if m := regexp.MustCompile(`<p class="hint" id="mode-desc">([^<]*)</p>`).FindStringSubmatch(page); m != nil {
		desc = html.UnescapeString(m[1])
	}
	hidden = map[string]bool{}
	for _, m := range fieldset.FindAllStringSubmatch(page, -1) {
		hidden[m[1]] = strings.Contains(m[2], "hidden")
	}
	return opts, desc, hidden
}

// TestPageListsModes: the HTML of / lists every mode of configs.Modes as an <option>, in
// order, once each, with its description and parameters, the unavailable ones disabled,
// and auto selected, its description shown and only its parameters' fields visible.
func TestPageListsModes(t *testing.T) {
	ts := newTestServer(t, testLimits())
	opts, desc, hidden := modeOptions(t, ts.URL)
	var values, selected []string
	for _, o := range opts {
		values = append(values, o.value)
		if _, ok := o.attrs["selected"]; ok {
			selected = append(selected, o.value)
		}
	}
	if !slices.Equal(values, configs.Modes) {
		t.Fatalf("the page's options are %v, configs.Modes is %v", values, configs.Modes)
	}
	if !slices.Equal(selected, []string{configs.ModeAuto}) {
		t.Errorf("selected options %v, want only %s", selected, configs.ModeAuto)
	}
	for i, m := range listModes(ts.base) {
		o := opts[i]
		_, disabled := o.attrs["disabled"]
		if disabled == m.Available || o.attrs["data-description"] != m.Description || o.attrs["data-params"] != strings.Join(m.Params, " ") {
			t.Errorf("option %s: %v %q, want available %v, %q, params %v", m.Name, o.attrs, o.text, m.Available, m.Description, m.Params)
		}
		if m.Description == "" {
			t.Errorf("mode %s has no description in the mode registry (modes/docs.go)", m.Name)
		}
	}
	auto := listModes(ts.base)[0]
	if !auto.Available || desc != auto.Description || !strings.Contains(desc, "impulse+stnlm") {
		t.Errorf("auto: %+v; the description shown is %q", auto, desc)
	}
	for _, p := range allParams {
		if hidden[p] == slices.Contains(auto.Params, p) {
			t.Errorf("fieldset %s hidden %v, auto reads %v", p, hidden[p], auto.Params)
		}
	}
	// The template is not served raw under /static/ either.
	r := do(t, "GET", ts.URL+"/static/", "", nil)
	if r.Status != http.StatusOK || strings.Contains(string(r.Raw), "{{") || !strings.Contains(string(r.Raw), `<option value="auto"`) {
		t.Errorf("GET /static/: %d\n%s", r.Status, r.Raw)
	}
}

// lockedBuffer collects a logger's lines from the job goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestDefaultModeDenoisesStill: a job without a mode runs auto, which on a still picture
// with Gaussian noise is impulse+stnlm (spatial NLM): the PSNR against the clean upload
// goes up by at least 3 dB, and the status and the log name the mode auto resolved to.
func TestDefaultModeDenoisesStill(t *testing.T) {
	var log lockedBuffer
	ts := newTestServer(t, testLimits(), func(s *Server) { s.log = slog.New(slog.NewTextHandler(&log, nil)) })
	clean := cleanImage(96, 64, true, false)
	id := mustSubmit(t, ts, [][2]string{{"noise", "awgn:25"}, {"seed", "5"}}, "still.png", pngBytes(t, clean))
	st := waitJob(t, ts, id, 60*time.Second)
	if st.str("state") != "done" {
		t.Fatalf("job ended %s: %s", st.str("state"), st.Raw)
	}
	params, _ := st.Body["params"].(map[string]any)
	if params["mode"] != configs.ModeAuto || params["resolved_mode"] != "impulse+stnlm" {
		t.Errorf("params %v: want mode auto, resolved_mode impulse+stnlm", params)
	}
	got := decodePNG(t, download(t, ts, st, ".png"))
	pn, p := st.num(t, "psnr_noisy"), st.num(t, "psnr")
	mine := psnr(t, clean, got)
	t.Logf("auto on a still picture, awgn:25: PSNR %.2f → %.2f dB (download: %.2f dB)", pn, p, mine)
	if p-pn < 3 || mine < p-0.01 || mine > p+0.01 {
		t.Errorf("PSNR %.2f → %.2f dB (the download: %.2f dB): want a gain of at least 3 dB", pn, p, mine)
	}
	settle(t, ts)
	lines := log.String()
	for _, want := range []string{"msg=\"job started\" id=" + id, "msg=\"job done\" id=" + id} {
		i := strings.Index(lines, want)
		if i < 0 || !strings.Contains(lines[i:], "mode=auto resolved=impulse+stnlm") {
			t.Errorf("no %q line naming mode=auto resolved=impulse+stnlm in the log:\n%s", want, lines)
		}
	}
}
