package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/denoise-go/denoise/configs"
	"github.com/denoise-go/denoise/decode"
	"github.com/denoise-go/denoise/encode"
)

// Where items' data travels.
const (
	// DataAuto: shared paths when the workers run in this process, URLs as they are, the
	// object store otherwise.
	DataAuto = "auto"
	// DataShared: every worker sees the input and the output's folder at the same paths.
	DataShared = "shared"
	// DataObject: through JetStream's object store.
	DataObject = "object"
)

// Submitter runs a job on the cluster: it plans the items, publishes them, follows them
// and puts the result together.
type Submitter struct {
	B  *Bindings
	NC *nats.Conn
	// Config is the command's configuration: Input (a video, a folder, or @list.txt), Output
	// (a file, or a folder for a folder or a list), the mode and the encoder settings.
	Config *configs.Config
	// JobID names the job ("": a digest of the inputs and settings, so that the same
	// command resumes).
	JobID string
	// PieceFrames is the length of a video's pieces (0: DefaultPieceFrames).
	PieceFrames int64
	// Data is DataAuto, DataShared or DataObject ("": DataAuto).
	Data string
	// Local says the workers run in this process (--cluster embedded).
	Local bool
	// Logger gets the job's messages; Progress, when not nil, a line whenever the counts
	// change (at most one a second).
	Logger   *slog.Logger
	Progress io.Writer

	resume bool // an earlier run of this job left its record
}

// Report is what a job did.
type Report struct {
	Job string
	// Items is how many items the job has; Resumed how many of them a previous run of the
	// job had done.
	Items, Resumed int
	// FramesIn counts the video's frames (pieces), FramesOut the frames written.
	FramesIn, FramesOut int64
	Failed              []Status
	Elapsed             time.Duration
}

// ItemsFailed is the error of a job with failed items.
type ItemsFailed struct{ Failed []Status }

func (e *ItemsFailed) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d item(s) failed after their retries:", len(e.Failed))
	for i, st := range e.Failed {
		if i > 0 {
			b.WriteString(";")
		}
		fmt.Fprintf(&b, " %s (%s)", st.Name, st.Error)
	}
	return b.String()
}

// Run runs the job to its end.
func (s *Submitter) Run(ctx context.Context) (*Report, error) {
	start := time.Now()
	if s.Logger == nil {
		s.Logger = slog.New(slog.DiscardHandler)
	}
	cfg := s.Config
	if cfg.Output == "" {
		return nil, errNoOutput
	}
	items, inputs, scan, err := s.plan()
	if err != nil {
		return nil, err
	}
	rep := &Report{Items: len(items)}
	if scan != nil {
		rep.FramesIn = scan.Frames()
	}
	plan, err := planID(cfg, inputs, piecesOf(items))
	if err != nil {
		return nil, err
	}
	if s.JobID == "" {
		s.JobID = "j" + plan
	}
	if err := ValidJobID(s.JobID); err != nil {
		return nil, err
	}
	rep.Job = s.JobID
	if err := s.place(items, inputs); err != nil {
		return nil, err
	}
	// The outputs an interrupted run of this job left (written in place, or the video's
	// partial output) are its own to replace.
	if s.resume, err = s.resumable(ctx, plan); err != nil {
		return nil, err
	}
	if err := s.checkOutputs(items, scan != nil); err != nil {
		return nil, err
	}
	if err := s.record(ctx, plan, len(items)); err != nil {
		return nil, err
	}
	s.Logger.Info("job", "id", s.JobID, "items", len(items), "resume", s.resume)
	w, err := newWatch(ctx, s, len(items))
	if err != nil {
		return nil, err
	}
	defer w.stop()
	if rep.Resumed, err = s.publish(ctx, items, inputs, w); err != nil {
		return nil, err
	}
	// A video is put together while its pieces come in, in order: the encode of piece k
	// overlaps the work on the later ones instead of following all of it.
	var assembled chan error
	actx, cancelAssembly := context.WithCancel(ctx)
	defer cancelAssembly()
	if scan != nil {
		assembled = make(chan error, 1)
		go func() {
			n, err := s.assemble(actx, items, w, scan)
			rep.FramesOut = n
			assembled <- err
		}()
	}
	werr, aerr, assemblyEnded := w.wait(ctx, s.Progress, rep.FramesIn, assembled)
	// assembly is the assembly's end, waited for (after stopping it, with stop) unless wait
	// has seen it already.
	assembly := func(stop bool) error {
		if assembled != nil && !assemblyEnded {
			if stop {
				cancelAssembly()
			}
			aerr, assemblyEnded = <-assembled, true
		}
		return aerr
	}
	rep.Elapsed = time.Since(start)
	if aerr != nil { // the assembly failed before the items ended
		return rep, aerr
	}
	if werr != nil {
		_ = assembly(true)
		return rep, werr
	}
	rep.Failed = w.failed()
	if len(rep.Failed) > 0 {
		_ = assembly(true)
		return rep, &ItemsFailed{Failed: rep.Failed}
	}
	if scan != nil {
		err = assembly(false)
	} else {
		rep.FramesOut, err = s.collect(ctx, items, w.states())
	}
	rep.Elapsed = time.Since(start)
	if err != nil {
		return rep, err
	}
	s.cleanup(context.WithoutCancel(ctx), items)
	return rep, nil
}

