package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"github.com/denoise-go/denoise/configs"
)

// longDash rewrites long flags typed with one dash, as ffmpeg users do (-mode nlm,
// -sigma=20), into their two-dash form, and ffmpeg's own -preset and -tune into encoder
// options (a name of denoise's presets stays --preset). Flag values are left alone. A
// one-dash word that is no flag but close to one (-mdoe) is refused with a suggestion,
// rather than read as a shorthand with a value (-m doe).
func longDash(fs *pflag.FlagSet, args []string) ([]string, error) {
	out := make([]string, 0, len(args))
	takesValue := false // the previous argument is a flag whose value comes next
	for i := 0; i < len(args); i++ {
		a := args[i]
		if takesValue {
			out = append(out, a)
			takesValue = false
			continue
		}
		if a == "--" {
			return append(out, args[i:]...), nil
		}
		if (a == "-preset" || a == "-tune") && i+1 < len(args) {
			v := args[i+1]
			i++
			if a == "-preset" && slices.Contains(configs.Presets(), v) {
				out = append(out, "--preset", v)
			} else {
				out = append(out, "--encoder-option", a[1:]+"="+v)
			}
			continue
		}
		if len(a) > 2 && a[0] == '-' && a[1] != '-' {
			name, _, hasValue := strings.Cut(a[1:], "=")
			if f := fs.Lookup(name); f != nil && len(name) > 1 {
				a = "-" + a
				takesValue = !hasValue && f.NoOptDefVal == ""
			} else if best := closestFlag(fs, name); best != "" && len(name) > 3 {
				return nil, fmt.Errorf("unknown option %s: did you mean --%s? (denoise --help lists them)", a, best)
			} else if f := fs.ShorthandLookup(a[1:2]); f != nil {
				takesValue = false // -m nlm written as -mnlm: the value is attached
			}
		} else if strings.HasPrefix(a, "--") {
			name, _, hasValue := strings.Cut(a[2:], "=")
			if f := fs.Lookup(name); f != nil {
				takesValue = !hasValue && f.NoOptDefVal == ""
			}
		} else if len(a) == 2 && a[0] == '-' {
			if f := fs.ShorthandLookup(a[1:]); f != nil {
				takesValue = f.NoOptDefVal == ""
			}
		}
		out = append(out, a)
	}
	return out, nil
}

// explainFlagError adds a suggestion to pflag's "unknown flag" errors.
func explainFlagError(fs *pflag.FlagSet, err error) error {
	msg := err.Error()
	var typed string
	switch {
	case strings.HasPrefix(msg, "unknown flag: --"):
		typed = strings.TrimPrefix(msg, "unknown flag: --")
	case strings.HasPrefix(msg, "unknown shorthand flag: "):
		// "unknown shorthand flag: 'd' in -mdoe": the user meant a long flag.
		if _, word, ok := strings.Cut(msg, " in -"); ok {
			typed = word
		}
	default:
		return err
	}
	if best := closestFlag(fs, typed); best != "" {
		return fmt.Errorf("unknown option -%s%s: did you mean --%s? (denoise --help lists them)", dashes(msg), typed, best)
	}
	return fmt.Errorf("unknown option -%s%s (denoise --help lists the options)", dashes(msg), typed)
}

func dashes(msg string) string {
	if strings.HasPrefix(msg, "unknown flag: --") {
		return "-"
	}
	return ""
}

// closestFlag is the long flag nearest to typed: one it is a prefix of, else one within
// an edit distance of a third of its length (at least 1, at most 3).
func closestFlag(fs *pflag.FlagSet, typed string) string {
	typed, _, _ = strings.Cut(typed, "=")
	if typed == "" {
		return ""
	}
	best, bestD := "", 1<<30
	limit := min(max(len(typed)/3, 1), 3)
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Hidden {
			return
		}
		d := editDistance(typed, f.Name)
		if strings.HasPrefix(f.Name, typed) && len(typed) >= 3 {
			d = min(d, 1)
		}
		if d <= limit && d < bestD {
			best, bestD = f.Name, d
		}
	})
	return best
}

// editDistance is the Damerau–Levenshtein distance (with adjacent transpositions).
func editDistance(a, b string) int {
	n, m := len(a), len(b)
	d := make([][]int, n+1)
	for i := range d {
		d[i] = make([]int, m+1)
		d[i][0] = i
	}
	for j := 0; j <= m; j++ {
		d[0][j] = j
	}
	for i := 1; i <= n; i++ {
		for j := 1; j <= m; j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[n][m]
}
