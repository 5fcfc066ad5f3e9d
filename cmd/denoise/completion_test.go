package main

import (
	"bytes"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/denoise-go/denoise/configs"
)

// argsOptions returns the single-dash options that ffmpegArgs in args.go handles: the
// string labels of its switch cases.
func argsOptions(t *testing.T) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "args.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	ast.Inspect(f, func(n ast.Node) bool {
		if fd, ok := n.(*ast.FuncDecl); ok && fd.Name.Name != "ffmpegArgs" {
			return false
		}
		cc, ok := n.(*ast.CaseClause)
		if !ok {
			return true
		}
		for _, e := range cc.List {
			lit, ok := e.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				continue
			}
			s, _ := strconv.Unquote(lit.Value)
			if strings.HasPrefix(s, "-") && !strings.HasPrefix(s, "--") {
				names = append(names, s)
			}
		}
		return true
	})
	if len(names) == 0 {
		t.Fatal("found no single-dash case in ffmpegArgs (args.go)")
	}
	return names
}

// TestFFmpegNamesFollowArgs: the FFmpeg-style options that completion and the man page offer
// are those args.go rewrites, no more and no fewer.
func TestFFmpegNamesFollowArgs(t *testing.T) {
	handled := argsOptions(t)
	for _, n := range handled {
		if !slices.Contains(ffmpegNames, n) {
			t.Errorf("args.go rewrites %s, but ffmpegNames (cli.go) does not list it", n)
		}
	}
	for _, n := range ffmpegNames {
		if !slices.Contains(handled, n) {
			t.Errorf("ffmpegNames (cli.go) lists %s, which args.go does not rewrite", n)
		}
	}
}

// captureStdout runs f with os.Stdout going to a pipe and returns what it wrote.
func captureStdout(t *testing.T, f func()) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	old := os.Stdout
	os.Stdout = w
	done := make(chan []byte)
	go func() {
		b, _ := io.ReadAll(r)
		done <- b
	}()
	defer func() { os.Stdout = old }()
	f()
	w.Close()
	os.Stdout = old
	return string(<-done)
}

// TestCompletionCommand: `denoise completion SHELL` prints that shell's script; anything
// else is a usage error.
func TestCompletionCommand(t *testing.T) {
	for _, sh := range completionShells {
		var code int
		out := captureStdout(t, func() { code = realMain([]string{"completion", sh}) })
		if code != exitOK || !strings.HasPrefix(strings.TrimPrefix(out, "#compdef denoise\n"), "# "+sh+" completion for denoise") {
			t.Errorf("denoise completion %s: exit %d, output starting %.60q", sh, code, out)
		}
	}
	for _, args := range [][]string{{}, {"tcsh"}, {"bash", "zsh"}} {
		var buf bytes.Buffer
		err := completionMain(args, &buf)
		if _, ok := err.(usageError); !ok || buf.Len() > 0 {
			t.Errorf("denoise completion %q: error %v, %d bytes out; want a usage error and nothing", args, err, buf.Len())
		}
	}
}

// writeScript writes a shell's completion script to a file.
func writeScript(t *testing.T, shell string) string {
	t.Helper()
	var buf bytes.Buffer
	if err := completionMain([]string{shell}, &buf); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "denoise."+shell)
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func runShell(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %q: %v\n%s", name, args, err, out)
	}
	return string(out)
}

// TestCompletionScriptsParse: each script is valid for its shell, as the shell reads it.
func TestCompletionScriptsParse(t *testing.T) {
	checks := map[string][]string{"bash": {"-n"}, "zsh": {"-n"}, "fish": {"--no-execute"}}
	for _, sh := range completionShells {
		t.Run(sh, func(t *testing.T) {
			need(t, sh)
			path := writeScript(t, sh)
			if out := runShell(t, sh, append(checks[sh], path)...); out != "" {
				t.Errorf("%s %v: %s", sh, checks[sh], out)
			}
		})
	}
}

// bashComplete sources the bash script in a real bash, calls its function on words with
// the cursor in the last one, and returns COMPREPLY.
func bashComplete(t *testing.T, script string, words ...string) []string {
	t.Helper()
	var q []string
	for _, w := range words {
		q = append(q, shQuote(w))
	}
	prog := "source " + shQuote(script) + " || exit 1\n" +
		"COMP_WORDS=(" + strings.Join(q, " ") + ")\n" +
		"COMP_CWORD=" + strconv.Itoa(len(words)-1) + "\n" +
		"_denoise\n" +
		`for w in "${COMPREPLY[@]}"; do printf '%s\n' "$w"; done`
	out := runShell(t, "bash", "--norc", "--noprofile", "-c", prog)
	return strings.Fields(out)
}

