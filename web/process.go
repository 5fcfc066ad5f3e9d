package web

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/denoise-go/denoise/decode"
	"github.com/denoise-go/denoise/encode"
	"github.com/denoise-go/denoise/frame"
	"github.com/denoise-go/denoise/pipeline"
)

// The previews' names in their URLs; in the job's folder they are prefixed with
// previewPrefix, apart from the result (result.png, result.mkv).
const (
	previewNoisy  = "noisy.png"
	previewResult = "result.png"
	previewPrefix = "preview-"
)

// upload is a received, opened and checked upload, ready to run.
type upload struct {
	path   string // the file inside the job's folder
	name   string // the client's file name, cleaned
	src    *decode.Source
	video  bool
	stages []pipeline.Stage
	params jobParams
	queue  int
}

// run processes a job on its own goroutine. The job's state turns final as soon as it is
// cancelled or times out, even while a long frame is still being filtered; its slot and
// its upload are freed when the work has really stopped.
func (s *Server) run(j *job, up *upload) {
	defer s.wg.Done()
	defer func() { <-s.slots }()
	defer close(j.done)
	defer os.Remove(up.path) // the upload is not kept once processed
	defer up.src.Close()
	defer j.cancel(nil) // detaches the job's context from the server's

	ctx, cancel := context.WithTimeoutCause(j.ctx, s.lim.JobTimeout, errTimedOut)
	defer cancel()
	go func() {
		<-ctx.Done()
		s.stopped(j, ctx)
	}()

	res, err := s.process(ctx, j, up)
	if err != nil {
		if !s.stopped(j, ctx) {
			s.log.Warn("job failed", "id", j.id, "err", err)
			j.finish(stateFailed, err.Error(), nil)
		}
		return
	}
	if j.finish(stateDone, "", res) {
		s.log.Info("job done", "id", j.id, "mode", up.params.Mode, "resolved", up.params.ResolvedMode, "frames", j.framesDone.Load())
	}
}

// stopped ends a job whose context was cancelled or timed out with the state that says so,
// and reports whether it was.
func (s *Server) stopped(j *job, ctx context.Context) bool {
	switch cause := context.Cause(ctx); {
	case errors.Is(cause, errTimedOut):
		j.finish(stateTimeout, fmt.Sprintf("the job ran longer than the %v job timeout (--job-timeout) and was stopped", s.lim.JobTimeout), nil)
	case errors.Is(cause, errCancelled), errors.Is(cause, errShutdown):
		j.finish(stateCancelled, cause.Error(), nil)
	default:
		return false
	}
	return true
}

// process runs the job's pipeline: the upload, its synthetic noise, the mode's stages, the
// result encoded losslessly at the source's bit depth, then the 8-bit previews. It returns
// the status fields the run has learnt.
func (s *Server) process(ctx context.Context, j *job, up *upload) (func(*jobStatus), error) {
	src := up.src
	result := filepath.Join(j.dir, "result.png")
	opts := encode.Options{Output: result, Overwrite: true, Logger: s.ffLog}
	if up.video {
		result = filepath.Join(j.dir, "result.mkv")
		opts.Output, opts.Codec = result, "ffv1"
	}
	if err := createPrivate(result); err != nil {
		return nil, err
	}
	enc, err := encode.Open(opts, src)
	if err != nil {
		return nil, fmt.Errorf("encode: %w", err)
	}
	if up.video {
		src.OnPacket(enc.Passthrough) // audio travels with the video
	}
	in := &jobSource{src: src, noise: up.params.noise, seed: up.params.Seed}
	out := &jobSink{ctx: ctx, enc: enc}
	if in.noise != nil {
		in.refs = newRefStore()
		out.refs = in.refs
		defer in.refs.release()
	}
	stages := up.stages
	if d := time.Duration(s.frameDelay.Load()); d > 0 {
		stages = append(stages, delayStage(d))
	}
	t0 := time.Now()
	_, err = pipeline.Run(ctx, pipeline.Config{
		Source: in, Stages: stages, Sink: out, QueueDepth: up.queue, Logger: s.log,
		OnFrame: func(st pipeline.Stats) { j.framesDone.Store(st.FramesOut) },
	})
	took := time.Since(t0)
	if err != nil {
		return nil, err
	}
	if out.first == nil {
		return nil, errors.New("the pipeline wrote no frame")
	}
	if err := s.writePreview(src, in.first, filepath.Join(j.dir, previewPrefix+previewNoisy)); err != nil {
		return nil, err
	}
	if err := s.writePreview(src, out.first, filepath.Join(j.dir, previewPrefix+previewResult)); err != nil {
		return nil, err
	}
	base := "/api/jobs/" + j.id
	return func(st *jobStatus) {
		st.ProcessingMS = took.Milliseconds()
		st.SigmaEstimated = in.sigma
		st.PSNRNoisy, st.SSIMNoisy = in.psnr.value(), in.ssim.value()
		st.PSNR, st.SSIM = out.psnr.value(), out.ssim.value()
		st.resultPath, st.resultType = result, "image/png"
		if up.video {
			st.resultType = "video/x-matroska"
		}
		st.ResultName = resultName(up.name, filepath.Ext(result))
		st.ResultURL = base + "/result"
		st.PreviewNoisyURL = base + "/preview/" + previewNoisy
		st.PreviewResultURL = base + "/preview/" + previewResult
		if st.FramesTotal == 0 || st.FramesTotal < j.framesDone.Load() {
			st.FramesTotal = j.framesDone.Load()
		}
	}, nil
}

// writePreview writes f as an 8-bit PNG through package encode, for the browser, which
// cannot show 16-bit pictures: the samples are scaled to 8 bits for display only.
func (s *Server) writePreview(src *decode.Source, f *frame.Frame, path string) error {
	pf := "rgb24"
	switch {
	case f.Format.Layout == frame.Gray && f.Format.Alpha:
		pf = "ya8"
	case f.Format.Layout == frame.Gray:
		pf = "gray"
	case f.Format.Alpha:
		pf = "rgba"
	}
	if err := createPrivate(path); err != nil {
		return fmt.Errorf("preview: %w", err)
	}
	enc, err := encode.Open(encode.Options{Output: path, Codec: "png", PixFmt: pf, Overwrite: true, Logger: s.ffLog}, src)
	if err != nil {
		return fmt.Errorf("preview: %w", err)
	}
	c := clone(f)
	c.PTS = 0
	if err := enc.Write(c); err != nil {
		_ = enc.Close()
		return fmt.Errorf("preview: %w", err)
	}
	if err := enc.Close(); err != nil {
		return fmt.Errorf("preview: %w", err)
	}
	return nil
}

// createPrivate creates an empty file readable by this user only, for FFmpeg to write: it
// opens its outputs with mode 0666 less the umask (0644 as a rule), which applies to new
// files only, so the file it truncates and fills keeps 0600.
func createPrivate(path string) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	return f.Close()
}
