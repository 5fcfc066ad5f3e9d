package decode

import (
	"bufio"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
)

// deepChroma matches the C tags of samples wider than 8 bits (420p10, 444p16, mono16).
var deepChroma = regexp.MustCompile(`(p|mono)(9|1[0-6])$`)

// explainY4M replaces the error of an input that failed to open with what is wrong with its
// Y4M header, when it is a Y4M file whose header FFmpeg's demuxer cannot use: FFmpeg says
// only "Device or resource busy" of a zero width, and "no frames" of a size the data cannot
// hold.
func explainY4M(opts Options, err error) error {
	if opts.Input == "-" || (opts.Format != "" && opts.Format != "yuv4mpegpipe") {
		return err
	}
	if why := y4mHeaderProblem(opts.Input); why != "" {
		return fmt.Errorf("open %s: bad Y4M header: %s", opts.Input, why)
	}
	return err
}

// y4mHeaderProblem reads path's Y4M header and says what is wrong with it, or "" when it is
// not a Y4M file or nothing is.
func y4mHeaderProblem(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		return ""
	}
	line, err := bufio.NewReaderSize(f, 4096).ReadString('\n')
	if !strings.HasPrefix(line, "YUV4MPEG2") {
		return ""
	}
	if err != nil {
		return "it does not end within the first 4096 bytes"
	}
	w, h, chroma := -1, -1, "420jpeg"
	for _, tok := range strings.Fields(line)[1:] {
		switch tok[0] {
		case 'W', 'H':
			n, err := strconv.Atoi(tok[1:])
			if err != nil || n <= 0 {
				return fmt.Sprintf("%s: the %s must be a positive whole number", tok, map[byte]string{'W': "width", 'H': "height"}[tok[0]])
			}
			if tok[0] == 'W' {
				w = n
			} else {
				h = n
			}
		case 'C':
			chroma = tok[1:]
		}
	}
	switch {
	case w < 0:
		return "no width (W)"
	case h < 0:
		return "no height (H)"
	case int64(w+128)*int64(h+128) >= (1<<31-1)/8:
		return fmt.Sprintf("%dx%d is larger than FFmpeg's limit for a picture", w, h)
	}
	size := int64(w) * int64(h)
	switch {
	case strings.HasPrefix(chroma, "444alpha"):
		size *= 4
	case strings.HasPrefix(chroma, "444"):
		size *= 3
	case strings.HasPrefix(chroma, "422"):
		size *= 2
	case strings.HasPrefix(chroma, "mono"):
	default: // 420, 411
		size = size * 3 / 2
	}
	if deepChroma.MatchString(chroma) {
		size *= 2 // 9 to 16 bits a sample
	}
	if data := st.Size() - int64(len(line)); data < size+6 {
		return fmt.Sprintf("W%d H%d C%s frames take %d bytes each, but the file holds %d bytes after the header", w, h, chroma, size+6, data)
	}
	return ""
}