// plan lists the items: one per input of a folder or list, or the pieces of one video.
func (s *Submitter) plan() ([]Item, []string, *decode.Scan, error) {
	cfg := s.Config
	inputs, batch, err := batchInputs(cfg.Input)
	if err != nil {
		return nil, nil, nil, err
	}
	if batch {
		if err := os.MkdirAll(cfg.Output, 0o755); err != nil {
			return nil, nil, nil, fmt.Errorf("output folder: %w", err)
		}
		items := make([]Item, len(inputs))
		for i, in := range inputs {
			name := filepath.Base(in)
			out := filepath.Join(cfg.Output, name)
			if err := encode.NotInput(out, in); err != nil {
				return nil, nil, nil, err
			}
			items[i] = Item{Index: i, Name: name, OutName: name, Config: *cfg}
		}
		return items, inputs, nil, nil
	}
	if err := encode.NotInput(cfg.Output, cfg.Input); err != nil {
		return nil, nil, nil, err
	}
	sc, err := decode.ScanInput(decode.Options{Input: cfg.Input, Format: cfg.InputFormat, InputOptions: cfg.InputOptions, Logger: s.Logger})
	if err != nil {
		return nil, nil, nil, err
	}
	n := s.PieceFrames
	if n <= 0 {
		n = DefaultPieceFrames
	}
	before, after := reach(cfg)
	pieces := planPieces(sc, n, before, after)
	pc := *cfg
	// Lossless pieces in the pixel format the final encode writes, so that putting them
	// back together converts nothing a single run would not.
	pc.Codec, pc.OutputFormat, pc.CRF = "ffv1", "matroska", 0
	pc.EncoderOptions, pc.MuxerOptions, pc.PresetEncoderOptions = nil, nil, nil
	if pc.PixFmt == "" {
		pc.PixFmt = sc.PixFmt
	}
	items := make([]Item, len(pieces))
	for i, p := range pieces {
		items[i] = Item{Index: i, Name: fmt.Sprintf("frames %d-%d", p.First, p.First+p.Count-1),
			OutName: fmt.Sprintf("piece-%05d.mkv", i), Config: pc, Piece: &pieces[i]}
	}
	return items, []string{cfg.Input}, sc, nil
}

// inputOf is the local input of item it: the video its pieces share, or its own file.
func inputOf(it *Item, inputs []string) string {
	if it.Piece != nil {
		return inputs[0]
	}
	return inputs[it.Index]
}

func piecesOf(items []Item) []Piece {
	var ps []Piece
	for _, it := range items {
		if it.Piece != nil {
			ps = append(ps, *it.Piece)
		}
	}
	return ps
}

// data resolves DataAuto.
func (s *Submitter) data() string {
	switch s.Data {
	case DataShared, DataObject:
		return s.Data
	}
	if s.Local {
		return DataShared
	}
	return DataObject
}

// place sets where each item reads and writes.
func (s *Submitter) place(items []Item, inputs []string) error {
	shared := s.data() == DataShared
	for i := range items {
		it := &items[i]
		it.Job = s.JobID
		in := inputOf(it, inputs)
		switch {
		case strings.Contains(in, "://"):
			it.Input = Ref{URL: in}
		case shared:
			abs, err := filepath.Abs(in)
			if err != nil {
				return err
			}
			it.Input = Ref{Path: abs}
		default:
			n := i
			if it.Piece != nil {
				n = 0 // the pieces share the video
			}
			it.Input = Ref{Object: inputObject(s.JobID, fmt.Sprintf("%d-%s", n, filepath.Base(in)))}
		}
		if !shared {
			it.Output = Ref{Object: outputObject(s.JobID, i, it.OutName)}
			continue
		}
		out := filepath.Join(s.Config.Output, it.OutName)
		if it.Piece != nil {
			out = filepath.Join(s.pieceDir(), it.OutName)
		}
		abs, err := filepath.Abs(out)
		if err != nil {
			return err
		}
		it.Output = Ref{Path: abs}
	}
	if shared && len(items) > 0 && items[0].Piece != nil {
		return os.MkdirAll(s.pieceDir(), 0o755)
	}
	return nil
}

