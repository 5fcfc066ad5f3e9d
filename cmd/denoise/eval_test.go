package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	goimage "image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// evalSet writes an 8-bit and a 16-bit gray PNG into a new folder.
func evalSet(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	g8 := goimage.NewGray(goimage.Rect(0, 0, 24, 20))
	g16 := goimage.NewGray16(goimage.Rect(0, 0, 20, 24))
	for y := range 24 {
		for x := range 24 {
			g8.SetGray(x, y, color.Gray{uint8(40 + 7*x)})
			g16.SetGray16(x, y, color.Gray16{uint16(9000 + 1500*y)})
		}
	}
	for name, img := range map[string]goimage.Image{"one.png": g8, "two.png": g16} {
		var b bytes.Buffer
		if err := png.Encode(&b, img); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestEvalEndToEnd(t *testing.T) {
	dir := evalSet(t)
	out := t.TempDir()
	csvPath, jsonPath, chart := filepath.Join(out, "r.csv"), filepath.Join(out, "r.json"), filepath.Join(out, "r.png")
	code := realMain([]string{"eval", "--clean", dir, "--noise", "awgn:25", "--noise", "awgn:10+rv:0.1",
		"--mode", "copy", "--seed", "3", "--csv", csvPath, "--json", jsonPath, "--chart", chart,
		"--keep", filepath.Join(out, "keep"), "-q"})
	if code != exitOK {
		t.Fatalf("exit code %d", code)
	}
	f, err := os.Open(csvPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil || len(recs) != 1+2*2*3 {
		t.Fatalf("CSV: %d records, %v", len(recs), err)
	}
	b, err := os.ReadFile(jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Config struct {
			Seed   int64    `json:"seed"`
			Noises []string `json:"noises"`
			Modes  []string `json:"modes"`
			Host   struct {
				GOMAXPROCS int `json:"gomaxprocs"`
			} `json:"host"`
		} `json:"config"`
		Results []struct {
			Method string   `json:"method"`
			PSNR   *float64 `json:"psnr"`
		} `json:"results"`
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Config.Seed != 3 || len(rep.Config.Noises) != 2 || strings.Join(rep.Config.Modes, ",") != "copy" ||
		rep.Config.Host.GOMAXPROCS < 1 || len(rep.Results) != 4 || rep.Results[1].PSNR == nil {
		t.Errorf("JSON: %s", b)
	}
	if _, err := os.Stat(chart); err != nil {
		t.Error(err)
	}
	kept, _ := filepath.Glob(filepath.Join(out, "keep", "*", "*.png"))
	if len(kept) != 8 { // 2 noises × 2 images × (noisy, copy)
		t.Errorf("kept %v", kept)
	}
}

func TestEvalUsageErrors(t *testing.T) {
	dir := evalSet(t)
	cases := [][]string{
		{"eval", "--noise", "awgn:25"},
		{"eval", "--clean", dir, "--noise", "bogus:1"},
		{"eval", "--clean", dir, "--mode", "nope"},
		{"eval", "--clean", dir, "--competitor", "x=cat {in}"},
		{"eval", "--clean", dir, "--grid", "y:s=1,2"},
		{"eval", "--clean", dir, "--csv", filepath.Join(dir, "missing", "r.csv")},
		{"eval", "--clean", dir, "--bogus-flag"},
		{"eval", "--clean", dir, "--mode", "full", "--cnn-ensemble", "3"},
		{"eval", "--clean", dir, "--mode", "full", "--cnn-refill", "4"},
		{"eval", "--clean", dir, "--mode", "full", "--model", filepath.Join(dir, "nope.onnx")},
	}
	for _, args := range cases {
		if code := realMain(args); code != exitUsage {
			t.Errorf("%v: exit code %d, want %d", args, code, exitUsage)
		}
	}
	if code := realMain([]string{"eval", "--clean", filepath.Join(dir, "none"), "--mode", "copy", "-q"}); code != exitError {
		t.Errorf("missing folder: exit code %d, want %d", code, exitError)
	}
	// a mode whose model does not load says so, not that the mode is missing from the build
	err := evalMain([]string{"--clean", dir, "--mode", "full", "--model", filepath.Join(dir, "nope.onnx")})
	if err == nil || !strings.Contains(err.Error(), "mode full: ") {
		t.Errorf("a model that does not load: %v", err)
	}
	if code := realMain([]string{"eval", "--help"}); code != exitOK {
		t.Errorf("--help: exit code %d", code)
	}
}
