package main

import "strings"

// ffmpegArgs rewrites FFmpeg-style options into denoise's long flags, so that people can
// type what they know: -c:v, -crf, -pix_fmt, -vcodec, and -f / -s / -r / -pix_fmt before -i
// (input side) or after it (output side).
func ffmpegArgs(args []string) []string {
	out := make([]string, 0, len(args))
	seenInput := false
	for i := 0; i < len(args); i++ {
		a := args[i]
		next := func() (string, bool) {
			if i+1 < len(args) {
				i++
				return args[i], true
			}
			return "", false
		}
		switch a {
		case "-i":
			seenInput = true
			out = append(out, "--input")
			continue
		case "-c:v", "-vcodec", "-codec:v":
			out = append(out, "--codec")
			continue
		case "-crf":
			out = append(out, "--crf")
			continue
		case "-ss":
			out = append(out, "--start")
			continue
		case "-t":
			out = append(out, "--duration")
			continue
		case "-to":
			out = append(out, "--to")
			continue
		case "-frames:v", "-vframes", "-frames":
			out = append(out, "--max-frames")
			continue
		case "-f":
			if v, ok := next(); ok {
				if seenInput {
					out = append(out, "--output-format", v)
				} else {
					out = append(out, "--input-format", v)
				}
			} else {
				out = append(out, a)
			}
			continue
		case "-pix_fmt":
			if v, ok := next(); ok {
				if seenInput {
					out = append(out, "--pix-fmt", v)
				} else {
					out = append(out, "--input-option", "pixel_format="+v)
				}
			} else {
				out = append(out, a)
			}
			continue
		case "-s", "-video_size":
			if v, ok := next(); ok && !seenInput {
				out = append(out, "--input-option", "video_size="+v)
			} else {
				out = append(out, a, v)
			}
			continue
		case "-r", "-framerate":
			if v, ok := next(); ok && !seenInput {
				out = append(out, "--input-option", "framerate="+v)
			} else {
				out = append(out, a, v)
			}
			continue
		case "--input":
			seenInput = true
		}
		if strings.HasPrefix(a, "--input=") {
			seenInput = true
		}
		out = append(out, a)
	}
	return out
}
