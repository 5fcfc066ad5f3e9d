package evaluate

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
)

// Competitor is an external command scored beside the modes. Command is run with sh -c after
// its placeholders are replaced: {in} the noisy image (a lossless PNG at the source's bit
// depth), {out} the file it must write (PNG), {pix_fmt} the input's FFmpeg pixel format, and
// one {KEY} for each Grid axis. Every point of the grid (the cartesian product of the axes)
// is run on every image; the point with the highest mean PSNR over the set for a noise is
// the competitor's result for that noise.
type Competitor struct {
	Name    string `json:"name"`
	Command string `json:"command"`
	Grid    []Axis `json:"grid,omitempty"`
	// About says what a built-in competitor is; empty for commands given by the user.
	About string `json:"about,omitempty"`
}

// Axis is one parameter of a competitor's grid and the values it takes, in order.
type Axis struct {
	Key    string   `json:"key"`
	Values []string `json:"values"`
}

// Point is one grid point: a value for each axis, in axis order.
type Point []Param

// Param is one key=value of a grid point.
type Param struct{ Key, Value string }

// String is "k1=v1 k2=v2", or "" for a competitor without a grid.
func (p Point) String() string {
	parts := make([]string, len(p))
	for i, kv := range p {
		parts[i] = kv.Key + "=" + kv.Value
	}
	return strings.Join(parts, " ")
}

func (p Point) values() map[string]string {
	m := make(map[string]string, len(p))
	for _, kv := range p {
		m[kv.Key] = kv.Value
	}
	return m
}

// ffmpegCmd is the common shape of the built-in competitors: one FFmpeg filter chain, the
// output in the input's pixel format so that its bit depth and layout come back.
func ffmpegCmd(vf string) string {
	return "ffmpeg -nostdin -v error -y -i {in} -vf " + vf + " -pix_fmt {pix_fmt} {out}"
}

// nlmeansS covers FFmpeg nlmeans' whole strength range: its weights do not normalise the
// patch distance by the patch size, so the best s grows with sigma·p (about 12 at σ 25, p 5;
// its maximum 30 at σ 50, p 7).
var nlmeansS = []string{"1", "2", "3", "4", "5", "6", "8", "10", "12", "15", "20", "25", "30"}

// builtins are the competitors --competitor NAME knows without a command. Their grids were
// checked against Debian's FFmpeg 5.1 on Set12 (see shared/ANCHORS.md).
var builtins = []Competitor{
	{
		Name:    "ffmpeg-nlmeans",
		Command: ffmpegCmd("nlmeans=s={s}:p={p}:r={r}"),
		Grid:    []Axis{{"s", nlmeansS}, {"p", []string{"7"}}, {"r", []string{"15"}}},
		About:   "FFmpeg nlmeans (patch 7, search 15), strength s from 1 to 30",
	},
	{
		Name:    "ffmpeg-median3+nlmeans",
		Command: ffmpegCmd("median=radius=1,nlmeans=s={s}:p={p}:r={r}"),
		Grid:    []Axis{{"s", nlmeansS}, {"p", []string{"7"}}, {"r", []string{"15"}}},
		About:   "FFmpeg 3x3 median, then nlmeans (patch 7, search 15), strength s from 1 to 30",
	},
	{
		Name:    "ffmpeg-hqdn3d",
		Command: ffmpegCmd("hqdn3d=luma_spatial={s}"),
		// On one image hqdn3d is a weak low-pass: its best s is about 64 at σ 10 to 25.
		Grid:  []Axis{{"s", []string{"4", "8", "16", "24", "32", "48", "64", "80", "100", "128"}}},
		About: "FFmpeg hqdn3d, spatial strength s (its temporal part is idle on one image)",
	},
	{
		Name:    "ffmpeg-bm3d",
		Command: ffmpegCmd("bm3d=sigma={sigma}:group={group}:thmse={thmse}"),
		Grid: []Axis{{"sigma", []string{"10", "20", "30", "50", "75", "100", "150", "200", "300", "400"}},
			{"group", []string{"16"}}, {"thmse", []string{"1e5"}}},
		About: "FFmpeg bm3d (basic estimate, block matching on); its sigma is not on the pixel scale",
	},
}

// Builtins returns the built-in competitors, in the order --help lists them.
func Builtins() []Competitor {
	out := make([]Competitor, len(builtins))
	for i, c := range builtins {
		out[i] = c.clone()
	}
	return out
}

