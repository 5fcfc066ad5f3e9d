package web

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/denoise-go/denoise/configs"
	"github.com/denoise-go/denoise/decode"
	"github.com/denoise-go/denoise/encode"
	"github.com/denoise-go/denoise/frame"
	runjob "github.com/denoise-go/denoise/job"
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
	path   string         // the file inside the job's folder
	name   string         // the client's file name, cleaned
	src    *decode.Source // the opened picture or video; nil for a stack
	video  bool
	stack  *stackUpload // a TIFF stack, DICOM or NIfTI upload, read by package sci; nil otherwise
	params jobParams
	cfg    *configs.Config // the job's mode and settings
}

// close closes the opened upload (a stack is opened by the job itself).
func (up *upload) close() {
	if up.src != nil {
		up.src.Close()
	}
}

// run processes a job on its own goroutine. The job's state turns final as soon as it is
// cancelled or times out, even while a long frame is still being filtered; its slot and
// its upload are freed when the work has really stopped.
func (s *Server) run(j *job, up *upload) {
	defer s.wg.Done()
	defer func() { <-s.slots }()
	defer close(j.done)
	defer os.Remove(up.path) // the upload is not kept once processed
	defer up.close()
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

// process runs the job through package job's Run: the upload, its synthetic noise, the mode's
// stages, the result written losslessly at the source's bit depth (a picture as PNG, a video
// as FFV1 in Matroska, a stack in its own format as the command line writes it), then the
// 8-bit previews. It returns the status fields the run has learnt.
func (s *Server) process(ctx context.Context, j *job, up *upload) (func(*jobStatus), error) {
	ext, ctype := ".png", "image/png"
	switch {
	case up.stack != nil:
		ext, ctype = up.stack.ext, up.stack.ctype
	case up.video:
		ext, ctype = ".mkv", "video/x-matroska"
	}
	result := filepath.Join(j.dir, "result"+ext)
	if err := createPrivate(result); err != nil {
		return nil, err
	}
	c := *up.cfg
	c.Input, c.Output, c.Overwrite = up.path, result, true
	c.InputFormat, c.InputOptions = "", nil
	c.Codec = ""
	if up.video {
		c.Codec = "ffv1"
	}
	c.OutputFormat, c.CRF, c.PixFmt = "", 0, ""
	c.EncoderOptions, c.MuxerOptions, c.PresetEncoderOptions = nil, nil, nil
	c.Progress, c.MetricsAddr = "off", ""
	at := int64(-1) // the first frame is previewed
	if up.stack != nil {
		at = up.stack.middle
	}
	m := newMeasures(up.params, at)
	if m.refs != nil {
		defer m.refs.release()
	}
	channel := int64(0)
	notLive := false
	t0 := time.Now()
	_, err := runjob.Run(ctx, runjob.Options{
		Config: &c, Logger: s.log, FFmpegLogger: s.ffLog,
		Source: up.src, // opened and checked by accept (nil for a stack: job opens it); closed by run
		Live:   &notLive,
		WrapSource: func(src pipeline.Source) pipeline.Source { // once per channel of a stack
			in := &jobSource{src: src, m: m, seed: up.params.Seed + channel<<32}
			channel++
			return in
		},
		WrapSink: func(enc pipeline.Sink) pipeline.Sink { return &jobSink{ctx: ctx, enc: enc, m: m} },
		WrapStages: func(st []pipeline.Stage) []pipeline.Stage {
			if d := time.Duration(s.frameDelay.Load()); d > 0 {
				st = append(st, delayStage(d))
			}
			return st
		},
		OnFrame: func(st pipeline.Stats) { j.framesDone.Store(st.FramesOut) },
	})
	took := time.Since(t0)
	var damaged *runjob.Damaged
	if errors.As(err, &damaged) { // the frames FFmpeg could decode were written, as before job
		s.log.Warn("damaged upload", "id", j.id, "err", err)
		err = nil
	}
	if err != nil {
		// the job's words, without the server's folders
		return nil, errors.New(strings.NewReplacer(up.path, up.name, result, "the result").Replace(err.Error()))
	}
	if m.result == nil || m.noisy == nil {
		return nil, errors.New("the pipeline wrote no frame")
	}
	noisy, res := filepath.Join(j.dir, previewPrefix+previewNoisy), filepath.Join(j.dir, previewPrefix+previewResult)
	if up.stack != nil {
		err = errors.Join(writeStackPreview(m.noisy, noisy), writeStackPreview(m.result, res))
	} else {
		err = errors.Join(s.writePreview(up.src, m.noisy, noisy), s.writePreview(up.src, m.result, res))
	}
	if err != nil {
		return nil, err
	}
	base := "/api/jobs/" + j.id
	return func(st *jobStatus) {
		st.ProcessingMS = took.Milliseconds()
		st.SigmaEstimated = m.sigma
		st.SigmaChannels = m.sigmas
		st.PSNRNoisy, st.SSIMNoisy = m.psnrNoisy.value(), m.ssimNoisy.value()
		st.PSNR, st.SSIM = m.psnr.value(), m.ssim.value()
		st.resultPath, st.resultType = result, ctype
		st.ResultName = resultName(up.name, ext)
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
