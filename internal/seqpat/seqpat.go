// Package seqpat reads the printf-style names of image sequences (img_%04d.png): which
// files of a folder a pattern names, and their numbers. Reading (decode) and writing
// (encode) both ask.
package seqpat

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// Match is a file a pattern names, and its number.
type Match struct {
	Path string
	N    int64
}

// Regexp turns a printf-style file name (%d, %0Nd, %%) into an anchored regexp whose
// first group is the first number.
func Regexp(name string) (*regexp.Regexp, error) {
	var b strings.Builder
	b.WriteByte('^')
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c != '%' {
			b.WriteString(regexp.QuoteMeta(string(c)))
			continue
		}
		j := i + 1
		for j < len(name) && name[j] >= '0' && name[j] <= '9' {
			j++
		}
		switch {
		case j < len(name) && name[j] == 'd':
			b.WriteString(`(-?[0-9]+)`)
			i = j
		case j == i+1 && j < len(name) && name[j] == '%':
			b.WriteString("%")
			i = j
		default:
			b.WriteString("%")
		}
	}
	b.WriteByte('$')
	return regexp.Compile(b.String())
}

// Files lists the files (not folders) in pattern's folder whose names fit the pattern
// (img_%04d.png fits img_0001.png and img_12345.png), in the folder's name order.
func Files(pattern string) []Match {
	dir, name := filepath.Split(pattern)
	re, err := Regexp(name)
	if err != nil {
		return nil
	}
	if dir == "" {
		dir = "."
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var out []Match
	for _, e := range ents {
		if e.IsDir() {
			continue
		}
		m := re.FindStringSubmatch(e.Name())
		if m == nil {
			continue
		}
		n, _ := strconv.ParseInt(m[1], 10, 64)
		out = append(out, Match{Path: filepath.Join(dir, e.Name()), N: n})
	}
	return out
}
