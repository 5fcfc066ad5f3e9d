package nifti

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// FuzzDecode: Decode never panics, and an accepted file encodes back to what decodes equal.
func FuzzDecode(f *testing.F) {
	names, _ := filepath.Glob(filepath.Join(fixtures, "*.nii*"))
	for _, n := range names {
		if b, err := os.ReadFile(n); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		im, err := Decode(bytes.NewReader(data))
		if err != nil {
			return
		}
		if len(im.Data) != im.SliceBytes()*im.Slices() {
			t.Fatalf("%d voxel bytes for %d slices of %d", len(im.Data), im.Slices(), im.SliceBytes())
		}
		var b bytes.Buffer
		if err := im.Encode(&b); err != nil {
			t.Fatal(err)
		}
		back, err := Decode(&b)
		if err != nil {
			t.Fatalf("re-encoded file: %v", err)
		}
		if back.Raw != im.Raw || !bytes.Equal(back.Extra, im.Extra) || !bytes.Equal(back.Data, im.Data) {
			t.Fatalf("round trip differs")
		}
	})
}
