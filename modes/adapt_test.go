package modes

import (
	"testing"

	"github.com/denoise-go/denoise/frame"
)

// TestFilterStageNames: modes names the stages and filters it makes of the filter packages'
// types (they do not name themselves), and an impulse kind the filter refuses fails when the
// stage's filter is made.
func TestFilterStageNames(t *testing.T) {
	for _, mode := range []string{"median", "nlm", "impulse", "impulse+nlm"} {
		cfg := defaults(t)
		cfg.Mode = mode
		st, err := Build(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if len(st) != 1 || st[0].Name != mode || st[0].Filter == nil {
			t.Fatalf("%s: stages %v", mode, st)
		}
		f, err := st[0].Filter()
		if err != nil {
			t.Fatal(err)
		}
		if f.Name() != mode {
			t.Errorf("%s: filter named %q", mode, f.Name())
		}
		fr := frame.New(frame.Format{Layout: frame.Gray, BitDepth: 8}, 16, 16)
		if out, err := f.Process(fr); err != nil || out != fr {
			t.Errorf("%s: Process: %v", mode, err)
		}
	}
	cfg := defaults(t)
	cfg.Mode = "impulse"
	o := impulseOptions(cfg, Hooks{})
	o.Kind = 7
	if _, err := impulseFilterStage(cfg, o).Filter(); err == nil {
		t.Error("unknown impulse kind accepted")
	}
}