// pieceDir is the shared folder of a video's pieces: beside the output.
func (s *Submitter) pieceDir() string {
	return filepath.Join(filepath.Dir(s.Config.Output), ".denoise-"+s.JobID)
}

// resumable says whether an earlier run of this job left its record. A record with another
// plan is an error: the id was given to other work.
func (s *Submitter) resumable(ctx context.Context, plan string) (bool, error) {
	e, err := s.B.KV.Get(ctx, jobKey(s.JobID))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("job %s: %w", s.JobID, err)
	}
	old, err := decodeJSON[JobRecord](e.Value(), "job "+s.JobID)
	if err != nil {
		return false, err
	}
	if old.Plan != plan {
		return false, fmt.Errorf("job %s exists with other inputs or settings (%s → %s): choose another --job-id", s.JobID, old.Input, old.Output)
	}
	return true, nil
}

// checkOutputs refuses outputs that exist, unless -y or this is a resumed job's.
func (s *Submitter) checkOutputs(items []Item, video bool) error {
	cfg := s.Config
	over := cfg.Overwrite || s.resume
	if video {
		return encode.Preflight(encode.Options{Output: cfg.Output, Format: cfg.OutputFormat, Overwrite: over, Input: cfg.Input, Codec: cfg.Codec})
	}
	for _, it := range items {
		out := filepath.Join(cfg.Output, it.OutName)
		if _, err := os.Lstat(out); err == nil && !over {
			return fmt.Errorf("%s exists (-y overwrites it)", out)
		}
	}
	return nil
}

// record creates the job's entry (a resumed job has it already).
func (s *Submitter) record(ctx context.Context, plan string, n int) error {
	if s.resume {
		return nil
	}
	rec := JobRecord{ID: s.JobID, Input: s.Config.Input, Output: s.Config.Output, Items: n, Plan: plan, Created: time.Now().UTC()}
	v, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	if _, err := s.B.KV.Create(ctx, jobKey(s.JobID), v); err != nil {
		return fmt.Errorf("job %s: %w", s.JobID, err)
	}
	return nil
}

// publish uploads what the workers cannot reach and queues every item not already done or
// still queued; it returns how many were done.
func (s *Submitter) publish(ctx context.Context, items []Item, inputs []string, w *watch) (done int, err error) {
	stream, err := s.B.JS.Stream(ctx, StreamName)
	if err != nil {
		return 0, err
	}
	gen := time.Now().UnixNano()
	uploaded := map[string]bool{}
	for i := range items {
		it := &items[i]
		st, _, found, err := s.B.status(ctx, s.JobID, i)
		if err != nil {
			return done, err
		}
		if found {
			if st.State == StateDone {
				done++
				w.set(i, st)
				continue
			}
			if st.Seq != 0 && st.State != StateFailed {
				if _, err := stream.GetMsg(ctx, st.Seq); err == nil {
					if !lost(st, s.B.Queue) {
						w.set(i, st) // still queued, or in a worker's hands
						continue
					}
					// Its worker was lost on its last attempt: the consumer will not deliver
					// it again, so it starts afresh.
					_ = stream.DeleteMsg(ctx, st.Seq)
				}
			}
		}
		if o := it.Input.Object; o != "" && !uploaded[o] {
			if err := s.upload(ctx, inputOf(it, inputs), o); err != nil {
				return done, err
			}
			uploaded[o] = true
		}
		b, err := json.Marshal(it)
		if err != nil {
			return done, err
		}
		ack, err := s.B.JS.Publish(ctx, itemSubject(s.JobID), b, jetstream.WithMsgID(fmt.Sprintf("%s.%d.%d", s.JobID, i, gen)))
		if err != nil {
			return done, fmt.Errorf("queueing %s: %w", it.Name, err)
		}
		st = Status{State: StateQueued, Name: it.Name, Output: it.Output, Seq: ack.Sequence}
		if err := s.B.putStatus(ctx, s.JobID, i, st); err != nil {
			return done, err
		}
		w.set(i, st)
	}
	return done, nil
}

