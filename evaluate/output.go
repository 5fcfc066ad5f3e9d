package evaluate

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
)

// Num is a measurement. It is written to JSON as a number, or null when it is not finite
// (PSNR of identical images is +Inf; the noisy input has no time; SSIM of an image under
// 7×7 is NaN).
type Num float64

// MarshalJSON writes finite values as numbers and the rest as null.
func (n Num) MarshalJSON() ([]byte, error) {
	f := float64(n)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, f, 'g', -1, 64), nil
}

// UnmarshalJSON reads a number, or null as NaN.
func (n *Num) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*n = Num(math.NaN())
		return nil
	}
	var f float64
	if err := json.Unmarshal(b, &f); err != nil {
		return err
	}
	*n = Num(f)
	return nil
}

// format writes n with the given decimals, "inf" for +Inf and "" for NaN.
func (n Num) format(decimals int) string {
	f := float64(n)
	switch {
	case math.IsNaN(f):
		return ""
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	return strconv.FormatFloat(f, 'f', decimals, 64)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// WriteTable prints the results as an aligned table: one row per noise and method with
// the mean PSNR, SSIM and seconds per image, and the parameters (a competitor's chosen
// grid point). With allGrid every grid point follows, the chosen one marked with '*'.
// groupByNoise lays out n table rows whose first column is the noise: written once per run
// of equal noises, with an empty row between runs. cells gives a row's other columns.
func groupByNoise(n int, noise func(int) string, cells func(int) []string) [][]string {
	var rows [][]string
	prev := ""
	for i := 0; i < n; i++ {
		nz := noise(i)
		shown := nz
		if nz == prev {
			shown = ""
		} else if prev != "" {
			rows = append(rows, nil)
		}
		prev = nz
		rows = append(rows, append([]string{shown}, cells(i)...))
	}
	return rows
}

func WriteTable(w io.Writer, rep *Report, allGrid bool) error {
	header := []string{"noise", "method", "PSNR dB", "SSIM", "s/image", "parameters"}
	rows := groupByNoise(len(rep.Results), func(i int) string { return rep.Results[i].Noise }, func(i int) []string {
		r := rep.Results[i]
		return []string{r.Method, orDash(r.PSNR.format(2)), orDash(r.SSIM.format(4)), orDash(r.Seconds.format(3)), r.Params}
	})
	if err := writeAligned(w, header, rows); err != nil {
		return err
	}
	if !allGrid || len(rep.Grid) == 0 {
		return nil
	}
	if _, err := fmt.Fprintf(w, "\nEvery grid point (mean over %d images; * chosen):\n", len(rep.Images)); err != nil {
		return err
	}
	rows = rows[:0]
	for _, g := range rep.Grid {
		mark := ""
		if g.Chosen {
			mark = "*"
		}
		rows = append(rows, []string{g.Noise, g.Competitor, orDash(g.PSNR.format(2)), orDash(g.SSIM.format(4)),
			orDash(g.Seconds.format(3)), g.Params, mark})
	}
	return writeAligned(w, append(header, ""), rows)
}

// writeAligned pads the columns: text left-aligned, numbers (columns 2–4) right-aligned;
// a nil row is a blank line.
func writeAligned(w io.Writer, header []string, rows [][]string) error {
	width := make([]int, len(header))
	for _, r := range append([][]string{header}, rows...) {
		for i, c := range r {
			width[i] = max(width[i], len([]rune(c)))
		}
	}
	var b strings.Builder
	line := func(r []string) {
		for i, c := range r {
			pad := strings.Repeat(" ", width[i]-len([]rune(c)))
			switch {
			case i >= 2 && i <= 4:
				b.WriteString(pad + c)
			case i == len(r)-1:
				b.WriteString(c)
			default:
				b.WriteString(c + pad)
			}
			if i < len(r)-1 {
				b.WriteString("  ")
			}
		}
		s := strings.TrimRight(b.String(), " ")
		b.Reset()
		fmt.Fprintln(w, s)
	}
	line(header)
	for _, r := range rows {
		if r == nil {
			fmt.Fprintln(w)
			continue
		}
		line(r)
	}
	return nil
}

// csvHeader is the first line of WriteCSV's output.
var csvHeader = []string{"noise", "method", "kind", "params", "image", "psnr", "ssim", "seconds"}

// WriteCSV writes one line per image and one "mean" line per noise and method (image
// column "mean"). With allGrid the grid points that were not chosen follow, of kind "grid".
func WriteCSV(w io.Writer, rep *Report, allGrid bool) error {
	cw := csv.NewWriter(w)
	_ = cw.Write(csvHeader)
	row := func(noise, method, kind, params, image string, p, s, t Num) {
		_ = cw.Write([]string{noise, method, kind, params, image, p.format(4), s.format(6), t.format(4)})
	}
	for _, r := range rep.Results {
		for _, ir := range rep.PerImage {
			if ir.Noise == r.Noise && ir.Method == r.Method {
				row(ir.Noise, ir.Method, ir.Kind, ir.Params, ir.Image, ir.PSNR, ir.SSIM, ir.Seconds)
			}
		}
		row(r.Noise, r.Method, r.Kind, r.Params, "mean", r.PSNR, r.SSIM, r.Seconds)
	}
	if allGrid {
		for _, g := range rep.Grid {
			if g.Chosen {
				continue
			}
			for _, ir := range g.PerImage {
				row(ir.Noise, ir.Method, "grid", ir.Params, ir.Image, ir.PSNR, ir.SSIM, ir.Seconds)
			}
			row(g.Noise, g.Competitor, "grid", g.Params, "mean", g.PSNR, g.SSIM, g.Seconds)
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteJSON writes the whole report, indented.
func WriteJSON(w io.Writer, rep *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}

// WriteFile creates path and writes to it with write, reporting errors with the path.
func WriteFile(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return unwrapPath(err)
	}
	if err := write(f); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}
