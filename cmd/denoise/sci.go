package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"github.com/denoise-go/denoise/configs"
	"github.com/denoise-go/denoise/evaluate"
)

// evalStack is `denoise eval --stack FILE`: evaluate.RunStack with the eval flags.
func evalStack(fs *pflag.FlagSet, cfg *configs.Config) error {
	if str(fs, "clean") != "" {
		return usageError{errors.New("eval: give --clean DIR or --stack FILE, not both")}
	}
	if c, _ := fs.GetStringArray("competitor"); len(c) > 0 {
		return usageError{errors.New("eval: competitors take --clean images, not --stack")}
	}
	o := evaluate.StackOptions{Stack: str(fs, "stack"), Config: cfg}
	if s := str(fs, "slices"); s != "" {
		a, b, ok := strings.Cut(s, ":")
		first, err1 := strconv.Atoi(strings.TrimSpace(a))
		end, err2 := strconv.Atoi(strings.TrimSpace(b))
		if !ok || err1 != nil || err2 != nil || first < 0 || end <= first {
			return usageError{fmt.Errorf("eval: --slices %q: want FROM:TO with 0 ≤ FROM < TO", s)}
		}
		o.First, o.Count = first, end-first
	}
	o.Noises, _ = fs.GetStringArray("noise")
	if len(o.Noises) == 0 {
		return usageError{errors.New("eval: --stack needs --noise (e.g. pg:160:40,native or rician:12.75)")}
	}
	ms, _ := fs.GetStringArray("mode")
	for _, m := range ms {
		for _, m := range strings.Split(m, ",") {
			if m = strings.TrimSpace(m); m != "" && m != "none" {
				o.Modes = append(o.Modes, m)
			}
		}
	}
	if len(ms) == 0 {
		o.Modes = []string{"nlm"}
	}
	nms, _ := fs.GetStringArray("noise-model")
	for _, m := range nms {
		for _, m := range strings.Split(m, ",") {
			if m = strings.TrimSpace(m); m != "" {
				o.NoiseModels = append(o.NoiseModels, m)
			}
		}
	}
	o.Seed, _ = fs.GetInt64("seed")
	o.Sigma, _ = fs.GetFloat64("sigma")
	o.Workers, _ = fs.GetInt("workers")
	if k, _ := fs.GetBool("sigma-known"); k {
		return usageError{errors.New("eval: --sigma-known takes --clean images; give --sigma with --stack")}
	}
	if err := checkEvalOutputs(fs); err != nil {
		return err
	}
	o.Logger, o.Progress = evalOutput(fs)
	var rep *evaluate.StackReport
	if err := withSignals(func(ctx context.Context) (err error) {
		rep, err = evaluate.RunStack(ctx, o)
		return err
	}); err != nil {
		return err
	}
	fmt.Printf("%d images from %s (%s, %d-bit, max code %d), seed %d, GOMAXPROCS %d, %.1f s\n\n", len(rep.Images), o.Stack,
		rep.Stack.Format, rep.Stack.BitDepth, rep.Stack.Max, o.Seed, rep.Setup.Host.GOMAXPROCS, rep.Elapsed)
	if err := evaluate.WriteStackTable(os.Stdout, rep); err != nil {
		return err
	}
	if p := str(fs, "csv"); p != "" {
		if err := evaluate.WriteFile(p, func(w io.Writer) error { return evaluate.WriteCSV(w, &rep.Report, false) }); err != nil {
			return fmt.Errorf("eval: csv: %w", err)
		}
	}
	if p := str(fs, "json"); p != "" {
		if err := evaluate.WriteFile(p, func(w io.Writer) error {
			enc := json.NewEncoder(w)
			enc.SetIndent("", "  ")
			return enc.Encode(rep)
		}); err != nil {
			return fmt.Errorf("eval: json: %w", err)
		}
	}
	if p := str(fs, "chart"); p != "" {
		if err := evaluate.WriteFile(p, func(w io.Writer) error { return evaluate.WriteChart(w, &rep.Report) }); err != nil {
			return fmt.Errorf("eval: chart: %w", err)
		}
	}
	return nil
}