func (c Competitor) clone() Competitor {
	c.Grid = slices.Clone(c.Grid)
	for i := range c.Grid {
		c.Grid[i].Values = slices.Clone(c.Grid[i].Values)
	}
	return c
}

var (
	nameRE        = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.+-]*$`)
	keyRE         = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	placeholderRE = regexp.MustCompile(`\{([A-Za-z_][A-Za-z0-9_]*)\}`)
	// axisStartRE finds where the next "KEY=" of a grid spec starts after a ':' or ';'.
	axisStartRE = regexp.MustCompile(`[:;]\s*[A-Za-z_][A-Za-z0-9_]*=`)
)

// fixed are the placeholders every command may use besides its grid keys.
var fixed = []string{"in", "out", "pix_fmt"}

// ParseCompetitor reads a --competitor value: "NAME=COMMAND", or the name of a built-in
// competitor alone.
func ParseCompetitor(spec string) (Competitor, error) {
	spec = strings.TrimSpace(spec)
	if i := strings.IndexByte(spec, '='); i > 0 && nameRE.MatchString(spec[:i]) {
		c := Competitor{Name: spec[:i], Command: strings.TrimSpace(spec[i+1:])}
		if c.Command == "" {
			return Competitor{}, fmt.Errorf("competitor %s: empty command", c.Name)
		}
		return c, nil
	}
	for _, b := range builtins {
		if strings.EqualFold(spec, b.Name) {
			return b.clone(), nil
		}
	}
	names := make([]string, len(builtins))
	for i, b := range builtins {
		names[i] = b.Name
	}
	return Competitor{}, fmt.Errorf("competitor %q: want NAME=COMMAND or one of %s", spec, strings.Join(names, ", "))
}

// GridSpec is a parsed --grid value: axes for the competitor Name.
type GridSpec struct {
	Name string
	Axes []Axis
}

// ParseGrid reads a --grid value "NAME:KEY=V1,V2,…", with more axes after ':' or ';'
// ("NAME:s=1,2,4:p=3,5" is a 3×2 grid). A value may itself contain ':' as long as what
// follows is not "KEY=".
func ParseGrid(spec string) (GridSpec, error) {
	i := strings.IndexByte(spec, ':')
	if i <= 0 {
		return GridSpec{}, fmt.Errorf("grid %q: want NAME:KEY=V1,V2,…", spec)
	}
	g := GridSpec{Name: strings.TrimSpace(spec[:i])}
	rest := spec[i+1:]
	var parts []string
	for {
		loc := axisStartRE.FindStringIndex(rest)
		if loc == nil {
			parts = append(parts, rest)
			break
		}
		parts = append(parts, rest[:loc[0]])
		rest = rest[loc[0]+1:]
	}
	for _, p := range parts {
		k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
		k = strings.TrimSpace(k)
		if !ok || !keyRE.MatchString(k) {
			return GridSpec{}, fmt.Errorf("grid %q: %q is not KEY=V1,V2,…", spec, strings.TrimSpace(p))
		}
		if slices.Contains(fixed, k) {
			return GridSpec{}, fmt.Errorf("grid %q: %s is a reserved placeholder, not a grid key", spec, k)
		}
		var vals []string
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s == "" {
				return GridSpec{}, fmt.Errorf("grid %q: key %s has an empty value", spec, k)
			}
			vals = append(vals, s)
		}
		for _, a := range g.Axes {
			if a.Key == k {
				return GridSpec{}, fmt.Errorf("grid %q: key %s given twice", spec, k)
			}
		}
		g.Axes = append(g.Axes, Axis{Key: k, Values: vals})
	}
	return g, nil
}

// ApplyGrids sets the grids on the competitors they name: an axis replaces the one of the
// same key (a built-in's default) or is added.
func ApplyGrids(comps []Competitor, grids []GridSpec) error {
	for _, g := range grids {
		i := slices.IndexFunc(comps, func(c Competitor) bool { return c.Name == g.Name })
		if i < 0 {
			return fmt.Errorf("grid for %s: no competitor of that name (give --competitor %s=COMMAND)", g.Name, g.Name)
		}
		for _, a := range g.Axes {
			j := slices.IndexFunc(comps[i].Grid, func(b Axis) bool { return b.Key == a.Key })
			if j >= 0 {
				comps[i].Grid[j] = a
			} else {
				comps[i].Grid = append(comps[i].Grid, a)
			}
		}
	}
	return nil
}

// maxPoints bounds a grid, so that a typo does not start a run of days.
const maxPoints = 1000

// Validate checks the name, that the command uses {in} and {out}, that each placeholder
// is known and that each grid key is used.
func (c Competitor) Validate() error {
	if !nameRE.MatchString(c.Name) {
		return fmt.Errorf("competitor name %q: use letters, digits and _ . + - only", c.Name)
	}
	used := map[string]bool{}
	for _, m := range placeholderRE.FindAllStringSubmatch(c.Command, -1) {
		used[m[1]] = true
	}
	for _, p := range []string{"in", "out"} {
		if !used[p] {
			return fmt.Errorf("competitor %s: the command has no {%s}", c.Name, p)
		}
	}
	keys := map[string]bool{}
	n := 1
	for _, a := range c.Grid {
		if keys[a.Key] {
			return fmt.Errorf("competitor %s: grid key %s given twice", c.Name, a.Key)
		}
		keys[a.Key] = true
		if !used[a.Key] {
			return fmt.Errorf("competitor %s: grid key %s is not used in the command (no {%s})", c.Name, a.Key, a.Key)
		}
		if len(a.Values) == 0 {
			return fmt.Errorf("competitor %s: grid key %s has no values", c.Name, a.Key)
		}
		n *= len(a.Values)
	}
	for p := range used {
		if !keys[p] && !slices.Contains(fixed, p) {
			return fmt.Errorf("competitor %s: placeholder {%s} has no grid (give --grid '%s:%s=V1,V2')", c.Name, p, c.Name, p)
		}
	}
	if n > maxPoints {
		return fmt.Errorf("competitor %s: grid of %d points (at most %d)", c.Name, n, maxPoints)
	}
	return nil
}

// Points lists the grid's points, the last axis varying fastest; one empty point when
// there is no grid.
func (c Competitor) Points() []Point {
	pts := []Point{{}}
	for _, a := range c.Grid {
		var next []Point
		for _, p := range pts {
			for _, v := range a.Values {
				q := append(slices.Clip(p), Param{a.Key, v})
				next = append(next, q)
			}
		}
		pts = next
	}
	return pts
}

// commandLine substitutes the placeholders: file names shell-quoted, values as given.
func (c Competitor) commandLine(in, out, pixFmt string, p Point) string {
	vals := p.values()
	vals["in"], vals["out"], vals["pix_fmt"] = shellQuote(in), shellQuote(out), pixFmt
	return placeholderRE.ReplaceAllStringFunc(c.Command, func(m string) string {
		if v, ok := vals[m[1:len(m)-1]]; ok {
			return v
		}
		return m
	})
}

var shellSafe = regexp.MustCompile(`^[A-Za-z0-9_@%+=:,./-]+$`)

func shellQuote(s string) string {
	if shellSafe.MatchString(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// runCommand runs one command line in the current folder (so that the user's relative
// paths work); a failure is one line with the exit status and the tail of what the command
// printed.
func runCommand(ctx context.Context, line string) error {
	cmd := exec.CommandContext(ctx, "sh", "-c", line)
	ownGroup(cmd)
	var out tailBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	msg := err.Error()
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.Exited() {
		msg = fmt.Sprintf("exit status %d", ee.ExitCode())
	}
	if t := out.tail(); t != "" {
		msg += ": " + t
	}
	return errors.New(msg)
}

// tailBuffer keeps the last few kilobytes a command printed.
type tailBuffer struct{ b []byte }

const tailKeep = 4096

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.b = append(t.b, p...)
	if len(t.b) > 2*tailKeep {
		t.b = append(t.b[:0], t.b[len(t.b)-tailKeep:]...)
	}
	return len(p), nil
}

// tail is the last lines printed, joined into one line of at most 400 characters.
func (t *tailBuffer) tail() string {
	lines := strings.Split(strings.TrimSpace(string(bytes.ToValidUTF8(t.b, []byte("?")))), "\n")
	var keep []string
	n := 0
	for i := len(lines) - 1; i >= 0 && len(keep) < 5; i-- {
		l := strings.TrimSpace(lines[i])
		if l == "" {
			continue
		}
		keep = append([]string{l}, keep...)
		n += len(l)
		if n > 400 {
			break
		}
	}
	s := strings.Join(keep, " | ")
	if r := []rune(s); len(r) > 400 {
		s = "…" + string(r[len(r)-400:])
	}
	return s
}

// exists reports whether path is a regular, non-empty file.
func exists(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Mode().IsRegular() && st.Size() > 0
}
