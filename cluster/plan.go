package cluster

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/denoise-go/denoise/configs"
	"github.com/denoise-go/denoise/decode"
)

// DefaultPieceFrames is the length of a video's pieces when none is given: ten seconds at
// 30 frames per second, against which the frames read again at each cut (Warmup and the
// window's radius before, analysed only, and the radius after) cost about 5 % at radius 2.
const DefaultPieceFrames = 300

// Warmup is how many frames a piece of a temporal mode reads before the window's own
// neighbours: the scene-cut detector judges a frame against the last 15 (its history) and
// the motion search reads the noise level off its last estimate, so after these frames
// both are where a run over the whole video has them at the piece's first frame.
const Warmup = 16

// reach is how many frames before and after a frame its output depends on in cfg's mode:
// 0, 0 for the modes that work frame by frame.
func reach(cfg *configs.Config) (before, after int64) {
	var r int64
	switch configs.ResolveMode(cfg) {
	case "stnlm", "impulse+stnlm", "full":
		r = int64(cfg.Temporal.Radius)
	case "average":
		r = int64(cfg.Temporal.Frames / 2)
	default:
		return 0, 0
	}
	before, after = r+Warmup, r
	if cfg.Temporal.Causal {
		after = 0
	}
	return before, after
}

// planPieces cuts a scanned video into pieces of about n frames, moving each cut to a key
// frame within a quarter of a piece where there is one (the decoder then starts there
// without decoding frames it throws away).
func planPieces(sc *decode.Scan, n int64, before, after int64) []Piece {
	total := sc.Frames()
	n = max(n, 1)
	var cuts []int64
	for c := n; c < total; c += n {
		best, bestD := c, n/4+1
		for k := max(c-n/4, 1); k <= min(c+n/4, total-1); k++ {
			if d := abs(k - c); sc.Key[k] && d < bestD {
				best, bestD = k, d
			}
		}
		if len(cuts) == 0 || best > cuts[len(cuts)-1] {
			cuts = append(cuts, best)
		}
	}
	cuts = append(cuts, total)
	var ps []Piece
	first := int64(0)
	for _, c := range cuts {
		p := Piece{First: first, Count: c - first, Before: min(before, first), After: min(after, total-c)}
		p.Start = sc.StartOf(p.First - p.Before)
		p.ShiftPTS = sc.StartPTS(p.First - p.Before)
		p.FirstPTS, p.LastPTS = sc.PTS[p.First], sc.PTS[c-1]
		ps = append(ps, p)
		first = c
	}
	return ps
}

func abs(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

// batchInputs lists what a folder (one item per file or subfolder: a DICOM series, an
// image sequence) or a list file ("@list.txt", one input per line) holds, in name order.
func batchInputs(input string) ([]string, bool, error) {
	if rest, ok := strings.CutPrefix(input, "@"); ok {
		b, err := os.ReadFile(rest)
		if err != nil {
			return nil, true, fmt.Errorf("input list: %w", err)
		}
		var ins []string
		for _, l := range strings.Split(string(b), "\n") {
			if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
				ins = append(ins, l)
			}
		}
		if len(ins) == 0 {
			return nil, true, fmt.Errorf("input list %s names no input", rest)
		}
		return ins, true, nil
	}
	fi, err := os.Stat(input)
	if err != nil || !fi.IsDir() {
		return nil, false, nil
	}
	ents, err := os.ReadDir(input)
	if err != nil {
		return nil, true, err
	}
	var ins []string
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		ins = append(ins, filepath.Join(input, e.Name()))
	}
	if len(ins) == 0 {
		return nil, true, fmt.Errorf("input folder %s is empty", input)
	}
	slices.Sort(ins)
	return ins, true, nil
}

// planID is a digest of what the items are: their inputs (path, size and time of last
// change), the settings and the pieces. The same command on the same files gives the same
// id, so that running it again resumes.
func planID(cfg *configs.Config, inputs []string, pieces []Piece) (string, error) {
	h := sha256.New()
	for _, in := range inputs {
		fmt.Fprintf(h, "input %s", in)
		if fi, err := os.Stat(in); err == nil {
			fmt.Fprintf(h, " %d %d", fi.Size(), fi.ModTime().UnixNano())
		}
		h.Write([]byte{'\n'})
	}
	c := *cfg
	c.Progress, c.LogLevel, c.MetricsAddr, c.Overwrite = "", "", "", false
	if err := json.NewEncoder(h).Encode(c); err != nil {
		return "", err
	}
	if err := json.NewEncoder(h).Encode(pieces); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

var errNoOutput = errors.New("no output given (-o)")
