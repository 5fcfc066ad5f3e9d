package encode

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/denoise-go/denoise/internal/seqpat"
)

// NotInput returns an error when writing output could overwrite a file the input reads:
// the same path, a symbolic or hard link to it, a folder's file, or an image-sequence
// pattern or glob whose files overlap. Files are compared by identity (device and inode),
// not by name, so no spelling of a path slips through. Overwrite (-y) does not change it.
func NotInput(output, input string) error {
	if output == "" || output == "-" || strings.Contains(output, "://") {
		return nil
	}
	ins := inputFiles(input)
	if len(ins) == 0 {
		return nil
	}
	for _, out := range existingOutputs(output) {
		ost, err := os.Stat(out)
		if err != nil {
			continue
		}
		for _, in := range ins {
			if ist, err := os.Stat(in); err == nil && os.SameFile(ost, ist) {
				if out == in {
					return fmt.Errorf("output %s is the input: writing it would destroy the input (-y never overwrites an input); choose another output name", out)
				}
				return fmt.Errorf("output %s is the input %s (the same file): writing it would destroy the input (-y never overwrites an input); choose another output name", out, in)
			}
		}
	}
	return nil
}

// inputFiles lists the files input reads: itself, a folder and its files, or the files an
// image-sequence pattern or a glob matches. Standard input, URLs and missing files give none.
func inputFiles(input string) []string {
	if input == "" || input == "-" || strings.Contains(input, "://") {
		return nil
	}
	if st, err := os.Stat(input); err == nil {
		if !st.IsDir() {
			return []string{input}
		}
		ents, err := os.ReadDir(input)
		if err != nil {
			return nil
		}
		out := []string{input} // a DICOM series may be written to a folder: not to this one
		for _, e := range ents {
			if !e.IsDir() {
				out = append(out, filepath.Join(input, e.Name()))
			}
		}
		return out
	}
	if IsPattern(input) {
		return patternFiles(input)
	}
	if strings.ContainsAny(input, "*?[") {
		m, _ := filepath.Glob(input)
		return m
	}
	return nil
}

// existingOutputs lists the existing files output would write: itself, or every file
// its image-sequence pattern matches.
func existingOutputs(output string) []string {
	if IsPattern(output) {
		return patternFiles(output)
	}
	return []string{output}
}

// patternFiles lists the existing files the printf-style pattern names.
func patternFiles(pattern string) []string {
	var out []string
	for _, m := range seqpat.Files(pattern) {
		out = append(out, m.Path)
	}
	return out
}
