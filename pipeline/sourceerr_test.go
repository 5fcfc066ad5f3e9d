package pipeline

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// TestSourceErrorKeepsFramesRead: a source error ends the input but aborts nothing, so every
// frame read before it goes through the stages (a temporal window included) into the sink,
// and then Run returns the error, named after the source.
func TestSourceErrorKeepsFramesRead(t *testing.T) {
	const failAt = 40
	for _, depth := range []int{1, 4} {
		pool := newTestPool()
		src, sink := newGen(pool, 100), newSink()
		src.failAt = failAt
		st, err := Run(context.Background(), Config{Source: src, Sink: sink, QueueDepth: depth, Stages: []Stage{
			{Filter: jitter("j", 0, -1), Workers: 3},
			{Temporal: &delayTemporal{k: 2, failAt: -1}},
			{Filter: Copy, Workers: 2},
		}})
		if !errors.Is(err, errBoom) || !strings.HasPrefix(err.Error(), SourceName+": ") {
			t.Fatalf("depth %d: error %v, want %q… wrapping %v", depth, err, SourceName, errBoom)
		}
		if st.FramesOut != failAt {
			t.Errorf("depth %d: %d frames written, want the %d read before the error", depth, st.FramesOut, failAt)
		}
		sink.check(t, failAt)
		assertNoLeak(t, pool)
	}
}
