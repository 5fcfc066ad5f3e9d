package cnn

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	ort "github.com/yalue/onnxruntime_go"
)

// LibraryEnv names the environment variable that points at the ONNX Runtime shared library.
const LibraryEnv = "DENOISE_ORT_LIBRARY"

// repoLibrary is where scripts/setup.sh installs the library, relative to the repository.
const repoLibrary = "third_party/onnxruntime/libonnxruntime.so"

// systemLibrary is the name dlopen looks up in the system's library path.
const systemLibrary = "libonnxruntime.so"

// telemetryEnv turns ONNX Runtime's telemetry off when it is 1 (see initLibrary).
const telemetryEnv = "ORT_DISABLE_TELEMETRY"

// The ONNX Runtime environment is process-wide: it is created once, from one library, and
// kept until the process exits (sessions of every filter share it).
var env struct {
	sync.Mutex
	path string // library the environment was created from; "" before
}

// ResolveLibrary returns the library path Options.Library selects: the given path, else
// $DENOISE_ORT_LIBRARY, else third_party/onnxruntime/libonnxruntime.so in the repository
// that holds the executable or the working directory (searched upwards), else the system's
// libonnxruntime.so (found by dlopen). The second result is false when nothing was found
// on disk and the system name is returned as a last resort.
func ResolveLibrary(lib string) (string, bool) {
	if lib != "" {
		return lib, true
	}
	if e := os.Getenv(LibraryEnv); e != "" {
		return e, true
	}
	var starts []string
	if exe, err := os.Executable(); err == nil {
		if r, err := filepath.EvalSymlinks(exe); err == nil {
			exe = r
		}
		starts = append(starts, filepath.Dir(exe))
	}
	if wd, err := os.Getwd(); err == nil {
		starts = append(starts, wd)
	}
	for _, s := range starts {
		for d := s; ; d = filepath.Dir(d) {
			p := filepath.Join(d, repoLibrary)
			if _, err := os.Stat(p); err == nil {
				return p, true
			}
			if filepath.Dir(d) == d {
				break
			}
		}
	}
	return systemLibrary, false
}

// ErrLibrary marks a failure to find or load the ONNX Runtime library.
var ErrLibrary = errors.New("ONNX Runtime library")

func libraryError(path string, cause error) error {
	if cause == nil {
		return fmt.Errorf("cnn: %w not found at %s (run scripts/setup.sh or set %s)", ErrLibrary, path, LibraryEnv)
	}
	msg := firstLine(cause.Error())
	// keep dlerror's words, not the wrapper's ("Platform-specific initialization failed: …")
	if i := strings.LastIndex(msg, path+": "); i >= 0 {
		msg = msg[i+len(path)+2:]
	}
	return fmt.Errorf("cnn: %w at %s could not be loaded (run scripts/setup.sh or set %s): %s", ErrLibrary, path, LibraryEnv, msg)
}

// initLibrary loads the ONNX Runtime library and creates the process's environment, once.
// A later call naming another library fails: one process runs one ONNX Runtime.
func initLibrary(lib string) (string, error) {
	path, found := ResolveLibrary(lib)
	env.Lock()
	defer env.Unlock()
	if env.path != "" {
		if lib != "" && !sameFile(lib, env.path) {
			return "", fmt.Errorf("cnn: %w already loaded from %s; cannot also load %s in one process", ErrLibrary, env.path, lib)
		}
		return env.path, nil
	}
	if strings.ContainsRune(path, os.PathSeparator) {
		if _, err := os.Stat(path); err != nil {
			return "", libraryError(path, nil)
		}
	}
	// The library's telemetry, on unless this variable says otherwise, writes a log
	// (mat-debug-PID.log) and a session file (.ses) into the temporary folder, and a
	// database and a device id into ~/.cache/Microsoft/DeveloperTools/.onnxruntime, and
	// uploads events. It reads the variable when the environment is created:
	// DisableTelemetry afterwards stops the events, not the files.
	if err := os.Setenv(telemetryEnv, "1"); err != nil {
		return "", fmt.Errorf("cnn: setting %s: %w", telemetryEnv, err)
	}
	ort.SetSharedLibraryPath(path)
	if err := ort.InitializeEnvironment(ort.WithLogLevelError()); err != nil {
		if !found {
			return "", fmt.Errorf("cnn: %w not found at %s or in the system library path (run scripts/setup.sh or set %s)", ErrLibrary, repoLibrary, LibraryEnv)
		}
		return "", libraryError(path, err)
	}
	_ = ort.DisableTelemetry() // the variable did it; this keeps it off should it not
	env.path = path
	return path, nil
}

// LibraryVersion returns the version of the loaded ONNX Runtime, after a filter was made.
func LibraryVersion() string {
	env.Lock()
	defer env.Unlock()
	if env.path == "" {
		return ""
	}
	return ort.GetVersion()
}

func sameFile(a, b string) bool {
	if a == b {
		return true
	}
	sa, err1 := os.Stat(a)
	sb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(sa, sb)
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = strings.TrimSpace(s[:i])
	}
	return s
}