// upload puts a local input in the object store, unless an earlier run of the job did.
func (s *Submitter) upload(ctx context.Context, local, name string) error {
	fi, err := os.Stat(local)
	if err != nil {
		return err
	}
	if info, err := s.B.Objects.GetInfo(ctx, name); err == nil && info.Size == uint64(fi.Size()) {
		return nil
	}
	if fi.IsDir() {
		return fmt.Errorf("%s is a folder: folders (DICOM series, image sequences) travel only through a shared filesystem (--cluster-data shared)", local)
	}
	f, err := os.Open(local)
	if err != nil {
		return err
	}
	defer f.Close()
	s.Logger.Info("uploading", "input", local, "object", name, "bytes", fi.Size())
	if _, err := s.B.Objects.Put(ctx, jetstream.ObjectMeta{Name: name}, f); err != nil {
		return fmt.Errorf("uploading %s: %w", local, err)
	}
	return nil
}

// fetch makes an item's output a local file: a shared path as it is, an object downloaded
// into dir.
func (s *Submitter) fetch(ctx context.Context, out Ref, dir, name string) (string, error) {
	if out.Path != "" {
		return out.Path, nil
	}
	local := filepath.Join(dir, name)
	if err := s.B.Objects.GetFile(ctx, out.Object, local); err != nil {
		return "", fmt.Errorf("fetching %s: %w", out, err)
	}
	return local, nil
}

// collect brings a batch's outputs to the output folder.
func (s *Submitter) collect(ctx context.Context, items []Item, states []Status) (int64, error) {
	var frames int64
	for i, it := range items {
		st := states[i]
		frames += st.Frames
		if st.Output.Path != "" {
			continue // the worker wrote it in place
		}
		if err := s.B.download(ctx, st.Output.Object, filepath.Join(s.Config.Output, it.OutName)); err != nil {
			return frames, err
		}
	}
	return frames, nil
}

// cleanup removes the job's state and data from the server once its output is written.
func (s *Submitter) cleanup(ctx context.Context, items []Item) {
	for i, it := range items {
		for _, r := range []Ref{it.Input, it.Output} {
			if r.Object != "" {
				_ = s.B.Objects.Delete(ctx, r.Object)
			}
		}
		_ = s.B.KV.Delete(ctx, itemKey(s.JobID, i))
	}
	_ = s.B.KV.Delete(ctx, jobKey(s.JobID))
	if len(items) > 0 && items[0].Piece != nil && s.data() == DataShared {
		_ = os.RemoveAll(s.pieceDir())
	}
}

// watch follows the items' states in the bucket, and the server's word on items whose
// last delivery ran out (a worker lost on the last attempt).
type watch struct {
	s       *Submitter
	kw      jetstream.KeyWatcher
	sub     *nats.Subscription
	mu      sync.Mutex
	st      []Status
	changed chan struct{} // closed, and replaced, at every change: a broadcast
}

func newWatch(ctx context.Context, s *Submitter, n int) (*watch, error) {
	w := &watch{s: s, st: make([]Status, n), changed: make(chan struct{})}
	kw, err := s.B.KV.Watch(ctx, s.JobID+".item.*", jetstream.UpdatesOnly())
	if err != nil {
		return nil, err
	}
	w.kw = kw
	subj := fmt.Sprintf("$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.%s.%s", StreamName, ConsumerName)
	w.sub, err = s.NC.Subscribe(subj, w.maxDeliveries)
	if err != nil {
		_ = kw.Stop()
		return nil, err
	}
	go func() {
		prefix := s.JobID + ".item."
		for e := range kw.Updates() {
			if e == nil || e.Operation() != jetstream.KeyValuePut {
				continue
			}
			var i int
			if _, err := fmt.Sscanf(strings.TrimPrefix(e.Key(), prefix), "%d", &i); err != nil {
				continue
			}
			if st, err := decodeJSON[Status](e.Value(), e.Key()); err == nil {
				w.set(i, st)
			}
		}
	}()
	return w, nil
}

func (w *watch) stop() {
	_ = w.kw.Stop()
	_ = w.sub.Unsubscribe()
}

func (w *watch) set(i int, st Status) {
	w.mu.Lock()
	if i >= 0 && i < len(w.st) && (w.st[i].State != StateDone || st.State == StateDone) {
		w.st[i] = st // a done item stays done, whatever a late writer says
	}
	close(w.changed)
	w.changed = make(chan struct{})
	w.mu.Unlock()
}

// next is the channel the next change closes.
func (w *watch) next() <-chan struct{} {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.changed
}

// await returns item i's state once it is done or failed.
func (w *watch) await(ctx context.Context, i int) (Status, error) {
	for {
		ch := w.next()
		w.mu.Lock()
		st := w.st[i]
		w.mu.Unlock()
		if st.State == StateDone || st.State == StateFailed {
			return st, nil
		}
		select {
		case <-ctx.Done():
			return st, ctx.Err()
		case <-ch:
		}
	}
}

