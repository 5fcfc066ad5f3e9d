package main

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// readmeOptionTable returns the rows of the option table under "## Using it" in README.md.
func readmeOptionTable(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "\n## Using it\n")
	if !ok {
		t.Fatal(`README.md has no "## Using it" section`)
	}
	if i := strings.Index(section, "\n## "); i >= 0 {
		section = section[:i]
	}
	var rows []string
	for _, l := range strings.Split(section, "\n") {
		if strings.HasPrefix(l, "|") {
			rows = append(rows, l)
		}
	}
	if len(rows) == 0 {
		t.Fatal(`README.md: no option table under "## Using it"`)
	}
	return strings.Join(rows, "\n")
}

// mentions reports whether text names the option spelling as a word of its own: -s is not
// in -ss or --size, -c not in -c:v.
func mentions(text, spelling string) bool {
	return regexp.MustCompile(`(^|[^-\w])` + regexp.QuoteMeta(spelling) + `($|[^-\w:])`).MatchString(text)
}

// TestReadmeListsEveryOption: the README's option table names every flag of the run command
// (its long name and its shorthand) and every FFmpeg-style option args.go rewrites.
func TestReadmeListsEveryOption(t *testing.T) {
	table := readmeOptionTable(t)
	for _, o := range commands()[0].options() {
		for _, s := range o.spellings() {
			if !mentions(table, s) {
				t.Errorf("README.md's option table (## Using it) does not mention %s", s)
			}
		}
	}
	for _, s := range []string{"-s", "-c", "--mode"} { // the matcher itself
		if mentions("| `-ss T`, `-c:v X`, `--mode-x` |", s) {
			t.Errorf("mentions finds %s in a longer option", s)
		}
	}
}
