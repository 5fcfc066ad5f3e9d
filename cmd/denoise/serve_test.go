package main

import (
	"strings"
	"testing"
	"time"

	"github.com/denoise-go/denoise/web"
)

// TestServeLimitFlags: the upload flags of denoise serve reach the server's limits, with
// their defaults, and bad values are refused with the flag's name.
func TestServeLimitFlags(t *testing.T) {
	parse := func(args ...string) (web.Limits, error) {
		fs := serveFlags()
		if err := fs.Parse(args); err != nil {
			t.Fatal(err)
		}
		return serveLimits(fs)
	}
	lim, err := parse()
	if err != nil {
		t.Fatal(err)
	}
	if d := web.DefaultLimits(); lim.MaxUploads != 0 || lim.MinUploadRate != d.MinUploadRate || lim.HeaderTimeout != d.HeaderTimeout {
		t.Errorf("defaults: %+v", lim)
	}
	lim, err = parse("--max-uploads", "7", "--min-upload-rate", "64KiB/s", "--header-timeout", "3s")
	if err != nil || lim.MaxUploads != 7 || lim.MinUploadRate != 64<<10 || lim.HeaderTimeout != 3*time.Second {
		t.Errorf("set: %+v %v", lim, err)
	}
	if lim, err = parse("--min-upload-rate", "0"); err != nil || lim.MinUploadRate != 0 {
		t.Errorf("--min-upload-rate 0: %+v %v", lim, err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--min-upload-rate", "fast"}, "--min-upload-rate"},
		{[]string{"--max-uploads", "-1"}, "max uploads"},
		{[]string{"--header-timeout", "0s"}, "header timeout"},
	} {
		if _, err := parse(c.args...); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want an error naming %s", c.args, err, c.want)
		}
	}
}
