package job

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/denoise-go/denoise/configs"
	"github.com/denoise-go/denoise/decode"
	"github.com/denoise-go/denoise/encode"
	"github.com/denoise-go/denoise/sci/tiffstack"
)

// Interrupted is the error of a job stopped by a signal after its output was finalised.
type Interrupted struct {
	Signal os.Signal
	Frames int64  // frames written
	Output string // cfg.Output
}

func (e *Interrupted) Error() string {
	return fmt.Sprintf("interrupted by %v: %d frames written to %s (finalised, playable)", e.Signal, e.Frames, e.Output)
}

// Damaged is the error of a job that finished, every decodable frame written, on an input
// that was damaged (decode.Damage says how).
type Damaged struct {
	Damage decode.Damage
	Frames int64
	Output string
}

func (e *Damaged) Error() string {
	return fmt.Sprintf("finished, but the input was damaged: %s; %d frames written to %s (finalised, playable)",
		e.Damage, e.Frames, e.Output)
}

// Stalled is the error of a job whose source stopped sending (its read timeout passed),
// after its output was finalised. It unwraps to the source's error.
type Stalled struct {
	Err    error
	Frames int64
	Output string
}

func (e *Stalled) Error() string {
	return fmt.Sprintf("%v: %d frames written to %s (finalised, playable)", e.Err, e.Frames, e.Output)
}

func (e *Stalled) Unwrap() error { return e.Err }

// removeEmptyOutput removes the output file of a job that wrote no frame, which would hold
// nothing or a header alone.
func removeEmptyOutput(output string, frames int64) {
	if frames > 0 || output == "-" || strings.Contains(output, "://") || encode.IsPattern(output) {
		return
	}
	if st, err := os.Stat(output); err == nil && st.Mode().IsRegular() {
		_ = os.Remove(output)
	}
}

// checkTIFF parses a TIFF input with package sci's parser before the input is routed. A
// malformed TIFF (an IFD chain that loops, data outside the file) is refused with the
// parser's words, rather than handed to FFmpeg, which reads what it can of it and says
// nothing. One the parser does not read (a compression it lacks, a page over its limit)
// goes to FFmpeg with a warning, and the returned note, the parser's reason, is added to
// FFmpeg's error if FFmpeg cannot read it either.
func checkTIFF(cfg *configs.Config, log *slog.Logger) (note string, err error) {
	in := cfg.Input
	if cfg.InputFormat != "" || in == "-" || strings.Contains(in, "://") || encode.IsPattern(in) {
		return "", nil
	}
	f, err := os.Open(in)
	if err != nil {
		return "", nil // decode.Open says why
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		return "", nil
	}
	head := make([]byte, 8)
	if n, _ := f.ReadAt(head, 0); !tiffstack.IsTIFF(head[:n]) {
		return "", nil
	}
	_, perr := tiffstack.Open(f, st.Size())
	switch {
	case perr == nil:
		return "", nil
	case errors.Is(perr, tiffstack.ErrUnsupported):
		log.Warn("the TIFF reader cannot read this file; FFmpeg reads its first page", "input", in, "reason", perr.Error())
		return perr.Error(), nil
	}
	return "", fmt.Errorf("input %s: %w", in, perr)
}

// withTIFFNote adds checkTIFF's note to FFmpeg's error.
func withTIFFNote(note string, err error) error {
	if note == "" {
		return err
	}
	return fmt.Errorf("%w (and %s)", err, note)
}
