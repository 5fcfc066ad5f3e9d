//go:build !linux

package av

// ReturnLargeBuffers does nothing where the C library is not glibc's (see malloc_linux.go).
func ReturnLargeBuffers() {}
