package modes

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"strings"
	"testing"
)

// TestFilterImports: the filter packages are a library. None of them, through any chain of
// imports, reaches the pipeline, the configuration, Prometheus or net/http: modes adapts
// them into pipeline stages and names them.
func TestFilterImports(t *testing.T) {
	const module = "github.com/denoise-go/denoise/"
	forbidden := func(p string) bool {
		return p == module+"pipeline" || p == module+"configs" || p == "net/http" ||
			strings.HasPrefix(p, module+"pipeline/") || strings.HasPrefix(p, module+"configs/") ||
			strings.HasPrefix(p, "github.com/prometheus/")
	}
	// go test puts its own go command first on PATH
	cmd := exec.Command("go", "list", "-deps", "-json=ImportPath,Imports", "./filter/...")
	cmd.Dir = ".."
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	type pkg struct {
		ImportPath string
		Imports    []string
	}
	imports := map[string][]string{}
	var roots []string
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p pkg
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		imports[p.ImportPath] = p.Imports
		if strings.HasPrefix(p.ImportPath, module+"filter/") {
			roots = append(roots, p.ImportPath)
		}
	}
	if len(roots) == 0 {
		t.Fatal("go list found no filter packages")
	}
	for _, root := range roots {
		// breadth first, so the chain reported is a shortest one
		from := map[string]string{root: ""}
		queue := []string{root}
		for len(queue) > 0 {
			p := queue[0]
			queue = queue[1:]
			if forbidden(p) {
				chain := []string{p}
				for q := from[p]; q != ""; q = from[q] {
					chain = append([]string{q}, chain...)
				}
				t.Errorf("%s imports %s: %s", root, p, strings.Join(chain, " -> "))
				continue
			}
			for _, q := range imports[p] {
				if _, seen := from[q]; !seen {
					from[q] = p
					queue = append(queue, q)
				}
			}
		}
	}
}
