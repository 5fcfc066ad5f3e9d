//go:build !amd64

package dsp

func upperDirty() (dirty, ok bool) { return false, false }
