package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode"

	"github.com/denoise-go/denoise/decode"
	"github.com/denoise-go/denoise/modes"
)

// demuxers are the FFmpeg demuxers an upload may be read with: pictures and video files.
// Playlists and the like (hls, concat, …), which could make FFmpeg read other files of
// this machine into a result, are refused.
const demuxers = "image2,png_pipe,jpeg_pipe,jpegls_pipe,tiff_pipe,bmp_pipe,webp_pipe,gif,pgm_pipe,ppm_pipe," +
	"pam_pipe,pbm_pipe,pgmyuv_pipe,j2k_pipe,qoi_pipe,matroska,mov,avi,yuv4mpegpipe,nut,mpegts,flv,ogg,mpeg,ivf," +
	"h264,hevc,m4v,mjpeg"

// formSlack is what the multipart framing and the small fields may add to the file's size.
const formSlack = 64 << 10

// maxFieldBytes bounds one text field of the form.
const maxFieldBytes = 1024

// uploadExts are the file name endings kept on the stored upload, which help FFmpeg pick
// its demuxer; any other upload is stored without one and FFmpeg probes its content.
var uploadExts = map[string]bool{
	".png": true, ".jpg": true, ".jpeg": true, ".tif": true, ".tiff": true, ".bmp": true,
	".webp": true, ".gif": true, ".pgm": true, ".ppm": true, ".pnm": true,
	".mkv": true, ".webm": true, ".mp4": true, ".mov": true, ".avi": true, ".y4m": true,
	".nut": true, ".ts": true, ".m4v": true,
}

// handleSubmit is POST /api/jobs: it receives the upload into the job's private folder
// (holding one of --max-uploads slots while it arrives), checks the parameters and the
// picture against the limits, and only then takes a job slot and starts the job (202). A
// slow upload holds no job slot. Nothing is left on disk when it refuses.
func (s *Server) handleSubmit(w http.ResponseWriter, r *http.Request) {
	if s.closing.Load() {
		writeError(w, errorf(http.StatusServiceUnavailable, "the server is shutting down"))
		return
	}
	if r.ContentLength > s.lim.MaxUploadBytes+formSlack {
		w.Header().Set("Connection", "close")
		writeError(w, s.tooLarge(r.ContentLength))
		return
	}
	if len(s.slots) == cap(s.slots) { // busy now: not worth receiving the upload
		s.busy(w)
		return
	}
	select {
	case s.uploads <- struct{}{}:
	default:
		w.Header().Set("Retry-After", "5")
		w.Header().Set("Connection", "close")
		writeError(w, errorf(http.StatusServiceUnavailable,
			"the server is receiving %d uploads, the limit is %d (--max-uploads); try again in a few seconds",
			s.lim.MaxUploads, s.lim.MaxUploads))
		return
	}
	j, up, err := s.accept(w, r)
	<-s.uploads
	if err != nil {
		if ae, ok := err.(*apiError); ok && (ae.status == http.StatusRequestEntityTooLarge || ae.status == http.StatusRequestTimeout) {
			w.Header().Set("Connection", "close") // do not read the rest of the body
		}
		writeError(w, err)
		return
	}
	select {
	case s.slots <- struct{}{}:
	default:
		s.discard(j, up)
		s.busy(w)
		return
	}
	if s.closing.Load() {
		<-s.slots
		s.discard(j, up)
		writeError(w, errorf(http.StatusServiceUnavailable, "the server is shutting down"))
		return
	}
	s.jobs.add(j)
	s.log.Info("job started", "id", j.id, "file", up.name, "mode", up.params.Mode, "resolved", up.params.ResolvedMode)
	s.wg.Add(1)
	go s.run(j, up)
	st := j.snapshot(s.lim.ResultTTL)
	w.Header().Set("Location", "/api/jobs/"+j.id)
	writeJSON(w, http.StatusAccepted, struct {
		ID        string   `json:"id"`
		State     jobState `json:"state"`
		StatusURL string   `json:"status_url"`
	}{j.id, st.State, "/api/jobs/" + j.id})
}

