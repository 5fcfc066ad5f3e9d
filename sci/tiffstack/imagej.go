package tiffstack

import (
	"strconv"
	"strings"
)

// ImageJ is the metadata ImageJ writes into the first ImageDescription:
// "ImageJ=1.53t\nimages=24\nchannels=2\nslices=3\nframes=4\nhyperstack=true\n...".
// Pages are ordered channel fastest, then slice, then frame.
type ImageJ struct {
	Version                          string
	Images, Channels, Slices, Frames int // each ≥ 1
	Hyperstack                       bool
	Fields                           [][2]string // every key=value line, in order
}

// ParseImageJ parses an ImageJ description; it returns nil when desc is not one.
func ParseImageJ(desc string) *ImageJ {
	if !strings.HasPrefix(desc, "ImageJ=") {
		return nil
	}
	ij := &ImageJ{}
	for _, line := range strings.Split(desc, "\n") {
		k, v, ok := strings.Cut(strings.TrimRight(line, "\r\x00"), "=")
		if !ok {
			continue
		}
		ij.Fields = append(ij.Fields, [2]string{k, v})
		n, _ := strconv.Atoi(v)
		switch k {
		case "ImageJ":
			ij.Version = v
		case "images":
			ij.Images = n
		case "channels":
			ij.Channels = n
		case "slices":
			ij.Slices = n
		case "frames":
			ij.Frames = n
		case "hyperstack":
			ij.Hyperstack = v == "true"
		}
	}
	for _, p := range []*int{&ij.Channels, &ij.Slices, &ij.Frames} {
		if *p < 1 || *p > MaxPages {
			*p = 1
		}
	}
	if ij.Images < 1 || ij.Images > MaxPages {
		ij.Images = 1
	}
	return ij
}

// Get returns the value of key, "" when absent.
func (ij *ImageJ) Get(key string) string {
	for _, f := range ij.Fields {
		if f[0] == key {
			return f[1]
		}
	}
	return ""
}

// Description formats an ImageJ description for a stack of channels×slices×frames images
// (hyperstack when more than one dimension is above 1) followed by extra key=value lines.
func Description(channels, slices, frames int, extra ...[2]string) string {
	var b strings.Builder
	b.WriteString("ImageJ=1.11a\n")
	b.WriteString("images=" + strconv.Itoa(channels*slices*frames) + "\n")
	dims := 0
	for _, kv := range [][2]int{{'c', channels}, {'s', slices}, {'f', frames}} {
		if kv[1] > 1 {
			dims++
		}
	}
	if channels > 1 {
		b.WriteString("channels=" + strconv.Itoa(channels) + "\n")
	}
	if slices > 1 {
		b.WriteString("slices=" + strconv.Itoa(slices) + "\n")
	}
	if frames > 1 {
		b.WriteString("frames=" + strconv.Itoa(frames) + "\n")
	}
	if dims > 1 {
		b.WriteString("hyperstack=true\n")
	}
	for _, kv := range extra {
		b.WriteString(kv[0] + "=" + kv[1] + "\n")
	}
	return b.String()
}
