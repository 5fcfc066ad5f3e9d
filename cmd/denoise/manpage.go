package main

import (
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"sort"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/denoise-go/denoise/configs"
	"github.com/denoise-go/denoise/filter/cnn"
	"github.com/denoise-go/denoise/modes"
)

// manMain writes the man page; `denoise man | man -l -` reads it.
func manMain(args []string, w io.Writer) error {
	if len(args) == 1 && (args[0] == "--help" || args[0] == "-h") {
		_, err := io.WriteString(w, "denoise man prints the manual page of denoise in roff (section 1): denoise man | man -l -\n")
		return err
	}
	if len(args) > 0 {
		return usageError{errors.New("man: takes no arguments (denoise man | man -l -)")}
	}
	_, err := io.WriteString(w, manPage())
	return err
}

// roff escapes text for a roff line: backslashes, hyphens (as minus signs, so that options
// can be searched for and copied), characters beyond ASCII, and a leading '.' or '\”.
func roff(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\\':
			b.WriteString(`\e`)
		case r == '-':
			b.WriteString(`\-`)
		case r > 126:
			fmt.Fprintf(&b, `\[u%04X]`, r)
		default:
			b.WriteRune(r)
		}
	}
	out := b.String()
	if strings.HasPrefix(out, ".") || strings.HasPrefix(out, "'") {
		out = `\&` + out
	}
	return out
}

// roffText escapes prose and breaks it into lines of at most 80 bytes where it can.
func roffText(s string) string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(s) {
		w = roff(w)
		if line != "" && len(line)+1+len(w) > 80 {
			lines = append(lines, line)
			line = ""
		}
		if line == "" {
			line = w
		} else {
			line += " " + w
		}
	}
	return strings.Join(append(lines, line), "\n")
}

// labelled reports whether a line starts with a one-word label: "Presets: …".
func labelled(line string) bool {
	label, _, ok := strings.Cut(line, ": ")
	return ok && label != "" && !strings.ContainsAny(label, " (") && strings.ToUpper(label[:1]) == label[:1]
}

// paragraphs splits a usage text at its blank lines.
func paragraphs(text string) [][]string {
	var out [][]string
	for _, p := range strings.Split(strings.TrimSpace(text), "\n\n") {
		if p = strings.Trim(p, "\n"); p != "" {
			out = append(out, strings.Split(p, "\n"))
		}
	}
	return out
}

// block returns the lines of the paragraph that starts with header ("Usage:"), the header
// left out, and whether there is one.
func block(text, header string) ([]string, bool) {
	for _, p := range paragraphs(text) {
		if p[0] == header {
			return p[1:], true
		}
	}
	return nil, false
}

// commandLines returns the lines of a usage block that show a command line ("denoise …"),
// without the indentation and without the comment after a wide gap.
func commandLines(lines []string) []string {
	var out []string
	for _, l := range lines {
		l = strings.TrimPrefix(l, "  ")
		if !strings.HasPrefix(l, "denoise") {
			continue
		}
		if i := strings.Index(l, "   "); i > 0 {
			l = l[:i]
		}
		out = append(out, l)
	}
	return out
}

// firstParagraph is the opening paragraph of a usage text, as one line.
func firstParagraph(text string) string {
	ps := paragraphs(text)
	if len(ps) == 0 {
		return ""
	}
	return strings.ReplaceAll(strings.Join(ps[0], " "), "%%", "%")
}

// manOption writes one option as a tagged paragraph.
func manOption(b *strings.Builder, o option) {
	var tags []string
	if o.short != "" {
		tags = append(tags, `\fB`+roff("-"+o.short)+`\fR`)
	}
	if o.long != "" {
		tags = append(tags, `\fB`+roff("--"+o.long)+`\fR`)
	}
	tag := strings.Join(tags, ", ")
	if o.arg != "" {
		tag += ` \fI` + roff(o.arg) + `\fR`
	}
	text := o.usage
	if o.def != "" {
		text += " (default: " + o.def + ")"
	}
	fmt.Fprintf(b, ".TP\n%s\n%s\n", tag, roffText(text))
}

// manDate is the date of the commit the binary was built from, where the build recorded one,
// else today's.
func manDate() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.time" && len(s.Value) >= 10 {
				return s.Value[:10]
			}
		}
	}
	return time.Now().Format(time.DateOnly)
}