// busy answers 429: every job slot is taken.
func (s *Server) busy(w http.ResponseWriter) {
	w.Header().Set("Retry-After", "5")
	w.Header().Set("Connection", "close")
	writeError(w, errorf(http.StatusTooManyRequests,
		"the server is busy: %d job(s) are running, the limit is %d (--max-jobs); try again when one has finished",
		s.lim.MaxJobs, s.lim.MaxJobs))
}

// discard drops an accepted upload that will not run, and its folder.
func (s *Server) discard(j *job, up *upload) {
	up.close()
	j.cancel(nil)
	_ = os.RemoveAll(j.dir)
}

// accept receives and checks an upload. On error the job's folder is already removed.
func (s *Server) accept(w http.ResponseWriter, r *http.Request) (_ *job, _ *upload, err error) {
	id := newJobID()
	dir, err := jobDir(s.root, id)
	if err != nil {
		return nil, nil, errorf(http.StatusServiceUnavailable, "cannot store the upload: %v", err)
	}
	defer func() {
		if err != nil {
			_ = os.RemoveAll(dir)
		}
	}()
	path, name, fields, err := s.receive(w, r, dir)
	if err != nil {
		return nil, nil, err
	}
	p, cfg, err := parseParams(fields, s.base)
	if err != nil {
		return nil, nil, err
	}
	if _, err := modes.Build(cfg); err != nil { // the job builds its own stages
		return nil, nil, errorf(http.StatusBadRequest, "mode %s is not available in this build: %v", p.Mode, err)
	}
	up := &upload{name: name, params: p, cfg: cfg}
	if up.path, err = stackPath(path); err != nil {
		return nil, nil, errorf(http.StatusServiceUnavailable, "cannot store the upload: %v", err)
	}
	j := &job{id: id, dir: dir, created: time.Now(), done: make(chan struct{})}
	j.status = jobStatus{
		ID: id, State: stateRunning, File: name, Kind: "image", Params: p, Reference: p.noise != nil, Created: j.created,
		SigmaEstimated: unknown, PSNR: unknown, SSIM: unknown, PSNRNoisy: unknown, SSIMNoisy: unknown,
	}
	if isStack(up.path, cfg) {
		if up.stack, err = s.checkStack(up.path, name, cfg, &j.status); err != nil {
			return nil, nil, err
		}
	} else {
		if up.src, err = s.open(up.path, name); err != nil {
			return nil, nil, err
		}
		g := up.src.Geometry()
		up.video = isVideo(up.src)
		j.status.Width, j.status.Height, j.status.PixFmt, j.status.BitDepth = g.W, g.H, up.src.PixFmt(), g.Format.BitDepth
		j.status.FramesTotal = 1
		if up.video {
			j.status.Kind, j.status.FramesTotal = "video", up.src.EstimatedFrames()
		}
	}
	j.ctx, j.cancel = context.WithCancelCause(s.ctx)
	return j, up, nil
}

