package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/denoise-go/denoise/configs"
	"github.com/denoise-go/denoise/decode"
)

// testServer starts an embedded server for the test and sets the queue up on it.
func testServer(t *testing.T, q Queue) (jetstream.JetStream, *Bindings) {
	t.Helper()
	srv, err := StartServer("127.0.0.1", 0, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	nc, err := nats.Connect(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Setup(context.Background(), js, q)
	if err != nil {
		t.Fatal(err)
	}
	return js, b
}

// TestDuplicateDelivery: an item delivered twice (published twice, as a retried publish or
// a lost acknowledgement does) is run once: the second delivery finds it done and is
// acknowledged without running, so its frames are written once.
func TestDuplicateDelivery(t *testing.T) {
	js, b := testServer(t, Queue{AckWait: 2 * time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	in, err := filepath.Abs("../testdata/sample_noisy.mkv")
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "out.mkv")
	it := Item{Job: "dup", Index: 0, Name: "sample", Input: Ref{Path: in}, Output: Ref{Path: out}, OutName: "out.mkv",
		Config: configs.Config{Mode: "copy", Codec: "ffv1", Progress: "off", Pipeline: configs.Pipeline{Queue: 4}}}
	data, _ := json.Marshal(it)
	for _, id := range []string{"a", "b"} {
		if _, err := js.Publish(ctx, itemSubject("dup"), data, jetstream.WithMsgID(id)); err != nil {
			t.Fatal(err)
		}
	}
	m := NewMetrics()
	w := &Worker{B: b, Name: "w", Metrics: m}
	wctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { _ = w.Run(wctx); close(done) }()
	stream, _ := js.Stream(ctx, StreamName)
	for {
		info, err := stream.Info(ctx)
		if err == nil && info.State.Msgs == 0 {
			break // both deliveries acknowledged
		}
		if ctx.Err() != nil {
			t.Fatal("the deliveries were never acknowledged")
		}
		time.Sleep(50 * time.Millisecond)
	}
	stop()
	<-done
	if n := testutil.ToFloat64(m.items.WithLabelValues("done")); n != 1 {
		t.Errorf("items run: %v, want 1", n)
	}
	st, _, found, err := b.status(ctx, "dup", 0)
	if err != nil || !found || st.State != StateDone || st.Frames != 50 {
		t.Fatalf("state %+v (found %v, %v), want done with 50 frames", st, found, err)
	}
	src, err := decode.Open(decode.Options{Input: out})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	n := 0
	for {
		f, err := src.Next(ctx)
		if err != nil {
			break
		}
		f.Release()
		n++
	}
	if n != 50 {
		t.Errorf("output holds %d frames, want 50", n)
	}
}

// TestPasswordServer: a server with a password refuses a client without it and takes one
// with it in the URL.
func TestPasswordServer(t *testing.T) {
	srv, err := StartServerAuth("127.0.0.1", 0, t.TempDir(), "denoise", "s3cret")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	u := srv.URL()
	if nc, err := (Connect{URL: u}).Dial(); err == nil {
		nc.Close()
		t.Fatal("connected without the password")
	}
	nc, err := (Connect{URL: strings.Replace(u, "nats://", "nats://denoise:s3cret@", 1)}).Dial()
	if err != nil {
		t.Fatal(err)
	}
	nc.Close()
}

// TestDoneStaysDone: once an item is done, a late writer (a worker that lost the item to
// another delivery, a resuming submitter) cannot move it back, and the watch ignores one.
func TestDoneStaysDone(t *testing.T) {
	_, b := testServer(t, Queue{})
	ctx := context.Background()
	if err := b.putStatus(ctx, "j", 0, Status{State: StateRunning}); err != nil {
		t.Fatal(err)
	}
	if err := b.putStatus(ctx, "j", 0, Status{State: StateDone, Frames: 7}); err != nil {
		t.Fatal(err)
	}
	for _, late := range []string{StateRunning, StateQueued, StateRetrying, StateFailed} {
		if err := b.putStatus(ctx, "j", 0, Status{State: late}); !errors.Is(err, errDone) {
			t.Errorf("%s over done: %v, want errDone", late, err)
		}
	}
	if st, _, _, _ := b.status(ctx, "j", 0); st.State != StateDone || st.Frames != 7 {
		t.Errorf("state %+v, want done with 7 frames", st)
	}
	w := &watch{st: make([]Status, 1), changed: make(chan struct{})}
	w.set(0, Status{State: StateDone})
	w.set(0, Status{State: StateRunning})
	if w.states()[0].State != StateDone {
		t.Error("the watch moved a done item back")
	}
}

// TestLost: an item is taken for lost only when it runs on its last attempt and its state
// has not been written for two ack waits.
func TestLost(t *testing.T) {
	q := Queue{AckWait: time.Second, MaxAttempts: 3}
	old, fresh := time.Now().Add(-3*time.Second), time.Now()
	for _, tc := range []struct {
		st   Status
		lost bool
	}{
		{Status{State: StateRunning, Attempt: 3, Updated: old}, true},
		{Status{State: StateRunning, Attempt: 3, Updated: fresh}, false},
		{Status{State: StateRunning, Attempt: 2, Updated: old}, false}, // the server delivers it again
		{Status{State: StateQueued, Attempt: 3, Updated: old}, false},
		{Status{State: StateDone, Attempt: 3, Updated: old}, false},
	} {
		if got := lost(tc.st, q); got != tc.lost {
			t.Errorf("%+v: lost %v, want %v", tc.st, got, tc.lost)
		}
	}
}
