package main

import (
	"fmt"
	"os"
	"path/filepath"
)

// unexpectedArg is the error for arguments left after the flags. When the first is an
// existing file, the likeliest cause is a glob the shell expanded into file names (only
// the first went to -i), and the error says to quote it.
func unexpectedArg(args []string) error {
	a := args[0]
	if st, err := os.Stat(a); err == nil && st.Mode().IsRegular() {
		glob := filepath.Join(filepath.Dir(a), "*"+filepath.Ext(a))
		return fmt.Errorf("unexpected argument %q, a file: if the shell expanded a glob, quote it so that denoise expands it in name order: -i '%s'", a, glob)
	}
	return fmt.Errorf("unexpected argument %q (inputs take -i, outputs -o)", a)
}