// TestBashCompletion completes command lines in bash: options, their values (enumerated ones
// and file names), commands, and FFmpeg-style options that bash splits at ':'.
func TestBashCompletion(t *testing.T) {
	need(t, "bash")
	script := writeScript(t, "bash")

	got := bashComplete(t, script, "denoise", "--mo")
	if !slices.Contains(got, "--mode") || !slices.Contains(got, "--model") {
		t.Errorf("denoise --mo: %q, want --mode and --model among them", got)
	}
	for _, w := range got {
		if !strings.HasPrefix(w, "--mo") {
			t.Errorf("denoise --mo: candidate %q", w)
		}
	}

	dir := t.TempDir()
	for _, n := range []string{"clip.mp4", "clean.yaml", "other.txt"} {
		if err := os.WriteFile(filepath.Join(dir, n), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		words []string
		want  []string
	}{
		{[]string{"denoise", "--mode", ""}, configs.Modes},
		{[]string{"denoise", "-m", ""}, configs.Modes},
		{[]string{"denoise", "run", "--mode", ""}, configs.Modes},
		{[]string{"denoise", "eval", "--mode", ""}, append(slices.Clone(configs.Modes), "all", "none")},
		{[]string{"denoise", "--mode", "=", "nlm"}, []string{"nlm", "nlm+cnn"}}, // --mode=nlm, split at '='
		{[]string{"denoise", "--noise-model", ""}, configs.NoiseModels},
		{[]string{"denoise", "--impulse-kind", ""}, configs.ImpulseKinds},
		{[]string{"denoise", "--log-level", ""}, configs.LogLevels},
		{[]string{"denoise", "serve", "--log-level", ""}, configs.LogLevels},
		{[]string{"denoise", "--progress", ""}, configs.ProgressModes},
		{[]string{"denoise", "--cnn-provider", ""}, configs.CNNProviders},
		{[]string{"denoise", "-y", "--preset", "l"}, []string{"live"}},
		{[]string{"denoise", ""}, commandNames()},
		{[]string{"denoise", "completion", ""}, completionShells},
		{[]string{"denoise", "-i", filepath.Join(dir, "cl")}, []string{filepath.Join(dir, "clean.yaml"), filepath.Join(dir, "clip.mp4")}},
		{[]string{"denoise", "--config", filepath.Join(dir, "o")}, []string{filepath.Join(dir, "other.txt")}},
		{[]string{"denoise", "--sigma", ""}, nil},
		{[]string{"denoise", "-cr"}, []string{"-crf"}},
		{[]string{"denoise", "-pix"}, []string{"-pix_fmt"}},
		{[]string{"denoise", "-c", ":"}, []string{"v"}},     // -c: → -c:v, after the ':' bash split off
		{[]string{"denoise", "-frames", ":", "v", ""}, nil}, // -frames:v takes a number
	} {
		got := bashComplete(t, script, c.words...)
		slices.Sort(got)
		want := slices.Sorted(slices.Values(c.want))
		if !slices.Equal(got, want) {
			t.Errorf("complete %q: %q, want %q", c.words, got, want)
		}
	}

	// Every option of every command is offered after a dash.
	for _, cmd := range commands() {
		words := []string{"denoise", "-"}
		if cmd.name != "run" {
			words = []string{"denoise", cmd.name, "-"}
		}
		got := bashComplete(t, script, words...)
		for _, o := range cmd.options() {
			for _, s := range o.spellings() {
				if !slices.Contains(got, s) {
					t.Errorf("denoise %s -: %s is not offered", cmd.name, s)
				}
			}
		}
	}
	got = bashComplete(t, script, "denoise", "-")
	for _, n := range ffmpegNames {
		if !slices.Contains(got, n) {
			t.Errorf("denoise -: the FFmpeg-style %s is not offered", n)
		}
	}
}

// TestFishCompletion asks a real fish for the completions of command lines.
func TestFishCompletion(t *testing.T) {
	need(t, "fish")
	script := writeScript(t, "fish")
	complete := func(line string) []string {
		out := runShell(t, "fish", "--no-config", "-c", "source "+shQuote(script)+"; complete -C "+shQuote(line))
		var words []string
		for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
			if w, _, _ := strings.Cut(l, "\t"); w != "" {
				words = append(words, w)
			}
		}
		slices.Sort(words)
		return words
	}
	for _, c := range []struct {
		line string
		want []string
	}{
		{"denoise --mode ", configs.Modes},
		{"denoise eval --log-level ", configs.LogLevels},
		{"denoise completion ", completionShells},
		{"denoise -cr", []string{"-crf"}},
	} {
		if got, want := complete(c.line), slices.Sorted(slices.Values(c.want)); !slices.Equal(got, want) {
			t.Errorf("fish: complete %q: %q, want %q", c.line, got, want)
		}
	}
	if got := complete("denoise --mo"); !slices.Contains(got, "--mode") || !slices.Contains(got, "--model") {
		t.Errorf("fish: complete \"denoise --mo\": %q, want --mode and --model among them", got)
	}
}

// TestZshCompletionLoads: the zsh script loads after compinit and registers its function.
func TestZshCompletionLoads(t *testing.T) {
	need(t, "zsh")
	script := writeScript(t, "zsh")
	home := t.TempDir()
	cmd := exec.Command("zsh", "-f", "-c", "autoload -U compinit && compinit -u -d "+shQuote(filepath.Join(home, "zcompdump"))+
		" && source "+shQuote(script)+" && print -r -- $_comps[denoise]")
	cmd.Env = append(os.Environ(), "HOME="+home)
	out, err := cmd.CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "_denoise" {
		t.Fatalf("zsh: %v\n%s", err, out)
	}
}
