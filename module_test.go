package denoise_test

import (
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// userMain is the program of another module that imports this one: it denoises a PNG
// through the public API, with the command's flags of the same meaning, and writes a PNG.
const userMain = `package main

import (
	"flag"
	"image/png"
	"log"
	"os"

	"github.com/denoise-go/denoise"
)

func main() {
	var s denoise.Settings
	in := flag.String("i", "", "input PNG")
	out := flag.String("o", "", "output PNG")
	flag.StringVar(&s.Mode, "mode", "", "mode")
	flag.Float64Var(&s.Sigma, "sigma", 0, "noise level")
	flag.Float64Var(&s.Strength, "nlm-h", 0, "NLM strength")
	flag.IntVar(&s.Radius, "radius", 0, "temporal radius")
	flag.Parse()
	f, err := os.Open(*in)
	if err != nil {
		log.Fatal(err)
	}
	img, err := png.Decode(f)
	f.Close()
	if err != nil {
		log.Fatal(err)
	}
	res, err := denoise.DenoiseImage(img, s)
	if err != nil {
		log.Fatal(err)
	}
	w, err := os.Create(*out)
	if err != nil {
		log.Fatal(err)
	}
	if err := png.Encode(w, res); err != nil {
		log.Fatal(err)
	}
	if err := w.Close(); err != nil {
		log.Fatal(err)
	}
}
`

// moduleRoot is the directory of this module's go.mod, found upwards from the test's
// working directory.
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && strings.Contains(string(b), "module github.com/denoise-go/denoise\n") {
			return dir
		}
		up := filepath.Dir(dir)
		if up == dir {
			t.Fatal("no go.mod of github.com/denoise-go/denoise above the working directory")
		}
		dir = up
	}
}

// commandEnv is the environment for the commands the test runs: the caller's, without the
// DENOISE_* variables that configure the command (the API does not read them).
func commandEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "DENOISE_") && name != "DENOISE_ORT_LIBRARY" && name != "DENOISE_CPU" {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "GOFLAGS=-mod=mod", "GOEXPERIMENT="+os.Getenv("GOEXPERIMENT"))
}

func run(t *testing.T, dir string, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir, cmd.Env = dir, commandEnv()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

func writePNG(t *testing.T, path string, img image.Image) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func readPNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return img
}

// A program in another module, importing this one by its path, denoises PNG files to the
// same pixels as the denoise command with the same settings.
func TestOtherModuleMatchesCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the command and a program of another module")
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	root := moduleRoot(t)
	dir := t.TempDir()
	user := filepath.Join(dir, "user")
	if err := os.Mkdir(user, 0o755); err != nil {
		t.Fatal(err)
	}
	gomod := "module example.com/user\n\ngo 1.26.0\n\nrequire github.com/denoise-go/denoise v0.0.0\n\n" +
		"replace github.com/denoise-go/denoise => " + root + "\n"
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{"go.mod": []byte(gomod), "go.sum": sum, "main.go": []byte(userMain)} {
		if err := os.WriteFile(filepath.Join(user, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	userBin, cliBin := filepath.Join(dir, "user-bin"), filepath.Join(dir, "denoise")
	run(t, user, "go", "build", "-o", userBin, ".")
	run(t, root, "go", "build", "-o", cliBin, "./cmd/denoise")

	_, rgb := noisyRGBA(96, 64, 20, 11)
	_, gray := noisyGray(80, 48, 25, 12)
	gray16 := image.NewGray16(gray.Bounds())
	for i, v := range gray.Pix {
		gray16.SetGray16(i%80, i/80, color.Gray16{uint16(v)*257 + uint16(i%7)})
	}
	cases := []struct {
		name  string
		img   image.Image
		flags []string
	}{
		{"rgb-default", rgb, nil},
		{"gray16-nlm", gray16, []string{"--mode", "nlm", "--sigma", "12", "--nlm-h", "1.1"}},
		{"gray-stnlm", gray, []string{"--mode", "impulse+stnlm", "--radius", "1"}},
	}
	for _, c := range cases {
		in := filepath.Join(dir, c.name+".png")
		writePNG(t, in, c.img)
		apiOut, cliOut := filepath.Join(dir, c.name+"-api.png"), filepath.Join(dir, c.name+"-cli.png")
		run(t, dir, userBin, append([]string{"-i", in, "-o", apiOut}, c.flags...)...)
		run(t, dir, cliBin, append([]string{"-i", in, "-o", cliOut, "-y", "--progress", "off", "--log-level", "error"}, c.flags...)...)
		a, b := readPNG(t, apiOut), readPNG(t, cliOut)
		if a.Bounds() != b.Bounds() {
			t.Fatalf("%s: the API gave %v, the command %v", c.name, a.Bounds(), b.Bounds())
		}
		differ, same := 0, 0
		r := a.Bounds()
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				if color.RGBA64Model.Convert(a.At(x, y)) != color.RGBA64Model.Convert(b.At(x, y)) {
					differ++
				}
				if color.RGBA64Model.Convert(a.At(x, y)) == color.RGBA64Model.Convert(c.img.At(x, y)) {
					same++
				}
			}
		}
		if differ > 0 {
			t.Errorf("%s: %d of %d pixels differ between the API (%T) and the command (%T)", c.name, differ, r.Dx()*r.Dy(), a, b)
		}
		if same == r.Dx()*r.Dy() {
			t.Errorf("%s: the output is the input", c.name)
		}
	}
}
