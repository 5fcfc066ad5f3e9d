package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/denoise-go/denoise/internal/dsp"
)

// versionLine says what this binary is: the module version or VCS revision it was built
// from, the Go toolchain, the platform and the kernel set in use (dsp.Kernels: avx2+fma, or
// generic and why).
func versionLine() string {
	ver := "(devel)"
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Version != "" {
			ver = bi.Main.Version
		}
		var rev, modified string
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				if s.Value == "true" {
					modified = "+dirty"
				}
			}
		}
		if rev != "" && ver == "(devel)" {
			ver = rev[:min(len(rev), 12)] + modified
		}
	}
	return fmt.Sprintf("denoise %s (%s, %s/%s, kernels %s)", ver, runtime.Version(), runtime.GOOS, runtime.GOARCH, dsp.Kernels())
}
