package memlimit

import "testing"

func TestParseFormat(t *testing.T) {
	for in, want := range map[string]int64{"512MiB": 512 << 20, "1.5GiB": 3 << 29, "2G": 2 << 30, "800MB": 800e6,
		"1048576": 1 << 20, " 4 gib ": 4 << 30} {
		got, err := Parse(in)
		if err != nil || got != want {
			t.Errorf("Parse(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"-1G", "lots", "0", "10KiB", "NaN", "2PiB"} {
		if _, err := Parse(in); err == nil {
			t.Errorf("Parse(%q): no error", in)
		}
	}
	if d, err := Parse("auto"); err != nil || d <= 0 || d != Default() {
		t.Errorf("Parse(auto) = %d, %v", d, err)
	}
	for n, want := range map[int64]string{512 << 20: "512 MiB", 3 << 29: "1.5 GiB", 2 << 30: "2 GiB", 100: "100 B",
		1000 << 20: "1000 MiB", 1010 << 20: "1010 MiB", 999 << 20: "999 MiB"} {
		if got := Format(n); got != want {
			t.Errorf("Format(%d) = %q, want %q", n, got, want)
		}
	}
	e := &Error{What: "x", Limit: 3 << 29}
	if got := e.Error(); got != "x: above the memory limit of 1.5 GiB (--memory-limit)" {
		t.Errorf("Error() = %q", got)
	}
}
