package main

import (
	"errors"
	"fmt"
	"io"
	"strings"
)

// completionShells are the shells `denoise completion` writes scripts for.
var completionShells = []string{"bash", "zsh", "fish"}

const completionUsage = `denoise completion prints a shell completion script for denoise: its commands, options
(the FFmpeg-style ones too), the values of options that take one of a few words, and file
names where an option takes a file.

Usage:
  denoise completion bash|zsh|fish

  bash:  source <(denoise completion bash)            (in ~/.bashrc)
  zsh:   source <(denoise completion zsh)             (in ~/.zshrc, after compinit)
         or save it as _denoise in a folder of $fpath
  fish:  denoise completion fish > ~/.config/fish/completions/denoise.fish
`

// completionMain writes the completion script for the shell its one argument names.
func completionMain(args []string, w io.Writer) error {
	if len(args) == 1 && (args[0] == "--help" || args[0] == "-h") {
		_, err := io.WriteString(w, completionUsage)
		return err
	}
	if len(args) != 1 {
		return usageError{errors.New("completion: name one shell: " + strings.Join(completionShells, ", "))}
	}
	var script string
	switch args[0] {
	case "bash":
		script = bashCompletion()
	case "zsh":
		script = zshCompletion()
	case "fish":
		script = fishCompletion()
	default:
		return usageError{fmt.Errorf("completion: unknown shell %q (%s)", args[0], strings.Join(completionShells, ", "))}
	}
	_, err := io.WriteString(w, script)
	return err
}

// shQuote quotes s for a POSIX shell (and zsh): 'it'\”s'.
func shQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func shWords(words []string) string {
	q := make([]string, len(words))
	for i, w := range words {
		q[i] = shQuote(w)
	}
	return strings.Join(q, " ")
}

// summary shortens a flag's usage to its first clause, for the one-line descriptions of
// zsh and fish.
func summary(usage string) string {
	s := usage
	if i := strings.Index(s, " ("); i > 0 {
		s = s[:i]
	}
	if i := strings.Index(s, "; "); i > 0 {
		s = s[:i]
	}
	return s
}

