package job

import (
	"fmt"
	"os"
	"strings"

	"github.com/denoise-go/denoise/decode"
	"github.com/denoise-go/denoise/encode"
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
	removePartial(output)
}

// withTIFFNote adds route's note on a TIFF to FFmpeg's error.
func withTIFFNote(note string, err error) error {
	if note == "" {
		return err
	}
	return fmt.Errorf("%w (and %s)", err, note)
}
