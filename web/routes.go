package web

import (
	"fmt"
	"mime"
	"net/http"
	"os"
	"path/filepath"

	"github.com/denoise-go/denoise/quality"
)

// contentSecurity keeps the page on its own assets: nothing from elsewhere is loaded.
const contentSecurity = "default-src 'self'; img-src 'self' blob: data:; style-src 'self'; script-src 'self'; " +
	"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	page := pageHandler(s.page)
	static := http.FileServerFS(staticFS)
	mux.Handle("GET /{$}", page)
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := r.URL.Path; p == "" || p == "index.html" { // the template: serve it rendered
			page.ServeHTTP(w, r)
			return
		}
		static.ServeHTTP(w, r)
	})))
	mux.HandleFunc("GET /api/modes", s.handleModes)
	mux.HandleFunc("GET /api/limits", s.handleLimits)
	mux.HandleFunc("POST /api/jobs", s.handleSubmit)
	mux.HandleFunc("GET /api/jobs/{id}", s.handleStatus)
	mux.HandleFunc("DELETE /api/jobs/{id}", s.handleDelete)
	mux.HandleFunc("GET /api/jobs/{id}/result", s.handleResult)
	mux.HandleFunc("GET /api/jobs/{id}/preview/{name}", s.handlePreview)
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, errorf(http.StatusNotFound, "no API endpoint %s %s (see GET /api/modes, POST /api/jobs, GET|DELETE /api/jobs/{id})", r.Method, r.URL.Path))
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurity)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		mux.ServeHTTP(w, r)
	})
}

// modesBody is GET /api/modes.
type modesBody struct {
	Modes      []modeInfo `json:"modes"`
	NoiseKinds []string   `json:"noise_kinds"`
}

func (s *Server) handleModes(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, modesBody{Modes: s.modes, NoiseKinds: noiseKinds()})
}

// noiseKinds are the synthetic noise kinds, as quality names them in a spec.
func noiseKinds() []string {
	var out []string
	for _, k := range []quality.Kind{quality.AWGN, quality.SaltPepper, quality.RandomImpulse, quality.PoissonGaussian, quality.Rician} {
		out = append(out, k.String())
	}
	return out
}

// limitsBody is GET /api/limits.
type limitsBody struct {
	MaxUploadBytes   int64  `json:"max_upload_bytes"`
	MaxPixels        int64  `json:"max_pixels"`
	MaxJobs          int    `json:"max_jobs"`
	MaxUploads       int    `json:"max_uploads"`
	MinUploadRate    int64  `json:"min_upload_rate"` // bytes per second; 0: none
	HeaderTimeoutMS  int64  `json:"header_timeout_ms"`
	RequestTimeoutMS int64  `json:"request_timeout_ms"`
	JobTimeoutMS     int64  `json:"job_timeout_ms"`
	ResultTTLMS      int64  `json:"result_ttl_ms"`
	Running          int    `json:"running"`
	Uploading        int    `json:"uploading"`
	MaxUpload        string `json:"max_upload"`
}

func (s *Server) handleLimits(w http.ResponseWriter, _ *http.Request) {
	l := s.lim
	writeJSON(w, http.StatusOK, limitsBody{
		MaxUploadBytes: l.MaxUploadBytes, MaxPixels: l.MaxPixels, MaxJobs: l.MaxJobs, MaxUploads: l.MaxUploads,
		MinUploadRate: l.MinUploadRate, HeaderTimeoutMS: l.HeaderTimeout.Milliseconds(),
		RequestTimeoutMS: l.RequestTimeout.Milliseconds(), JobTimeoutMS: l.JobTimeout.Milliseconds(),
		ResultTTLMS: l.ResultTTL.Milliseconds(), Running: len(s.slots), Uploading: len(s.uploads),
		MaxUpload: FormatBytes(l.MaxUploadBytes),
	})
}

// lookup finds the job of the request's {id}, or answers 404.
func (s *Server) lookup(w http.ResponseWriter, r *http.Request) *job {
	id := r.PathValue("id")
	if j := s.jobs.get(id); j != nil {
		return j
	}
	writeError(w, errorf(http.StatusNotFound, "no job %q (unknown, deleted, or its result expired after %v)", id, s.lim.ResultTTL))
	return nil
}

func (s *Server) handleStatus(w http.ResponseWriter, r *http.Request) {
	if j := s.lookup(w, r); j != nil {
		writeJSON(w, http.StatusOK, j.snapshot(s.lim.ResultTTL))
	}
}

// handleDelete cancels a running job (202; its status then says "cancelled") or removes a
// finished one and its files (200).
func (s *Server) handleDelete(w http.ResponseWriter, r *http.Request) {
	j := s.lookup(w, r)
	if j == nil {
		return
	}
	if j.snapshot(s.lim.ResultTTL).State == stateRunning {
		j.finish(stateCancelled, errCancelled.Error(), nil) // at once, whatever the worker is doing
		j.cancel(errCancelled)
		writeJSON(w, http.StatusAccepted, j.snapshot(s.lim.ResultTTL))
		return
	}
	s.jobs.remove(j)
	writeJSON(w, http.StatusOK, struct {
		ID    string `json:"id"`
		State string `json:"state"`
	}{j.id, "deleted"})
}

// finished returns the status of a job that has a result, or answers why there is none.
func (s *Server) finished(w http.ResponseWriter, r *http.Request) (jobStatus, bool) {
	j := s.lookup(w, r)
	if j == nil {
		return jobStatus{}, false
	}
	st := j.snapshot(s.lim.ResultTTL)
	switch st.State {
	case stateDone:
		return st, true
	case stateRunning:
		writeError(w, errorf(http.StatusConflict, "job %s is still running (%d of %d frames); poll GET /api/jobs/%s", j.id, st.FramesDone, st.FramesTotal, j.id))
	case stateCancelled:
		writeError(w, errorf(http.StatusConflict, "job %s was cancelled (%s): it has no result", j.id, st.Error))
	default: // failed, timeout
		writeError(w, errorf(http.StatusUnprocessableEntity, "job %s has no result: %s", j.id, st.Error))
	}
	return st, false
}

func (s *Server) handleResult(w http.ResponseWriter, r *http.Request) {
	st, ok := s.finished(w, r)
	if !ok {
		return
	}
	w.Header().Set("Content-Type", st.resultType)
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": st.ResultName}))
	serveFile(w, r, st.resultPath)
}

func (s *Server) handlePreview(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if name != previewNoisy && name != previewResult {
		writeError(w, errorf(http.StatusNotFound, "no preview %q (%s or %s)", name, previewNoisy, previewResult))
		return
	}
	st, ok := s.finished(w, r)
	if !ok {
		return
	}
	w.Header().Set("Content-Type", "image/png")
	serveFile(w, r, filepath.Join(filepath.Dir(st.resultPath), previewPrefix+name))
}

func serveFile(w http.ResponseWriter, r *http.Request, path string) {
	f, err := os.Open(path)
	if err != nil {
		writeError(w, errorf(http.StatusNotFound, "the file is gone (removed with its job)"))
		return
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		writeError(w, fmt.Errorf("stat: %w", err))
		return
	}
	w.Header().Set("Cache-Control", "private, max-age=300")
	http.ServeContent(w, r, "", fi.ModTime(), f)
}
