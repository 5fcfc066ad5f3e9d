package main

import (
	"runtime"

	"github.com/denoise-go/denoise/configs"
	"github.com/denoise-go/denoise/pipeline"
	"github.com/denoise-go/denoise/sci"
)

// framesInFlight bounds the frames a run of stages holds at once with queue frames between
// stages: the frame being read and the one being written, the queues, two frames per
// per-frame worker (its input and its output) and, per temporal stage, its window of
// 2·lookahead+1 frames, as many aligned or scratch copies, and the frame it emits.
func framesInFlight(stages []pipeline.Stage, queue int) int {
	n := 2 + queue*(len(stages)+1)
	for _, s := range stages {
		switch {
		case s.Temporal != nil:
			n += 2*(2*s.Temporal.Lookahead()+1) + 1
		default:
			w := s.Workers
			if w <= 0 {
				w = runtime.GOMAXPROCS(0)
			}
			n += 2 * w
		}
	}
	return n
}

// sciQueue is the queue depth of a stack's run: the configured one, lowered until the frames
// the stages hold at once fit the memory limit; an error when not even a queue of one does.
func sciQueue(cfg *configs.Config, st *sci.Stack, stages []pipeline.Stage) (int, error) {
	limit := cfg.MemoryLimitBytes()
	q := cfg.Pipeline.Queue
	for q > 1 && st.MemoryNeed(framesInFlight(stages, q)) > limit {
		q--
	}
	return q, st.CheckMemory(framesInFlight(stages, q), limit)
}
