package cluster

import (
	"testing"

	"github.com/asticode/go-astiav"

	"github.com/denoise-go/denoise/configs"
	"github.com/denoise-go/denoise/decode"
)

func scanOf(n int, keyEvery int) *decode.Scan {
	sc := &decode.Scan{TimeBase: astiav.NewRational(1, 25)}
	for i := range n {
		sc.PTS = append(sc.PTS, int64(i))
		sc.Key = append(sc.Key, keyEvery > 0 && i%keyEvery == 0)
	}
	return sc
}

// TestPlanPieces: the pieces cover every frame once, in order; cuts move to a key frame
// within a quarter of a piece; the frames read around a piece stop at the video's ends.
func TestPlanPieces(t *testing.T) {
	for _, tc := range []struct {
		frames, n, key int
		firsts         []int64
	}{
		{300, 75, 40, []int64{0, 80, 160, 240}},  // key frames at 80, 160, 240 lie within 18 of 75, 150, 225
		{300, 75, 0, []int64{0, 75, 150, 225}},   // no key frames: cut where asked
		{10, 75, 0, []int64{0}},                  // shorter than a piece
		{301, 100, 0, []int64{0, 100, 200, 300}}, // a last piece of one frame
		{300, 75, 1, []int64{0, 75, 150, 225}},   // every frame a key frame
		{300, 100, 7, []int64{0, 98, 203}},       // nearest key frames: 98, and 203 (3 away) over 196 (4)
	} {
		ps := planPieces(scanOf(tc.frames, tc.key), int64(tc.n), 18, 2)
		var next int64
		for i, p := range ps {
			if p.First != next || p.Count < 1 {
				t.Fatalf("%+v: piece %d %+v does not follow frame %d", tc, i, p, next)
			}
			if want := min(18, p.First); p.Before != want {
				t.Errorf("%+v: piece %d reads %d frames before, want %d", tc, i, p.Before, want)
			}
			if want := min(2, int64(tc.frames)-p.First-p.Count); p.After != want {
				t.Errorf("%+v: piece %d reads %d frames after, want %d", tc, i, p.After, want)
			}
			next = p.First + p.Count
		}
		if next != int64(tc.frames) {
			t.Fatalf("%+v: pieces end at %d", tc, next)
		}
		if len(ps) != len(tc.firsts) {
			t.Fatalf("%+v: %d pieces, want %d", tc, len(ps), len(tc.firsts))
		}
		for i, p := range ps {
			if p.First != tc.firsts[i] {
				t.Errorf("%+v: piece %d starts at %d, want %d", tc, i, p.First, tc.firsts[i])
			}
		}
	}
}

// TestStartOf: a piece's start time falls strictly between its first frame and the one
// before, in any time base.
func TestStartOf(t *testing.T) {
	sc := &decode.Scan{TimeBase: astiav.NewRational(1, 90000), PTS: []int64{0, 3003, 6006, 9009}, Origin: 0}
	for k := int64(1); k < 4; k++ {
		us := sc.StartOf(k).Microseconds()
		lo := astiav.RescaleQ(sc.PTS[k-1], sc.TimeBase, astiav.NewRational(1, 1000000))
		hi := astiav.RescaleQ(sc.PTS[k], sc.TimeBase, astiav.NewRational(1, 1000000))
		if us <= lo || us >= hi {
			t.Errorf("frame %d: start %d µs not within (%d, %d)", k, us, lo, hi)
		}
	}
	if sc.StartOf(0) != 0 {
		t.Error("frame 0 does not start at 0")
	}
}

// TestReach: temporal modes read their radius and the warm-up before a piece and their
// lookahead after it; frame-by-frame modes read nothing around it.
func TestReach(t *testing.T) {
	for _, tc := range []struct {
		mode          string
		radius        int
		causal        bool
		before, after int64
	}{
		{"stnlm", 2, false, 2 + Warmup, 2},
		{"impulse+stnlm", 3, false, 3 + Warmup, 3},
		{"stnlm", 2, true, 2 + Warmup, 0},
		{"auto", 2, false, 2 + Warmup, 2},
		{"nlm", 2, false, 0, 0},
		{"cnn", 2, false, 0, 0},
	} {
		cfg := &configs.Config{Mode: tc.mode, Temporal: configs.Temporal{Radius: tc.radius, Causal: tc.causal, Frames: 5}}
		if b, a := reach(cfg); b != tc.before || a != tc.after {
			t.Errorf("%+v: reach %d, %d", tc, b, a)
		}
	}
}

// TestAnonymous: a connection without credentials is refused for a remote server, before
// anything is dialled, and allowed for loopback, with credentials, or when told to.
func TestAnonymous(t *testing.T) {
	for _, tc := range []struct {
		c      Connect
		refuse bool
	}{
		{Connect{URL: "nats://10.0.0.5:4222"}, true},
		{Connect{URL: "nats://127.0.0.1:1,nats://nats.example:4222"}, true},
		{Connect{URL: "nats://user:pw@10.0.0.5:4222"}, false},
		{Connect{URL: "nats://10.0.0.5:4222", Creds: "x.creds"}, false},
		{Connect{URL: "nats://10.0.0.5:4222", NKey: "seed"}, false},
		{Connect{URL: "nats://10.0.0.5:4222", TLSCert: "c", TLSKey: "k"}, false},
		{Connect{URL: "nats://10.0.0.5:4222", AllowAnonymous: true}, false},
		{Connect{URL: "nats://localhost:4222"}, false},
		{Connect{URL: "[::1]:4222"}, false},
	} {
		_, remote := RemoteHost(tc.c.URL)
		refused := !tc.c.AllowAnonymous && tc.c.anonymous() && remote
		if refused != tc.refuse {
			t.Errorf("%+v: refused %v, want %v", tc.c, refused, tc.refuse)
		}
	}
	if got := redact("nats://u:secret@h:1"); got != "nats://u:xxxxx@h:1" {
		t.Errorf("redact: %s", got)
	}
}