// bashCompletion writes the bash script. Bash splits words at COMP_WORDBREAKS (-c:v into
// "-c" ":" "v", --mode=nlm at '='); the script joins them back, completes the whole word and
// then removes what precedes the last break from each candidate, as readline replaces only
// that part.
func bashCompletion() string {
	var b strings.Builder
	b.WriteString(`# bash completion for denoise, written by "denoise completion bash".
# Load it with: source <(denoise completion bash)

# _denoise_reply adds the arguments that start with $cur to COMPREPLY.
_denoise_reply() {
    local w
    for w in "$@"; do
        [[ $w == "$cur"* ]] && COMPREPLY+=("$w")
    done
    return 0
}

# _denoise_files adds file names (-f) or folder names (-d) that start with $cur.
_denoise_files() {
    local IFS=$'\n'
    compopt -o filenames 2>/dev/null
    COMPREPLY+=($(compgen "$1" -- "$cur"))
    return 0
}

# _denoise_value COMMAND OPTION completes OPTION's argument; it fails when OPTION takes none.
_denoise_value() {
    case "$1 $2" in
`)
	cmds := commands()
	for _, c := range cmds {
		for _, o := range c.options() {
			if o.arg == "" {
				continue
			}
			var pats []string
			for _, s := range o.spellings() {
				pats = append(pats, shQuote(c.name+" "+s))
			}
			var acts []string
			if len(o.words) > 0 {
				acts = append(acts, "_denoise_reply "+shWords(o.words))
			}
			switch o.kind {
			case valueFiles:
				acts = append(acts, "_denoise_files -f")
			case valueDirs:
				acts = append(acts, "_denoise_files -d")
			}
			fmt.Fprintf(&b, "    %s) %s ;;\n", strings.Join(pats, "|"), strings.Join(acts, "; "))
		}
	}
	b.WriteString(`    *) return 1 ;;
    esac
    return 0
}

# _denoise_options COMMAND adds the options of COMMAND that start with $cur.
_denoise_options() {
    case $1 in
`)
	for _, c := range cmds {
		var words []string
		for _, o := range c.options() {
			words = append(words, o.spellings()...)
		}
		if len(words) > 0 {
			fmt.Fprintf(&b, "    %s) _denoise_reply %s ;;\n", c.name, shWords(words))
		}
	}
	b.WriteString(`    esac
    return 0
}

# _denoise_words COMMAND adds the arguments of COMMAND that start with $cur.
_denoise_words() {
    case $1 in
`)
	for _, c := range cmds {
		if len(c.words) > 0 {
			fmt.Fprintf(&b, "    %s) _denoise_reply %s ;;\n", c.name, shWords(c.words))
		}
	}
	fmt.Fprintf(&b, `    esac
    return 0
}

_denoise() {
    local words=() cword=0 i w
    for ((i = 0; i <= COMP_CWORD && i < ${#COMP_WORDS[@]}; i++)); do
        w=${COMP_WORDS[i]}
        if ((i > 1)) && [[ $w == [:=]* || ${COMP_WORDS[i-1]} == [:=] ]]; then
            words[${#words[@]}-1]+=$w
        else
            words+=("$w")
        fi
    done
    ((${#words[@]} > 0)) || words=("")
    cword=$((${#words[@]} - 1))
    ((COMP_CWORD < ${#COMP_WORDS[@]})) || { words+=(""); cword=$((cword + 1)); }
    local full=${words[cword]} cur=${words[cword]} prev= cmd=run
    ((cword > 0)) && prev=${words[cword-1]}
    if ((cword > 1)); then
        case ${words[1]} in
        %s) cmd=${words[1]} ;;
        esac
    fi
    COMPREPLY=()
    if [[ $cur == --*=* ]]; then
        local opt=${cur%%%%=*}
        cur=${cur#*=}
        _denoise_value "$cmd" "$opt"
        for i in "${!COMPREPLY[@]}"; do
            COMPREPLY[i]=$opt=${COMPREPLY[i]}
        done
    elif ((cword > 0)) && _denoise_value "$cmd" "$prev"; then
        :
    elif [[ $cur == -* ]]; then
        _denoise_options "$cmd"
    elif ((cword == 1)); then
        _denoise_reply %s
    elif ((cword == 2)) && [[ $cmd != run || ${words[1]} == run ]]; then
        _denoise_words "$cmd"
    fi
    # Readline replaces only what follows the last break character (':' or '=' where
    # COMP_WORDBREAKS has them): drop what precedes it from the candidates.
    local brk= c
    for c in : =; do
        [[ $COMP_WORDBREAKS == *"$c"* ]] && brk+=$c
    done
    if [[ -n $brk && $full == *[$brk]* ]]; then
        local head=${full%%"${full##*[$brk]}"}
        for i in "${!COMPREPLY[@]}"; do
            COMPREPLY[i]=${COMPREPLY[i]#"$head"}
        done
    fi
    return 0
}

complete -F _denoise denoise
`, strings.Join(commandNames(), "|"), shWords(commandNames()))
	return b.String()
}

// zshSpecEscape escapes text for an _arguments spec's description or action list.
func zshSpecEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, "[", `\[`, "]", `\]`, ":", `\:`, "(", `\(`, ")", `\)`).Replace(s)
}

// zshCompletion writes the zsh script, one _arguments spec per way to type an option.
func zshCompletion() string {
	var b strings.Builder
	b.WriteString(`#compdef denoise
# zsh completion for denoise, written by "denoise completion zsh".
# Save it as _denoise in a folder of $fpath, or load it with: source <(denoise completion zsh)

_denoise() {
    local cmd=run
    if (( CURRENT > 2 )) && [[ -n ${(M)words[2]:#(` + strings.Join(commandNames(), "|") + `)} ]]; then
        cmd=$words[2]
        shift words
        (( CURRENT-- ))
    elif (( CURRENT == 2 )) && [[ $PREFIX != -* ]]; then
        local -a cmds
        cmds=(
`)
	for _, c := range commands() {
		fmt.Fprintf(&b, "            %s\n", shQuote(strings.ReplaceAll(c.name, ":", `\:`)+":"+c.about))
	}
	b.WriteString(`        )
        _describe -t commands 'denoise command' cmds
        return
    fi
    case $cmd in
`)
	for _, c := range commands() {
		fmt.Fprintf(&b, "    (%s)\n        _arguments", c.name)
		for _, o := range c.options() {
			sp := o.spellings()
			excl := ""
			if o.repeat {
				excl = "*"
			} else if len(sp) > 1 {
				excl = "(" + strings.Join(sp, " ") + ")"
			}
			for _, s := range sp {
				name := strings.ReplaceAll(s, ":", `\:`)
				if o.arg != "" && o.long != "" && s == "--"+o.long {
					name += "="
				}
				spec := excl + name + "[" + zshSpecEscape(summary(o.usage)) + "]"
				if o.arg != "" {
					spec += ":" + zshSpecEscape(o.arg) + ":" + zshAction(o)
				}
				fmt.Fprintf(&b, " \\\n            %s", shQuote(spec))
			}
		}
		if len(c.words) > 0 {
			fmt.Fprintf(&b, " \\\n            %s", shQuote("1:"+c.name+":("+zshSpecEscape(strings.Join(c.words, " "))+")"))
		}
		b.WriteString("\n        ;;\n")
	}
	b.WriteString(`    esac
}

if [[ $funcstack[1] == _denoise ]]; then
    _denoise "$@"
else
    compdef _denoise denoise
fi
`)
	return b.String()
}

