// Command denoise removes noise from videos, image sequences and live streams:
//
//	denoise -i noisy.mp4 -o clean.mp4 --mode impulse+nlm
//
// `denoise --help` lists every option; `denoise eval --help` the evaluation tool.
package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/denoise-go/denoise/internal/av"
	runjob "github.com/denoise-go/denoise/job"
)

// Exit codes.
const (
	exitOK          = 0
	exitError       = 1
	exitUsage       = 2
	exitDamaged     = 3 // finished, every decodable frame written, but the input was damaged
	exitInterrupted = 130
	exitTerminated  = 143 // SIGTERM; SIGINT is exitInterrupted
)

// usageError marks mistakes in the command line, which exit with exitUsage.
type usageError struct{ error }

func main() {
	av.ReturnLargeBuffers() // frames freed by FFmpeg go back to the system, not to glibc's arenas
	os.Exit(realMain(os.Args[1:]))
}

func realMain(args []string) int {
	var err error
	if len(args) > 0 {
		switch args[0] {
		case "eval":
			err = evalMain(args[1:])
			return report(err)
		case "serve":
			return report(serveMain(args[1:]))
		case "worker":
			return report(workerMain(args[1:]))
		case "nats-server":
			return report(natsServerMain(args[1:]))
		case "completion":
			return report(completionMain(args[1:], os.Stdout))
		case "man":
			return report(manMain(args[1:], os.Stdout))
		case "run":
			args = args[1:]
		}
	}
	err = runMain(args)
	return report(err)
}

// report prints err as one line and returns the exit code.
func report(err error) int {
	if err == nil {
		return exitOK
	}
	var ie *runjob.Interrupted
	if errors.As(err, &ie) {
		fmt.Fprintln(os.Stderr, "denoise:", err)
		return exitCode(ie.Signal)
	}
	var de *runjob.Damaged
	if errors.As(err, &de) {
		fmt.Fprintln(os.Stderr, "denoise:", err)
		return exitDamaged
	}
	fmt.Fprintln(os.Stderr, "denoise:", err)
	var ue usageError
	if errors.As(err, &ue) {
		return exitUsage
	}
	return exitError
}