// maxDeliveries marks as failed an item the server gave up redelivering while no worker
// had recorded an end for it.
func (w *watch) maxDeliveries(m *nats.Msg) {
	var adv struct {
		Seq        uint64 `json:"stream_seq"`
		Deliveries uint64 `json:"deliveries"`
	}
	if json.Unmarshal(m.Data, &adv) != nil {
		return
	}
	w.mu.Lock()
	idx := -1
	for i, st := range w.st {
		if st.Seq == adv.Seq && st.State != StateDone && st.State != StateFailed {
			idx = i
		}
	}
	var st Status
	if idx >= 0 {
		st = w.st[idx]
	}
	w.mu.Unlock()
	if idx < 0 {
		return
	}
	w.fail(context.Background(), idx, st, fmt.Sprintf("no worker finished it in %d deliveries (a worker was lost on the last)", adv.Deliveries))
}

func (w *watch) states() []Status {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]Status(nil), w.st...)
}

func (w *watch) failed() []Status {
	var f []Status
	for _, st := range w.states() {
		if st.State == StateFailed {
			f = append(f, st)
		}
	}
	return f
}

// wait returns when every item is done or failed, writing progress lines to out; or when
// assembled (nil: none) delivers the assembly's end, which it returns with consumed true.
// Every ack wait it also reaps items whose worker was lost on their last attempt, in case
// the server's advisory was missed (it is sent once).
func (w *watch) wait(ctx context.Context, out io.Writer, frames int64, assembled <-chan error) (err, aerr error, consumed bool) {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	reap := time.NewTicker(w.s.B.Queue.AckWait)
	defer reap.Stop()
	last := ""
	start := time.Now()
	var printed time.Time
	warned := false
	for {
		changed := w.next()
		var done, failed, running int
		var written int64
		for _, st := range w.states() {
			switch st.State {
			case StateDone:
				done++
			case StateFailed:
				failed++
			case StateRunning:
				running++
			}
			written += st.Frames
		}
		n := len(w.st)
		line := fmt.Sprintf("job %s: %d/%d items done, %d running", w.s.JobID, done, n, running)
		if failed > 0 {
			line += fmt.Sprintf(", %d failed", failed)
		}
		if frames > 0 {
			line += fmt.Sprintf(", %d/%d frames (%.0f%%), %.1f fps", written, frames, 100*float64(written)/float64(frames), float64(written)/time.Since(start).Seconds())
		}
		finished := done+failed == n
		if out != nil && line != last && (finished || time.Since(printed) >= time.Second) {
			fmt.Fprintln(out, line) // at most a line a second, and the last one
			last, printed = line, time.Now()
		}
		if finished {
			return nil, nil, false
		}
		if !warned && done+failed+running == 0 && time.Since(start) > 15*time.Second {
			w.s.Logger.Warn("no worker has taken an item yet: start workers with `denoise worker --nats URL` on machines that reach the server")
			warned = true
		}
		select {
		case <-ctx.Done():
			return ctx.Err(), nil, false
		case aerr := <-assembled:
			return nil, aerr, true
		case <-reap.C:
			w.reapLost(ctx)
		case <-changed:
		case <-tick.C:
		}
	}
}

// reapLost marks as failed the items still running on their last attempt whose state has
// not been written for two ack waits (a worker writes it every quarter of one), and takes
// their message out of the queue.
func (w *watch) reapLost(ctx context.Context) {
	q := w.s.B.Queue
	for i, st := range w.states() {
		if lost(st, q) {
			w.fail(ctx, i, st, fmt.Sprintf("its worker (%s) was lost on the last of %d attempts", st.Worker, q.MaxAttempts))
		}
	}
}

// lost says whether st is an item running on its last attempt whose worker has gone silent.
func lost(st Status, q Queue) bool {
	return st.State == StateRunning && st.Attempt >= q.MaxAttempts && time.Since(st.Updated) > 2*q.AckWait
}

// fail records an item as failed and deletes its message, which the consumer will not
// deliver again.
func (w *watch) fail(ctx context.Context, i int, st Status, why string) {
	st.State, st.Error = StateFailed, why
	if err := w.s.B.putStatus(ctx, w.s.JobID, i, st); err != nil {
		return // done meanwhile, or the server is away: the next round decides
	}
	if stream, err := w.s.B.JS.Stream(ctx, StreamName); err == nil && st.Seq != 0 {
		_ = stream.DeleteMsg(ctx, st.Seq)
	}
	w.set(i, st)
}