// zshAction is the _arguments action that completes an option's argument.
func zshAction(o option) string {
	words := make([]string, len(o.words))
	for i, w := range o.words {
		words[i] = zshSpecEscape(strings.ReplaceAll(w, " ", `\ `))
	}
	list := strings.Join(words, " ")
	switch o.kind {
	case valueWords:
		return "(" + list + ")"
	case valueFiles:
		if len(words) > 0 {
			return "{compadd -- " + list + "; _files}"
		}
		return "_files"
	case valueDirs:
		return "_files -/"
	}
	return " "
}

// shadowsFFmpeg reports whether a one-letter shorthand starts one of the FFmpeg-style
// options (-c and -crf).
func shadowsFFmpeg(short string, opts []option) bool {
	for _, o := range opts {
		if o.ffmpeg && len(o.short) > 1 && strings.HasPrefix(o.short, short) {
			return true
		}
	}
	return false
}

// fishQuote quotes s for fish, where \ and ' are escaped inside single quotes.
func fishQuote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, "'", `\'`).Replace(s) + "'"
}

// fishCompletion writes the fish script: one complete line per option, under a condition
// that names the command the line is in.
func fishCompletion() string {
	var b strings.Builder
	fmt.Fprintf(&b, `# fish completion for denoise, written by "denoise completion fish".
# Save it as ~/.config/fish/completions/denoise.fish, or load it with: denoise completion fish | source

# __denoise_in COMMAND: the command line is at denoise COMMAND (no command word means run).
function __denoise_in
    set -l tokens (commandline -opc)
    set -l cmd run
    if test (count $tokens) -ge 2; and contains -- $tokens[2] %s
        set cmd $tokens[2]
    end
    test $cmd = $argv[1]
end

# __denoise_at N: the word being completed is the Nth after denoise.
function __denoise_at
    test (count (commandline -opc)) -eq $argv[1]
end

complete -c denoise -e
complete -c denoise -f
`, strings.Join(commandNames(), " "))
	for _, c := range commands() {
		fmt.Fprintf(&b, "complete -c denoise -n '__denoise_at 1' -a %s -d %s\n", fishQuote(c.name), fishQuote(c.about))
	}
	for _, c := range commands() {
		cond := fishQuote("__denoise_in " + c.name)
		opts := c.options()
		for _, o := range opts {
			desc := " -d " + fishQuote(summary(o.usage))
			arg := ""
			switch {
			case o.arg == "":
			case o.kind == valueFiles || o.kind == valueDirs:
				arg = " -r -F"
			default:
				arg = " -x"
			}
			if len(o.words) > 0 {
				arg += " -a " + fishQuote(strings.Join(o.words, " "))
			}
			line := "complete -c denoise -n " + cond
			switch {
			case o.ffmpeg || len(o.short) > 1:
				b.WriteString(line + " -o " + fishQuote(o.short) + arg + desc + "\n")
			case o.short != "" && shadowsFFmpeg(o.short, opts):
				// Fish reads -crf as -c with the value rf where -c takes one: the
				// shorthand is declared without its argument, on a line of its own.
				b.WriteString(line + " -l " + fishQuote(o.long) + arg + desc + "\n")
				b.WriteString(line + " -s " + fishQuote(o.short) + desc + "\n")
			case o.short != "":
				b.WriteString(line + " -l " + fishQuote(o.long) + " -s " + fishQuote(o.short) + arg + desc + "\n")
			default:
				b.WriteString(line + " -l " + fishQuote(o.long) + arg + desc + "\n")
			}
		}
		if len(c.words) > 0 {
			fmt.Fprintf(&b, "complete -c denoise -n %s -a %s\n",
				fishQuote("__denoise_in "+c.name+"; and __denoise_at 2"), fishQuote(strings.Join(c.words, " ")))
		}
	}
	return b.String()
}
