package cluster

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/denoise-go/denoise/decode"
	"github.com/denoise-go/denoise/frame"
	"github.com/denoise-go/denoise/job"
	"github.com/denoise-go/denoise/pipeline"
)

// assemble writes the final output: the source is read again (for its timestamps, its
// audio and subtitles, which pass through as in a single run) and each of its frames is
// replaced by the same frame of the pieces, in order, through the encoder and settings of
// the command. A piece is waited for when its frames are needed. It returns the frames
// written, which must be the frames the scan found.
func (s *Submitter) assemble(ctx context.Context, items []Item, w *watch, sc *decode.Scan) (int64, error) {
	dir, err := os.MkdirTemp("", "denoise-assemble-*")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	piece := func(i int) (path string, fetched bool, err error) {
		st, err := w.await(ctx, i)
		if err != nil {
			return "", false, err
		}
		if st.State != StateDone {
			return "", false, fmt.Errorf("%s failed: %s", items[i].Name, st.Error)
		}
		path, err = s.fetch(ctx, st.Output, dir, items[i].OutName)
		return path, st.Output.Path == "", err
	}
	r := &pieceReader{n: len(items), piece: piece, log: s.Logger}
	defer r.close()
	cfg := *s.Config
	cfg.Progress = "off"                      // the submitter's lines say how far it is
	cfg.Overwrite = cfg.Overwrite || s.resume // an interrupted run of the job left it
	live := false
	res, err := job.Run(ctx, job.Options{
		Config: &cfg, Logger: s.Logger, Live: &live, AdaptQueue: true,
		Stages: []pipeline.Stage{{Name: "pieces", Temporal: r}},
	})
	if err != nil {
		return res.FramesOut, err
	}
	if res.FramesOut != sc.Frames() || r.read != sc.Frames() {
		return res.FramesOut, fmt.Errorf("%s: wrote %d frames from %d of the pieces, but the input's scan found %d", cfg.Output, res.FramesOut, r.read, sc.Frames())
	}
	return res.FramesOut, nil
}

// pieceReader is the assembly's one stage: it hands out the pieces' frames in place of the
// source's.
type pieceReader struct {
	n     int                             // pieces
	piece func(int) (string, bool, error) // waits for piece i: its file, and whether it was fetched
	log   *slog.Logger
	cur   *decode.Source
	tmp   string // the current piece's file when it was fetched (removed once read)
	next  int
	read  int64
}

func (r *pieceReader) Name() string   { return "pieces" }
func (r *pieceReader) Lookahead() int { return 0 }

func (r *pieceReader) Push(in *frame.Frame, emit func(*frame.Frame) error) error {
	p, err := r.frame(context.Background())
	if errors.Is(err, io.EOF) {
		err = fmt.Errorf("the pieces end at frame %d, before the input", r.read)
	}
	if err != nil {
		in.Release()
		return err
	}
	if p.Geometry() != in.Geometry() {
		g := p.Geometry()
		p.Release()
		in.Release()
		return fmt.Errorf("frame %d: the piece's frame is %s, the input's %s", r.read, g, in.Geometry())
	}
	for i := range in.Planes {
		in.Planes[i].CopyFrom(&p.Planes[i])
	}
	p.Release()
	r.read++
	return emit(in)
}

func (r *pieceReader) Flush(emit func(*frame.Frame) error) error {
	if p, err := r.frame(context.Background()); err == nil {
		p.Release()
		return fmt.Errorf("the pieces hold more frames than the input's %d", r.read)
	}
	return nil
}

// frame is the next frame of the pieces, opening them one after the other.
func (r *pieceReader) frame(ctx context.Context) (*frame.Frame, error) {
	for {
		if r.cur == nil {
			if r.next == r.n {
				return nil, io.EOF
			}
			path, fetched, err := r.piece(r.next)
			if err != nil {
				return nil, err
			}
			if fetched {
				r.tmp = path
			}
			src, err := decode.Open(decode.Options{Input: path, Logger: r.log, Strict: true})
			if err != nil {
				return nil, fmt.Errorf("piece %d: %w", r.next, err)
			}
			r.cur = src
			r.next++
		}
		f, err := r.cur.Next(ctx)
		if err == nil {
			return f, nil
		}
		r.close() // a long video's pieces do not pile up on the submitter's disk
		if !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("piece %d: %w", r.next-1, err)
		}
	}
}

func (r *pieceReader) close() {
	if r.cur != nil {
		r.cur.Close()
		r.cur = nil
	}
	if r.tmp != "" {
		_ = os.Remove(r.tmp)
		r.tmp = ""
	}
}

// Close is the pipeline's end of the stage.
func (r *pieceReader) Close() error { r.close(); return nil }
