package cluster

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/denoise-go/denoise/configs"
)

// Where an item's input or output lives: exactly one field is set.
type Ref struct {
	// Path is a file or folder every worker sees at that path (a shared filesystem).
	Path string `json:"path,omitempty"`
	// URL is anything FFmpeg reads (http, rtmp, s3 through a gateway…); inputs only.
	URL string `json:"url,omitempty"`
	// Object is a name in the object store.
	Object string `json:"object,omitempty"`
}

func (r Ref) String() string {
	switch {
	case r.Path != "":
		return r.Path
	case r.URL != "":
		return r.URL
	case r.Object != "":
		return "object " + r.Object
	}
	return "(nowhere)"
}

// Piece is the part of a video an item denoises: Count frames from frame First, with Before
// frames read ahead of them and After behind them so that each of the Count frames sees the
// neighbours, and the noise estimates, it would see in a run over the whole video. Only the
// Count frames are written.
type Piece struct {
	First, Count  int64
	Before, After int64
	// Start is where the read begins (decode.Trim.Start): at frame First-Before.
	Start time.Duration
	// ShiftPTS is what the decoder takes off the frames' times when it starts there;
	// FirstPTS and LastPTS are the times of frames First and First+Count-1 in the whole
	// input: the worker checks its first and last frame against them, so that a seek that
	// landed elsewhere is an error, not a shifted piece.
	ShiftPTS, FirstPTS, LastPTS int64
}

// Item is one unit of work.
type Item struct {
	Job   string `json:"job"`
	Index int    `json:"index"`
	// Name says which file or which frames, for messages.
	Name   string `json:"name"`
	Input  Ref    `json:"input"`
	Output Ref    `json:"output"`
	// OutName is the output's file name where the worker writes it first: its extension
	// picks the format.
	OutName string `json:"out_name"`
	// Config is the command's configuration; the worker sets Input and Output.
	Config configs.Config `json:"config"`
	// Piece is set for a piece of a video.
	Piece *Piece `json:"piece,omitempty"`
}

// Item states.
const (
	StateQueued   = "queued"
	StateRunning  = "running"
	StateRetrying = "retrying" // the last attempt failed; the item goes back to the queue
	StateDone     = "done"
	StateFailed   = "failed" // failed on its last attempt; not retried
)

// Status is an item's entry in the key-value bucket.
type Status struct {
	State   string `json:"state"`
	Name    string `json:"name"`
	Worker  string `json:"worker,omitempty"`
	Attempt int    `json:"attempt,omitempty"`
	// Frames is how many frames the item has written (so far, while running).
	Frames int64  `json:"frames"`
	Error  string `json:"error,omitempty"`
	Output Ref    `json:"output"`
	// Seq is the item's message in the stream (the submitter's record).
	Seq     uint64    `json:"seq,omitempty"`
	Updated time.Time `json:"updated"`
}

// JobRecord is a job's entry in the key-value bucket: what a restarted submitter checks
// before it resumes.
type JobRecord struct {
	ID     string `json:"id"`
	Input  string `json:"input"`
	Output string `json:"output"`
	Items  int    `json:"items"`
	// Plan identifies the items (their inputs, pieces and settings): a restart with another
	// plan under the same id is refused.
	Plan    string    `json:"plan"`
	Created time.Time `json:"created"`
}

func jobKey(job string) string             { return job + ".job" }
func itemKey(job string, index int) string { return fmt.Sprintf("%s.item.%d", job, index) }
func itemSubject(job string) string        { return SubjectPrefix + job }
func inputObject(job, name string) string  { return job + "/in/" + name }
func outputObject(job string, index int, name string) string {
	return fmt.Sprintf("%s/out/%d/%s", job, index, name)
}

// ValidJobID refuses ids the bucket's keys and the stream's subjects cannot carry.
func ValidJobID(id string) error {
	if id == "" || len(id) > 64 {
		return fmt.Errorf("job id %q: want 1 to 64 characters", id)
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return fmt.Errorf("job id %q: only letters, digits, - and _", id)
		}
	}
	return nil
}

func decodeJSON[T any](b []byte, what string) (T, error) {
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		return v, fmt.Errorf("%s: %w", what, err)
	}
	return v, nil
}

func oneLine(err error) string {
	s := err.Error()
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}

func jsonBytes(v any) ([]byte, error) { return json.Marshal(v) }