// receive streams the multipart body: the file part straight into dir (never through
// the system's temporary folder), the text fields into memory.
func (s *Server) receive(w http.ResponseWriter, r *http.Request, dir string) (path, name string, fields map[string]string, err error) {
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "multipart/form-data" {
		return "", "", nil, errorf(http.StatusBadRequest, "the body must be multipart/form-data with a file field (got %q)", ct)
	}
	r.Body = http.MaxBytesReader(w, s.pacedBody(w, r), s.lim.MaxUploadBytes+formSlack)
	mr, err := r.MultipartReader()
	if err != nil {
		return "", "", nil, errorf(http.StatusBadRequest, "malformed multipart body: %v", err)
	}
	fields = map[string]string{}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", "", nil, s.readError(err, "malformed multipart body")
		}
		field := part.FormName()
		switch {
		case field == "file":
			if path != "" {
				return "", "", nil, errorf(http.StatusBadRequest, "more than one file in the upload (send one per job)")
			}
			name = cleanName(part.FileName())
			path = filepath.Join(dir, "upload"+uploadExt(name))
			if err := s.saveFile(part, path); err != nil {
				return "", "", nil, err
			}
		case field == "":
			return "", "", nil, errorf(http.StatusBadRequest, "malformed multipart body: a part has no form field name")
		default:
			b, err := io.ReadAll(io.LimitReader(part, maxFieldBytes+1))
			if err != nil {
				return "", "", nil, s.readError(err, "malformed multipart body")
			}
			if len(b) > maxFieldBytes {
				return "", "", nil, errorf(http.StatusBadRequest, "form field %q is longer than %d bytes", field, maxFieldBytes)
			}
			fields[field] = string(b)
		}
	}
	// the body is in: lift the deadline, which would otherwise end net/http's background
	// read of the connection, and with it the request, while the upload is checked
	_ = http.NewResponseController(w).SetReadDeadline(time.Time{})
	if path == "" {
		return "", "", nil, errorf(http.StatusBadRequest, `no file in the upload (send it in the multipart field "file")`)
	}
	return path, name, fields, nil
}

func (s *Server) saveFile(part io.Reader, path string) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return errorf(http.StatusServiceUnavailable, "cannot store the upload: %v", err)
	}
	n, err := io.Copy(f, io.LimitReader(part, s.lim.MaxUploadBytes+1))
	if cerr := f.Close(); err == nil && cerr != nil {
		return errorf(http.StatusServiceUnavailable, "cannot store the upload: %v", cerr)
	}
	if err != nil {
		return s.readError(err, "reading the upload")
	}
	if n > s.lim.MaxUploadBytes {
		return s.tooLarge(n)
	}
	if n == 0 {
		return errorf(http.StatusUnprocessableEntity, "the uploaded file is empty")
	}
	return nil
}

// pacedBody is the request's body, read under a deadline on the connection that ends the
// upload when it has taken longer than the request timeout, or than its allowance plus
// the time its bytes so far would take at the minimum rate.
func (s *Server) pacedBody(w http.ResponseWriter, r *http.Request) io.ReadCloser {
	now := time.Now()
	return &pacedBody{ReadCloser: r.Body, rc: http.NewResponseController(w), start: now,
		end: now.Add(s.lim.RequestTimeout), grace: s.lim.uploadGrace, rate: s.lim.MinUploadRate}
}

type pacedBody struct {
	io.ReadCloser
	rc         *http.ResponseController
	start, end time.Time
	grace      time.Duration
	rate       int64 // bytes per second; 0: no minimum
	n          int64 // bytes read
}

func (b *pacedBody) Read(p []byte) (int, error) {
	deadline, paced := b.end, false
	if b.rate > 0 {
		if d := b.start.Add(b.grace + time.Duration(float64(b.n)/float64(b.rate)*float64(time.Second))); d.Before(deadline) {
			deadline, paced = d, true
		}
	}
	_ = b.rc.SetReadDeadline(deadline)
	n, err := b.ReadCloser.Read(p)
	b.n += int64(n)
	if err != nil && paced && isTimeout(err) {
		return n, &slowUpload{n: b.n, took: time.Since(b.start), min: b.rate}
	}
	return n, err
}

// slowUpload is the error of an upload that arrived slower than the minimum rate.
type slowUpload struct {
	n    int64
	took time.Duration
	min  int64
}

func (e *slowUpload) Error() string {
	return fmt.Sprintf("the upload arrived at %s/s (%s in %v), slower than the %s/s minimum (--min-upload-rate)",
		FormatBytes(int64(float64(e.n)/max(e.took.Seconds(), 1e-3))), FormatBytes(e.n), e.took.Round(time.Millisecond), FormatBytes(e.min))
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, os.ErrDeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()
}

