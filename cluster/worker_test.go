package cluster

import (
	"context"
	"encoding/json"
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

// TestDuplicateDelivery: an item delivered twice (published twice, as a retried publish or
// a lost acknowledgement does) is run once: the second delivery finds it done and is
// acknowledged without running, so its frames are written once.
func TestDuplicateDelivery(t *testing.T) {
	srv, err := StartServer("127.0.0.1", 0, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	nc, err := nats.Connect(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	b, err := Setup(ctx, js, Queue{AckWait: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
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
