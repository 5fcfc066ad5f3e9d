package cluster

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/denoise-go/denoise/decode"
	"github.com/denoise-go/denoise/frame"
	"github.com/denoise-go/denoise/job"
	"github.com/denoise-go/denoise/pipeline"
)

// Worker pulls items and runs them, Concurrency at a time.
type Worker struct {
	B *Bindings
	// Name identifies the worker in the items' states (default: host name and process id).
	Name string
	// Concurrency is how many items run at once (≤ 0: 1).
	Concurrency int
	// Dir is where inputs are fetched and outputs written before they are stored ("": the
	// system's temporary folder).
	Dir     string
	Logger  *slog.Logger
	Metrics *Metrics // nil: none

	// The inputs fetched from the object store, kept for the next item of the same job:
	// the pieces of a video share one input, fetched once per worker, not once per piece.
	cacheMu  sync.Mutex
	cacheDir string
	cacheUse map[string]int // items running on each job's copy: never let go of then
}

// Run works until ctx ends. An item in progress when ctx ends is handed back to the queue
// at once (its output is not stored), so that another worker takes it.
func (w *Worker) Run(ctx context.Context) error {
	if w.Logger == nil {
		w.Logger = slog.New(slog.DiscardHandler)
	}
	if w.Name == "" {
		host, _ := os.Hostname()
		w.Name = fmt.Sprintf("%s-%d", host, os.Getpid())
	}
	n := max(w.Concurrency, 1)
	dir, err := os.MkdirTemp(w.Dir, "denoise-inputs-*")
	if err != nil {
		return err
	}
	w.cacheDir = dir
	defer os.RemoveAll(dir)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Go(func() {
			if err := w.loop(ctx); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	return <-errs
}

// loop takes one item at a time: a message is only fetched when this slot is free, so that
// no item waits in a worker's buffer while its ack wait runs out.
func (w *Worker) loop(ctx context.Context) error {
	failing := false // the server is unreachable: said once, until it answers again
	for ctx.Err() == nil {
		fctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		msg, err := w.B.Consumer.Next(jetstream.FetchContext(fctx))
		cancel()
		switch {
		case err == nil:
			if failing {
				w.Logger.Info("fetching items again")
				failing = false
			}
		case ctx.Err() != nil:
			return nil
		case errors.Is(err, jetstream.ErrNoMessages), errors.Is(err, context.DeadlineExceeded), errors.Is(err, jetstream.ErrMsgIteratorClosed):
			continue
		default:
			if !failing {
				w.Logger.Warn("cannot fetch items: retrying every second", "err", err)
				failing = true
			}
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
			continue
		}
		w.handle(ctx, msg)
	}
	return nil
}

// handle runs one item and settles its message.
func (w *Worker) handle(ctx context.Context, msg jetstream.Msg) {
	log := w.Logger
	md, err := msg.Metadata()
	if err != nil {
		log.Error("item without metadata", "err", err)
		_ = msg.Term()
		return
	}
	it, err := decodeJSON[Item](msg.Data(), "item")
	if err != nil {
		log.Error("unreadable item: dropped", "seq", md.Sequence.Stream, "err", err)
		_ = msg.TermWithReason("unreadable item")
		return
	}
	log = log.With("job", it.Job, "item", it.Index, "name", it.Name)
	w.Metrics.queueWait(time.Since(md.Timestamp))
	st, _, found, err := w.B.status(ctx, it.Job, it.Index)
	if err != nil {
		log.Warn("reading the item's state", "err", err)
		_ = msg.NakWithDelay(time.Second)
		return
	}
	if found && st.State == StateDone {
		// A redelivery of an item already stored (its acknowledgement was lost): nothing
		// to do, and nothing written twice.
		log.Info("already done")
		_ = msg.Ack()
		return
	}
	attempt := int(md.NumDelivered)
	q := w.B.Queue
	st = Status{State: StateRunning, Name: it.Name, Worker: w.Name, Attempt: attempt, Output: it.Output, Seq: md.Sequence.Stream}
	if err := w.B.putStatus(ctx, it.Job, it.Index, st); errors.Is(err, errDone) {
		log.Info("already done")
		_ = msg.Ack()
		return
	} else if err != nil {
		log.Warn("writing the item's state", "err", err)
	}
	log.Info("item started", "attempt", attempt, "of", q.MaxAttempts)
	start := time.Now()
	w.Metrics.busy(1)
	defer w.Metrics.busy(-1)

	// The item's run ends early when another delivery of it is done first (this worker was
	// cut off past the ack wait and the item went to another).
	ictx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	var frames atomic.Int64
	beat := make(chan struct{})
	var beats sync.WaitGroup
	beats.Go(func() { w.heartbeat(ictx, msg, &it, st, &frames, beat, stop) })
	out, err := w.run(ictx, &it, &frames)
	close(beat)
	beats.Wait()

	bg := context.WithoutCancel(ctx)
	switch {
	case errors.Is(context.Cause(ictx), errDone) || errors.Is(err, errDone):
		_ = msg.Ack()
		log.Info("item done by another delivery: dropped this one")
	case err == nil:
		st.State, st.Frames, st.Output, st.Error = StateDone, frames.Load(), out, ""
		if err := w.B.putStatus(bg, it.Job, it.Index, st); err != nil && !errors.Is(err, errDone) {
			log.Warn("writing the item's state: left for redelivery", "err", err)
			_ = msg.Nak()
			return
		}
		if err := msg.DoubleAck(bg); err != nil {
			log.Warn("acknowledging", "err", err) // redelivered, then found done
		}
		w.Metrics.done(frames.Load(), time.Since(start))
		log.Info("item done", "frames", frames.Load(), "took", time.Since(start).Round(time.Millisecond))
	case ctx.Err() != nil:
		// Handed back as a new message, so that a worker's restart costs the item none of
		// its attempts.
		if err := w.requeue(bg, msg, &it, st); err != nil {
			log.Warn("handing the item back: it returns after the ack wait", "err", err)
			_ = msg.Nak()
			return
		}
		log.Info("worker stopping: item handed back")
	case attempt >= q.MaxAttempts:
		st.State, st.Error = StateFailed, oneLine(err)
		_ = w.B.putStatus(bg, it.Job, it.Index, st)
		_ = msg.TermWithReason(st.Error)
		w.Metrics.failed(true)
		log.Error("item failed on its last attempt", "attempt", attempt, "err", err)
	default:
		st.State, st.Error = StateRetrying, oneLine(err)
		_ = w.B.putStatus(bg, it.Job, it.Index, st)
		_ = msg.NakWithDelay(time.Duration(attempt) * time.Second)
		w.Metrics.failed(false)
		log.Warn("item failed: to be retried", "attempt", attempt, "err", err)
	}
}

// requeue publishes the item again as a new message and acknowledges the old one.
func (w *Worker) requeue(ctx context.Context, msg jetstream.Msg, it *Item, st Status) error {
	ack, err := w.B.JS.Publish(ctx, msg.Subject(), msg.Data(), jetstream.WithMsgID(fmt.Sprintf("%s.%d.requeue.%d", it.Job, it.Index, time.Now().UnixNano())))
	if err != nil {
		return err
	}
	st.State, st.Error, st.Worker, st.Seq = StateQueued, "", "", ack.Sequence
	if err := w.B.putStatus(ctx, it.Job, it.Index, st); err != nil && !errors.Is(err, errDone) {
		return err
	}
	return msg.Ack()
}

// heartbeat tells the server the item is alive every AckWait/4 and writes its state (frames
// so far, and a fresh time: the submitter reads a state left unwritten for long as a lost
// worker), until beat closes; when the item turns out done by another delivery it stops the
// run.
func (w *Worker) heartbeat(ctx context.Context, msg jetstream.Msg, it *Item, st Status, frames *atomic.Int64, beat <-chan struct{}, stop context.CancelCauseFunc) {
	t := time.NewTicker(max(w.B.Queue.AckWait/4, 100*time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-beat:
			return
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := msg.InProgress(); err != nil {
			w.Logger.Warn("in-progress acknowledgement", "err", err)
		}
		st.Frames = frames.Load()
		if err := w.B.putStatus(ctx, it.Job, it.Index, st); errors.Is(err, errDone) {
			stop(errDone)
			return
		}
	}
}

// run fetches the item's input, denoises it with job.Run and stores the output.
func (w *Worker) run(ctx context.Context, it *Item, frames *atomic.Int64) (Ref, error) {
	scratch, err := os.MkdirTemp(w.Dir, "denoise-item-*")
	if err != nil {
		return Ref{}, err
	}
	defer os.RemoveAll(scratch)
	input, err := w.fetchInput(ctx, it, scratch)
	if err != nil {
		return Ref{}, err
	}
	if it.Input.Object != "" {
		defer w.release(it.Job)
	}
	output := filepath.Join(scratch, it.OutName)
	if it.Output.Path != "" {
		// Written beside its place, then renamed into it: a reader never sees half a file,
		// and a second delivery of the item replaces the first's output whole.
		output = filepath.Join(filepath.Dir(it.Output.Path), fmt.Sprintf(".%s.partial-%s-%s", w.Name, it.Job, it.OutName))
		defer os.RemoveAll(output)
	}
	cfg := it.Config
	cfg.Input, cfg.Output, cfg.Overwrite = input, output, true
	cfg.MetricsAddr, cfg.Progress = "", "off"
	o := job.Options{Config: &cfg, Logger: w.Logger.With("job", it.Job, "item", it.Index), AdaptQueue: true}
	live := false
	o.Live = &live
	count := func(f *frame.Frame) (bool, error) { frames.Add(1); return true, nil }
	if p := it.Piece; p != nil {
		o.Trim = decode.Trim{Start: p.Start, Frames: p.Before + p.Count + p.After}
		o.FirstIndex = p.First - p.Before
		count = func(f *frame.Frame) (bool, error) {
			if f.Index < p.First || f.Index >= p.First+p.Count {
				return false, nil
			}
			want, edge := p.FirstPTS, f.Index == p.First
			if f.Index == p.First+p.Count-1 {
				want, edge = p.LastPTS, true
			}
			if edge && f.PTS+p.ShiftPTS != want {
				return false, fmt.Errorf("%s: frame %d has time %d, the scan of the input put it at %d: the decoder did not start where the piece begins", it.Name, f.Index, f.PTS+p.ShiftPTS, want)
			}
			frames.Add(1)
			return true, nil
		}
	}
	o.WrapSink = func(s pipeline.Sink) pipeline.Sink { return &keepSink{Sink: s, keep: count} }
	if p := it.Piece; p != nil && p.Before > 0 {
		// The frames read before the piece bring the temporal stages' state to where a
		// whole run has it; their filtering would be thrown away.
		o.WrapStages = func(stages []pipeline.Stage) []pipeline.Stage {
			for _, st := range stages {
				if a, ok := st.Temporal.(analyser); ok {
					a.AnalyseOnlyBefore(p.First)
				}
			}
			return stages
		}
	}
	if _, err := job.Run(ctx, o); err != nil {
		return Ref{}, err
	}
	if p := it.Piece; p != nil && frames.Load() != p.Count {
		return Ref{}, fmt.Errorf("%s: wrote %d frames, want %d (the input holds fewer frames there than its scan found)", it.Name, frames.Load(), p.Count)
	}
	// Another delivery may have stored it meanwhile: its output is not replaced under a
	// reader.
	if st, _, found, err := w.B.status(ctx, it.Job, it.Index); err == nil && found && st.State == StateDone {
		return Ref{}, errDone
	}
	return w.storeOutput(ctx, it, output)
}

func (w *Worker) fetchInput(ctx context.Context, it *Item, scratch string) (string, error) {
	switch {
	case it.Input.Path != "":
		return it.Input.Path, nil
	case it.Input.URL != "":
		return it.Input.URL, nil
	case it.Input.Object != "":
		return w.cached(ctx, it)
	}
	return "", errors.New("item has no input")
}

// cached returns the local copy of an item's input object, fetching it unless an earlier
// item of its job did, and counts the item as using it until release. The copies of the
// jobs in use and of the last other job are kept; older ones are let go.
func (w *Worker) cached(ctx context.Context, it *Item) (string, error) {
	w.cacheMu.Lock()
	defer w.cacheMu.Unlock()
	if w.cacheUse == nil {
		w.cacheUse = map[string]int{}
	}
	info, err := w.B.Objects.GetInfo(ctx, it.Input.Object)
	if err != nil {
		return "", fmt.Errorf("fetching %s: %w", it.Input, err)
	}
	jobDir := filepath.Join(w.cacheDir, it.Job)
	local := filepath.Join(jobDir, strings.ReplaceAll(it.Input.Object, "/", "_"))
	if fi, err := os.Stat(local); err == nil && uint64(fi.Size()) == info.Size {
		w.cacheUse[it.Job]++
		return local, nil
	}
	ents, _ := os.ReadDir(w.cacheDir)
	var others []os.DirEntry
	for _, e := range ents {
		if e.Name() != it.Job {
			others = append(others, e)
		}
	}
	slices.SortFunc(others, func(a, b os.DirEntry) int {
		ia, _ := a.Info()
		ib, _ := b.Info()
		if ia == nil || ib == nil {
			return 0
		}
		return ib.ModTime().Compare(ia.ModTime()) // newest first
	})
	for i, e := range others {
		if i > 0 && w.cacheUse[e.Name()] == 0 {
			_ = os.RemoveAll(filepath.Join(w.cacheDir, e.Name()))
		}
	}
	if err := os.MkdirAll(jobDir, 0o755); err != nil {
		return "", err
	}
	if err := w.B.download(ctx, it.Input.Object, local); err != nil {
		return "", err
	}
	w.cacheUse[it.Job]++
	return local, nil
}

// release ends an item's use of its job's copy.
func (w *Worker) release(job string) {
	w.cacheMu.Lock()
	defer w.cacheMu.Unlock()
	if w.cacheUse[job]--; w.cacheUse[job] <= 0 {
		delete(w.cacheUse, job)
	}
}

func (w *Worker) storeOutput(ctx context.Context, it *Item, output string) (Ref, error) {
	switch {
	case it.Output.Path != "":
		if fi, err := os.Stat(output); err == nil && fi.IsDir() {
			_ = os.RemoveAll(it.Output.Path) // a folder (a DICOM series) replaces the last delivery's whole
		}
		if err := os.Rename(output, it.Output.Path); err != nil {
			return Ref{}, fmt.Errorf("storing the output: %w", err)
		}
		return it.Output, nil
	case it.Output.Object != "":
		if fi, err := os.Stat(output); err == nil && fi.IsDir() {
			return Ref{}, fmt.Errorf("%s: the output is a folder, which travels only through a shared filesystem (--cluster-data shared)", it.Name)
		}
		f, err := os.Open(output)
		if err != nil {
			return Ref{}, err
		}
		defer f.Close()
		if _, err := w.B.Objects.Put(ctx, jetstream.ObjectMeta{Name: it.Output.Object}, f); err != nil {
			return Ref{}, fmt.Errorf("storing %s: %w", it.Output, err)
		}
		return it.Output, nil
	}
	return Ref{}, errors.New("item has no output")
}

// analyser is a temporal stage that can skip the filtering of the frames before a piece
// (temporal.STNLM).
type analyser interface{ AnalyseOnlyBefore(first int64) }

// keepSink writes the frames keep accepts and releases the others: a piece's frames read
// only as neighbours.
type keepSink struct {
	pipeline.Sink
	keep func(*frame.Frame) (bool, error)
}

func (s *keepSink) Write(f *frame.Frame) error {
	if ok, err := s.keep(f); !ok || err != nil {
		f.Release()
		return err
	}
	return s.Sink.Write(f)
}
