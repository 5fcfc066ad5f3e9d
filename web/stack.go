package web

import (
	"compress/gzip"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/denoise-go/denoise/configs"
	"github.com/denoise-go/denoise/frame"
	"github.com/denoise-go/denoise/internal/memlimit"
	runjob "github.com/denoise-go/denoise/job"
	"github.com/denoise-go/denoise/sci"
	"github.com/denoise-go/denoise/sci/nifti"
)

// Stacks — multi-page TIFFs and ImageJ hyperstacks, DICOM files, NIfTI-1 volumes — are
// recognised by their content (runjob.IsScientific) and read by package sci, as the command
// line reads them: every channel is denoised at its stored bit depth into a file of the same
// format that keeps the input's metadata.

// stackUpload is what accept learnt of a stack upload.
type stackUpload struct {
	ext, ctype string // the result's file name ending and content type
	middle     int64  // the index of the page or slice previewed
}

// stackPath gives a gzip-compressed NIfTI-1 volume, recognised by its content, the .nii.gz
// ending package sci reads it by, and returns the upload's path.
func stackPath(path string) (string, error) {
	if strings.HasSuffix(path, ".nii.gz") || !isGzipNIfTI(path) {
		return path, nil
	}
	to := filepath.Join(filepath.Dir(path), "upload.nii.gz")
	if err := os.Rename(path, to); err != nil {
		return path, err
	}
	return to, nil
}

func isGzipNIfTI(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return false
	}
	head := make([]byte, 352)
	n, _ := io.ReadFull(zr, head)
	return nifti.IsNIfTI(head[:n])
}

// isStack reports whether the upload at path is read by package sci.
func isStack(path string, cfg *configs.Config) bool {
	c := *cfg
	c.Input, c.InputFormat = path, ""
	return runjob.IsScientific(&c)
}

// checkStack opens the stack at path within the memory limit, checks its images against
// the pixel limit and the mode's frames against the memory limit, as the job will, and
// fills in the status's description of the upload.
func (s *Server) checkStack(path, name string, cfg *configs.Config, st *jobStatus) (*stackUpload, error) {
	if w, h, ok := headerSize(path); ok && w*h > s.lim.MaxPixels {
		return nil, s.tooManyPixels(w, h)
	}
	c := *cfg
	c.Input = path
	stk, err := runjob.OpenStack(path, &c)
	if err != nil {
		return nil, stackError(err, path, name, "cannot read the upload as a TIFF stack, DICOM or NIfTI")
	}
	defer stk.Close()
	if int64(stk.Width)*int64(stk.Height) > s.lim.MaxPixels {
		return nil, s.tooManyPixels(int64(stk.Width), int64(stk.Height))
	}
	if err := runjob.StackFits(&c, stk); err != nil {
		return nil, stackError(err, path, name, "the stack cannot be denoised")
	}
	g := stk.Geometry()
	st.Kind, st.Format, st.Channels = "stack", stk.Format.String(), stk.Channels()
	st.Width, st.Height, st.PixFmt, st.BitDepth = g.W, g.H, g.Format.PixFmt, stk.BitDepth()
	st.FramesTotal = int64(stk.Len()) * int64(stk.Channels())
	u := &stackUpload{middle: int64(stk.Len() / 2)}
	switch {
	case stk.Format == sci.NIfTI && strings.HasSuffix(path, ".nii.gz"):
		u.ext, u.ctype = ".nii.gz", "application/gzip"
	case stk.Format == sci.NIfTI:
		u.ext, u.ctype = ".nii", "application/octet-stream"
	case stk.Format == sci.DICOM:
		u.ext, u.ctype = ".dcm", "application/dicom"
	default:
		u.ext, u.ctype = ".tif", "image/tiff"
	}
	return u, nil
}

// stackError is a 413 for a stack over the memory limit, else a 422 saying what, in
// package sci's words with the client's file name.
func stackError(err error, path, name, what string) *apiError {
	msg := strings.ReplaceAll(err.Error(), path, name)
	if me := (*memlimit.Error)(nil); errors.As(err, &me) {
		return errorf(http.StatusRequestEntityTooLarge, "%s (the server's memory limit)", msg)
	}
	return errorf(http.StatusUnprocessableEntity, "%s: %s", what, msg)
}

// writeStackPreview writes a stack's gray frame as an 8-bit PNG for the browser: its codes,
// scaled to [0,1], at 8 bits for display only.
func writeStackPreview(f *frame.Frame, path string) error {
	im := image.NewGray(image.Rect(0, 0, f.W, f.H))
	for y := range f.H {
		row := im.Pix[y*im.Stride:]
		for x, v := range f.Planes[0].Row(y) {
			row[x] = uint8(min(max(v, 0), 1)*255 + 0.5)
		}
	}
	out, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("preview: %w", err)
	}
	err = png.Encode(out, im)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("preview: %w", err)
	}
	return nil
}
