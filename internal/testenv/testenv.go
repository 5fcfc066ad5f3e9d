// Package testenv finds what tests need from outside the repository (the shared datasets)
// and builds the files several packages' tests write (NIfTI headers).
package testenv

import (
	"os"
	"path/filepath"
)

// SharedDir is the shared data folder: $DENOISE_SHARED, else the "shared" folder beside the
// repository (where CI puts it), else /work/shared.
func SharedDir() string {
	if d := os.Getenv("DENOISE_SHARED"); d != "" {
		return d
	}
	if wd, err := os.Getwd(); err == nil {
		for d := wd; d != filepath.Dir(d); d = filepath.Dir(d) {
			if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
				if s := filepath.Join(filepath.Dir(d), "shared"); isDir(s) {
					return s
				}
				break
			}
		}
	}
	return "/work/shared"
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}