// readError classifies an error met while reading the body.
func (s *Server) readError(err error, what string) *apiError {
	var mbe *http.MaxBytesError
	var slow *slowUpload
	switch {
	case errors.As(err, &slow):
		return errorf(http.StatusRequestTimeout, "%s", slow.Error())
	case errors.As(err, &mbe):
		return s.tooLarge(mbe.Limit + 1)
	case isTimeout(err):
		return errorf(http.StatusRequestTimeout, "the upload took longer than the %v request timeout (--request-timeout)", s.lim.RequestTimeout)
	}
	return errorf(http.StatusBadRequest, "%s: %v", what, err)
}

func (s *Server) tooLarge(n int64) *apiError {
	return errorf(http.StatusRequestEntityTooLarge, "the upload is larger than the %s limit (--max-upload); it has at least %s",
		FormatBytes(s.lim.MaxUploadBytes), FormatBytes(n))
}

// open checks the picture's size against the pixel limit (from its header where the
// format allows, before anything is decoded) and opens it with decode.Open.
func (s *Server) open(path, name string) (*decode.Source, error) {
	if w, h, ok := headerSize(path); ok && w*h > s.lim.MaxPixels {
		return nil, s.tooManyPixels(w, h)
	}
	src, err := decode.Open(decode.Options{Input: path, Logger: s.ffLog, InputOptions: map[string]string{
		"protocol_whitelist": "file", "format_whitelist": demuxers}})
	if err != nil {
		msg := strings.ReplaceAll(err.Error(), path, name)
		return nil, errorf(http.StatusUnprocessableEntity,
			"cannot read the upload as an image or a video (PNG, JPEG, TIFF, BMP, WebP, GIF, PNM; MKV, WebM, MP4, MOV, AVI, Y4M, NUT, TS, FLV, OGG, MPEG): %s", msg)
	}
	g := src.Geometry()
	if int64(g.W)*int64(g.H) > s.lim.MaxPixels {
		src.Close()
		return nil, s.tooManyPixels(int64(g.W), int64(g.H))
	}
	return src, nil
}

func (s *Server) tooManyPixels(w, h int64) *apiError {
	return errorf(http.StatusRequestEntityTooLarge, "the picture is %d×%d = %d pixels, more than the %d pixels per frame limit (--max-pixels)",
		w, h, w*h, s.lim.MaxPixels)
}

// isVideo tells a video from a still image by its demuxer: images come through image2 or
// one of FFmpeg's *_pipe image demuxers.
func isVideo(src *decode.Source) bool {
	f := src.FormatContext().InputFormat()
	if f == nil {
		return true
	}
	n := f.Name()
	if n == "image2" || strings.HasSuffix(n, "_pipe") {
		return false
	}
	return src.EstimatedFrames() != 1
}

// cleanName keeps a client's file name for display and the download's name: its base
// name, letters, digits and a few marks only, at most 80 characters.
func cleanName(n string) string {
	n = filepath.Base(strings.ReplaceAll(n, "\\", "/"))
	var b strings.Builder
	for _, r := range n {
		switch {
		case r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r)), r == '.', r == '-', r == '_':
			b.WriteRune(r)
		case r == ' ':
			b.WriteRune('_')
		}
	}
	out := strings.TrimLeft(b.String(), ".")
	if len(out) > 80 {
		out = out[len(out)-80:]
	}
	if out == "" {
		out = "upload"
	}
	return out
}

func uploadExt(name string) string {
	ext := strings.ToLower(filepath.Ext(name))
	if uploadExts[ext] {
		return ext
	}
	return ""
}

// resultName is the download's file name: the upload's stem, "-denoised", and ext.
func resultName(upload, ext string) string {
	stem := strings.TrimSuffix(upload, filepath.Ext(upload))
	return fmt.Sprintf("%s-denoised%s", stem, ext)
}
