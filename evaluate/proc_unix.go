//go:build unix

package evaluate

import (
	"os/exec"
	"syscall"
)

// ownGroup runs cmd in a process group of its own, so that cancelling ends the whole
// pipeline the shell started, not only the shell.
func ownGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
}