// manPage writes the man page from the usage texts and the flag sets.
func manPage() string {
	head := fmt.Sprintf(usageHead, strings.Join(modes.All(), ", "), strings.Join(configs.Presets(), ", "))
	var b strings.Builder
	fmt.Fprintf(&b, ".\\\" The manual page of denoise, written by \"denoise man\".\n")
	fmt.Fprintf(&b, ".TH DENOISE 1 %q %q \"User Commands\"\n", manDate(), "denoise")

	b.WriteString(".SH NAME\n")
	lead := firstParagraph(head)
	fmt.Fprintf(&b, "%s\n", roffText("denoise - "+strings.TrimSuffix(strings.TrimPrefix(lead, "denoise "), ".")))

	b.WriteString(".SH SYNOPSIS\n")
	var synopsis []string
	usage, _ := block(head, "Usage:")
	for _, l := range commandLines(usage) {
		if !strings.Contains(l, "--help") {
			synopsis = append(synopsis, l)
		}
	}
	evalUsage, _ := block(evalUsageHead, "Usage:")
	synopsis = append(synopsis, commandLines(evalUsage)...)
	serveUsageLines, _ := block(serveUsage, "Usage:")
	synopsis = append(synopsis, commandLines(serveUsageLines)...)
	completion, _ := block(completionUsage, "Usage:")
	synopsis = append(synopsis, commandLines(completion)...)
	synopsis = append(synopsis, "denoise man")
	for i, l := range synopsis {
		if i > 0 {
			b.WriteString(".br\n")
		}
		fmt.Fprintf(&b, ".B denoise\n%s\n", roffText(strings.TrimPrefix(l, "denoise")))
	}

	b.WriteString(".SH DESCRIPTION\n")
	fmt.Fprintf(&b, "%s\n", roffText(lead))
	for i, p := range paragraphs(head) {
		switch {
		case i == 0, p[0] == "Usage:", p[0] == "Examples:", p[0] == "Options:":
			continue
		}
		b.WriteString(".PP\n")
		for j, l := range p {
			if j > 0 && labelled(l) {
				b.WriteString(".br\n") // "Modes: …" and "Presets: …" on lines of their own
			}
			fmt.Fprintf(&b, "%s\n", roffText(l))
		}
	}
	b.WriteString(".PP\nThe commands other than the default, \\fBrun\\fR, are described under COMMANDS.\n")

	cmds := commands()
	b.WriteString(".SH OPTIONS\n")
	var ffmpeg []option
	for _, o := range cmds[0].options() {
		if o.ffmpeg {
			ffmpeg = append(ffmpeg, o)
			continue
		}
		manOption(&b, o)
	}
	if len(ffmpeg) > 0 {
		b.WriteString(".SS FFmpeg\\-style options\n")
		fmt.Fprintf(&b, "%s\n", roffText("They are typed with one dash, as with ffmpeg, and rewritten into the options above."))
		for _, o := range ffmpeg {
			manOption(&b, o)
		}
	}

	b.WriteString(".SH COMMANDS\n")
	texts := map[string]string{"eval": evalUsageHead, "serve": serveUsage, "completion": completionUsage}
	for _, c := range cmds {
		fmt.Fprintf(&b, ".SS %s\n", roff("denoise "+c.name))
		text := c.about + "."
		if t, ok := texts[c.name]; ok {
			text = firstParagraph(t)
		}
		if c.name == "run" {
			text += " Its options are under OPTIONS; \"denoise\" alone runs it."
		}
		fmt.Fprintf(&b, "%s\n", roffText(text))
		if c.name == "run" {
			continue
		}
		for _, o := range c.options() {
			manOption(&b, o)
		}
	}

	b.WriteString(".SH ENVIRONMENT\n")
	fmt.Fprintf(&b, "%s\n", roffText("Each configuration key can be set by an environment variable: DENOISE_ and the key in "+
		"capitals, dots as underscores. They override --preset and --config and are overridden by flags. "+
		"Keys that hold FFmpeg options take key=value pairs separated by commas."))
	var keys []string
	for k := range configs.Defaults() {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	flagOf := map[string]string{}
	cmds[0].flags().VisitAll(func(f *pflag.Flag) {
		key := strings.ReplaceAll(f.Name, "-", "_")
		if k, ok := flagKeys[f.Name]; ok {
			key = k
		}
		flagOf[key] = f.Name
	})
	for _, k := range keys {
		env := "DENOISE_" + strings.ToUpper(strings.ReplaceAll(k, ".", "_"))
		text := "the key " + k
		if f, ok := flagOf[k]; ok {
			text += ", as --" + f
		}
		fmt.Fprintf(&b, ".TP\n.B %s\n%s\n", roff(env), roffText(text))
	}
	fmt.Fprintf(&b, ".TP\n.B %s\n%s\n", roff(cnn.LibraryEnv), roffText("the ONNX Runtime shared library (libonnxruntime.so) that the CNN modes load, "+
		"where the key cnn.library is empty; without either, third_party/onnxruntime/libonnxruntime.so of the "+
		"repository that holds the executable or the working directory, then the system's"))
	fmt.Fprintf(&b, ".TP\n.B DENOISE_CPU\n%s\n", roffText("generic: use the portable kernels even where the fast (AVX2 and FMA) ones "+
		"are built and the CPU has them; --version names the set in use"))

	b.WriteString(".SH EXIT STATUS\n")
	for _, e := range []struct {
		code int
		text string
	}{
		{exitOK, "success"},
		{exitError, "an error: of the input, the output, FFmpeg or a mode (one line on standard error)"},
		{exitUsage, "a mistake in the command line or the configuration: an unknown option, a value that is not allowed"},
		{exitDamaged, "finished, but the input was damaged: every frame that could be decoded was written and the output is complete; each damaged region was reported by a warning (--strict stops at the first damage instead, with status 1)"},
		{exitInterrupted, "stopped by SIGINT; the frames in flight were finished and the output is complete"},
		{exitTerminated, "stopped by SIGTERM; likewise"},
	} {
		fmt.Fprintf(&b, ".TP\n.B %d\n%s\n", e.code, roffText(e.text))
	}

	b.WriteString(".SH EXAMPLES\n")
	examples, _ := block(head, "Examples:")
	examples = append(examples, "  source <(denoise completion bash)", "  denoise man | man -l -")
	b.WriteString(".nf\n")
	for _, l := range examples {
		fmt.Fprintf(&b, "%s\n", roff(strings.TrimPrefix(l, "  ")))
	}
	b.WriteString(".fi\n")

	b.WriteString(".SH SEE ALSO\n.BR ffmpeg (1)\n")
	return b.String()
}
