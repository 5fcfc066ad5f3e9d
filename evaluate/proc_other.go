//go:build !unix

package evaluate

import "os/exec"

func ownGroup(*exec.Cmd) {}
