package cnn

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/denoise-go/denoise/models"
)

// childEnv marks the child process of TestNothingWrittenOutside.
const childEnv = "DENOISE_TEST_CNN_CHILD"

// ciVars are the variables by which the library tells a CI machine, where it leaves its
// telemetry off: the child runs without them, as on a user's machine.
var ciVars = []string{"CI", "TF_BUILD", "GITHUB_ACTIONS", "GITLAB_CI", "CIRCLECI", "TRAVIS", "JENKINS_URL",
	"CODEBUILD_BUILD_ID", "BUILDKITE", "TEAMCITY_VERSION", "APPVEYOR", "BITBUCKET_BUILD_NUMBER", "ORT_RUNNING_UNIT_TESTS"}

// TestNothingWrittenOutside runs the CNN with the real ONNX Runtime library in a fresh
// process whose home, temporary folder and working directory are new empty folders, and
// checks that all three are still empty afterwards: the library's telemetry (a log and a
// session file in the temporary folder, a database under ~/.cache) is off. The environment
// is created once per process, so only a child process shows what its creation writes.
func TestNothingWrittenOutside(t *testing.T) {
	if os.Getenv(childEnv) == "1" {
		runCNNOnce(t)
		return
	}
	needLibrary(t)
	lib, _ := ResolveLibrary("")
	lib, err := filepath.Abs(lib)
	if err != nil {
		t.Fatal(err)
	}
	base := t.TempDir()
	home, tmp, work := filepath.Join(base, "home"), filepath.Join(base, "tmp"), filepath.Join(base, "work")
	for _, d := range []string{home, tmp, work} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if k == "HOME" || k == "TMPDIR" || k == telemetryEnv || k == LibraryEnv || strings.HasPrefix(k, "XDG_") || slices.Contains(ciVars, k) {
			continue
		}
		env = append(env, kv)
	}
	env = append(env, "HOME="+home, "TMPDIR="+tmp, LibraryEnv+"="+lib, childEnv+"=1")
	cmd := exec.Command(os.Args[0], "-test.run=^TestNothingWrittenOutside$", "-test.v", "-test.count=1")
	cmd.Env, cmd.Dir = env, work
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "the CNN ran") {
		t.Fatalf("child: %v\n%s", err, out)
	}
	for _, d := range []string{home, tmp, work} {
		if left := listTree(t, d); len(left) > 0 {
			t.Errorf("the CNN left %d entries in %s: %s", len(left), filepath.Base(d), strings.Join(left, ", "))
		}
	}
}

// runCNNOnce is the child's work: the built-in light model on one small gray frame.
func runCNNOnce(t *testing.T) {
	m, err := Load(Options{Model: models.LightDefault(), Sigma: 20})
	if err != nil {
		t.Fatal(err)
	}
	f, err := m.NewFilter()
	if err != nil {
		t.Fatal(err)
	}
	out, err := f.Process(grayFrame(40, 32, 8, 1))
	if err != nil {
		t.Fatal(err)
	}
	if out == nil || out.W != 40 {
		t.Fatalf("no result frame: %v", out)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	t.Logf("the CNN ran (ONNX Runtime %s)", LibraryVersion())
}

// listTree lists every file and folder under dir, relative to it, sorted.
func listTree(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != dir {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

// TestBuiltinNameIsNotAFile: a file in the working directory named like a built-in model
// does not replace it; a name with a slash or ending in .onnx is a file.
func TestBuiltinNameIsNotAFile(t *testing.T) {
	needLibrary(t)
	name := models.LightDefault()
	if name == "" {
		t.Skip("no built-in model")
	}
	t.Chdir(t.TempDir())
	for _, n := range []string{name, name + ".onnx", "sub"} {
		if err := os.WriteFile(n, []byte("not a model"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	m, err := Load(Options{Model: name})
	if err != nil {
		t.Fatalf("built-in %s, with a file of that name here: %v", name, err)
	}
	want, _ := models.ONNX(name)
	if !slices.Equal(m.data, want) {
		t.Errorf("%s loaded %d bytes, not the built-in model's %d", name, len(m.data), len(want))
	}
	for _, c := range []struct{ model, want string }{
		{"./" + name, "cnn: model ./" + name + ": not a usable ONNX model"},
		{name + ".onnx", "cnn: model " + name + ".onnx: not a usable ONNX model"},
		{"sub", `cnn: model sub: no built-in model "sub"`},
		{"nosuch/" + name, "cnn: model nosuch/" + name + ": no such file or directory"},
	} {
		_, err := Load(Options{Model: c.model})
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("--model %s: %v, want %q", c.model, err, c.want)
		}
	}
}
