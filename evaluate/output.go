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

// For colour pictures the colour PSNR and SSIM (see Colour) follow the SSIM column.
func WriteTable(w io.Writer, rep *Report, allGrid bool) error {
	colour := hasColour(rep.Results)
	header := append([]string{"noise", "method", "PSNR dB", "SSIM"}, colourHeader(colour)...)
	header = append(header, "s/image", "parameters")
	rows := groupByNoise(len(rep.Results), func(i int) string { return rep.Results[i].Noise }, func(i int) []string {
		r := rep.Results[i]
		c := append([]string{r.Method, orDash(r.PSNR.format(2)), orDash(r.SSIM.format(4))}, r.Colour.cells(colour)...)
		return append(c, orDash(r.Seconds.format(3)), r.Params)
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
		r := append([]string{g.Noise, g.Competitor, orDash(g.PSNR.format(2)), orDash(g.SSIM.format(4))}, g.Colour.cells(colour)...)
		rows = append(rows, append(r, orDash(g.Seconds.format(3)), g.Params, mark))
	}
	return writeAligned(w, append(header, ""), rows)
}

// colourHeader is the colour columns' headers, none without colour.
func colourHeader(colour bool) []string {
	if !colour {
		return nil
	}
	return []string{"PSNR colour dB", "SSIM colour"}
}

// cells is the colour columns of a row: none without colour, "-" where the row has none.
func (c Colour) cells(colour bool) []string {
	if !colour {
		return nil
	}
	p, s := "-", "-"
	if c.PSNRColour != nil {
		p = orDash(c.PSNRColour.format(2))
	}
	if c.SSIMColour != nil {
		s = orDash(c.SSIMColour.format(4))
	}
	return []string{p, s}
}

// csvCells is the colour columns of a CSV line: none without colour, empty where the row
// has none.
func (c Colour) csvCells(colour bool) []string {
	if !colour {
		return nil
	}
	p, s := "", ""
	if c.PSNRColour != nil {
		p = c.PSNRColour.format(4)
	}
	if c.SSIMColour != nil {
		s = c.SSIMColour.format(6)
	}
	return []string{p, s}
}

// writeAligned pads the columns: text left-aligned, numbers (columns 2–4, 2–6 with the
// colour columns) right-aligned; a nil row is a blank line.
func writeAligned(w io.Writer, header []string, rows [][]string) error {
	last := 4
	if len(header) > 5 && header[5] == "SSIM colour" {
		last = 6
	}
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
			case i >= 2 && i <= last:
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

// csvHeader is the first line of WriteCSV's output; for colour pictures csvColour follows.
var csvHeader = []string{"noise", "method", "kind", "params", "image", "psnr", "ssim", "seconds"}

// csvColour is the colour columns WriteCSV adds for colour pictures.
var csvColour = []string{"psnr_colour", "ssim_colour"}

// WriteCSV writes one line per image and one "mean" line per noise and method (image
// column "mean"). With allGrid the grid points that were not chosen follow, of kind "grid".
func WriteCSV(w io.Writer, rep *Report, allGrid bool) error {
	cw := csv.NewWriter(w)
	colour := hasColour(rep.Results)
	if colour {
		_ = cw.Write(append(append([]string(nil), csvHeader...), csvColour...))
	} else {
		_ = cw.Write(csvHeader)
	}
	row := func(noise, method, kind, params, image string, p, s, t Num, c Colour) {
		_ = cw.Write(append([]string{noise, method, kind, params, image, p.format(4), s.format(6), t.format(4)}, c.csvCells(colour)...))
	}
	for _, r := range rep.Results {
		for _, ir := range rep.PerImage {
			if ir.Noise == r.Noise && ir.Method == r.Method {
				row(ir.Noise, ir.Method, ir.Kind, ir.Params, ir.Image, ir.PSNR, ir.SSIM, ir.Seconds, ir.Colour)
			}
		}
		row(r.Noise, r.Method, r.Kind, r.Params, "mean", r.PSNR, r.SSIM, r.Seconds, r.Colour)
	}
	if allGrid {
		for _, g := range rep.Grid {
			if g.Chosen {
				continue
			}
			for _, ir := range g.PerImage {
				row(ir.Noise, ir.Method, "grid", ir.Params, ir.Image, ir.PSNR, ir.SSIM, ir.Seconds, ir.Colour)
			}
			row(g.Noise, g.Competitor, "grid", g.Params, "mean", g.PSNR, g.SSIM, g.Seconds, g.Colour)
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
