package decode

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// imageKinds maps the extensions of the still-image formats FFmpeg's image2 demuxer reads
// to one name per format, so that .jpg and .jpeg (or .tif and .tiff) count as one kind.
var imageKinds = map[string]string{
	".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg", ".tif": "tiff", ".tiff": "tiff", ".bmp": "bmp",
	".webp": "webp", ".exr": "exr", ".dpx": "dpx", ".pgm": "pnm", ".ppm": "pnm", ".pnm": "pnm",
	".pbm": "pnm", ".pam": "pam", ".pfm": "pfm", ".tga": "tga", ".sgi": "sgi", ".jp2": "jpeg2000",
	".j2k": "jpeg2000", ".hdr": "hdr", ".qoi": "qoi", ".pcx": "pcx", ".xbm": "xbm", ".xwd": "xwd",
	".ras": "sunrast", ".sun": "sunrast", ".jls": "jpegls",
}

func imageKind(name string) string { return imageKinds[strings.ToLower(filepath.Ext(name))] }

// sequenceFiles returns the images that input names as a sequence, in name order: the
// images of a folder, or the files a glob (seq/*.png) matches. It returns nil, nil for
// anything else (a file, an image2 pattern such as img_%04d.png, a URL).
func sequenceFiles(input string) ([]string, error) {
	if st, err := os.Stat(input); err == nil {
		if !st.IsDir() {
			return nil, nil
		}
		return folderImages(input)
	}
	if !strings.ContainsAny(input, "*?[") {
		return nil, nil
	}
	return globImages(input)
}

// folderImages lists dir's images when they are all of one kind; hidden files and
// subfolders are ignored, anything else is refused with the way to name the images.
func folderImages(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, unwrapPathErr(err)
	}
	byKind := map[string][]string{}
	var kinds, others []string
	for _, e := range ents {
		name := e.Name()
		if strings.HasPrefix(name, ".") {
			continue
		}
		path := filepath.Join(dir, name)
		if st, err := os.Stat(path); err != nil || !st.Mode().IsRegular() {
			continue
		}
		k := imageKind(name)
		if k == "" {
			others = append(others, name)
			continue
		}
		if byKind[k] == nil {
			kinds = append(kinds, k)
		}
		byKind[k] = append(byKind[k], path)
	}
	glob := func(ext string) string { return "-i '" + filepath.Join(dir, "*"+ext) + "'" }
	switch {
	case len(kinds) == 0 && len(others) == 0:
		return nil, errors.New("the folder is empty: give a folder of images, a file, or a pattern")
	case len(kinds) == 0:
		return nil, fmt.Errorf("the folder holds neither images FFmpeg knows by their extension nor DICOM files (%s): give a file, or name the images with a pattern such as -i '%s'",
			some(others), filepath.Join(dir, "frame_%04d.png"))
	case len(kinds) > 1:
		var counts []string
		for _, k := range kinds {
			counts = append(counts, fmt.Sprintf("%d %s", len(byKind[k]), filepath.Ext(byKind[k][0])))
		}
		return nil, fmt.Errorf("the folder holds images of more than one kind (%s): pick one kind with a glob, e.g. %s",
			strings.Join(counts, ", "), glob(filepath.Ext(byKind[kinds[0]][0])))
	case len(others) > 0:
		files := byKind[kinds[0]]
		return nil, fmt.Errorf("the folder holds %d %s images and other files (%s): name the images with a glob, e.g. %s",
			len(files), filepath.Ext(files[0]), some(others), glob(filepath.Ext(files[0])))
	}
	files := byKind[kinds[0]]
	slices.SortFunc(files, compareNames)
	return files, nil
}

// globImages expands a glob into the regular files it matches, which must be of one kind.
func globImages(pattern string) ([]string, error) {
	matches, err := filepath.Glob(pattern)
	if err != nil {
		return nil, fmt.Errorf("bad glob pattern: %w", err)
	}
	var files []string
	exts := map[string]bool{}
	var kinds []string
	for _, m := range matches {
		if st, err := os.Stat(m); err != nil || !st.Mode().IsRegular() {
			continue
		}
		files = append(files, m)
		k := imageKind(m)
		if k == "" {
			k = strings.ToLower(filepath.Ext(m))
		}
		if !exts[k] {
			exts[k] = true
			kinds = append(kinds, filepath.Ext(m))
		}
	}
	if len(files) == 0 {
		return nil, errors.New("no file matches the pattern")
	}
	if len(kinds) > 1 {
		return nil, fmt.Errorf("the pattern matches files of more than one kind (%s): narrow it to one, e.g. '%s'",
			strings.Join(kinds, ", "), filepath.Join(filepath.Dir(pattern), "*"+kinds[0]))
	}
	slices.SortFunc(files, compareNames)
	return files, nil
}

// some names the first few of names.
func some(names []string) string {
	if len(names) > 3 {
		return strings.Join(names[:3], ", ") + ", …"
	}
	return strings.Join(names, ", ")
}

// compareNames orders file names as people read them: runs of digits by their value
// (frame_2 before frame_10), everything else byte by byte; names equal that way (frame_01,
// frame_1) fall back to byte order. Zero-padded names sort as they would byte by byte.
func compareNames(a, b string) int {
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		ca, cb := a[i], b[j]
		if isDigit(ca) && isDigit(cb) {
			si, sj := i, j
			for i < len(a) && isDigit(a[i]) {
				i++
			}
			for j < len(b) && isDigit(b[j]) {
				j++
			}
			na := strings.TrimLeft(a[si:i], "0")
			nb := strings.TrimLeft(b[sj:j], "0")
			if len(na) != len(nb) {
				return len(na) - len(nb)
			}
			if c := strings.Compare(na, nb); c != 0 {
				return c
			}
			continue
		}
		if ca != cb {
			return int(ca) - int(cb)
		}
		i++
		j++
	}
	if c := (len(a) - i) - (len(b) - j); c != 0 {
		return c
	}
	return strings.Compare(a, b)
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// linkSequence makes a temporary folder of numbered links to files, in their order, and
// returns it with the image2 pattern that reads them: FFmpeg then reads the sequence as it
// reads img_%04d.png, whatever the names were and whatever gaps their numbers had.
func linkSequence(files []string) (dir, pattern string, err error) {
	dir, err = os.MkdirTemp("", "denoise-seq-")
	if err != nil {
		return "", "", fmt.Errorf("making a folder for the sequence: %w", err)
	}
	ext := strings.ToLower(filepath.Ext(files[0]))
	for i, f := range files {
		abs, err := filepath.Abs(f)
		if err == nil {
			err = os.Symlink(abs, filepath.Join(dir, fmt.Sprintf("%08d%s", i, ext)))
		}
		if err != nil {
			_ = os.RemoveAll(dir)
			return "", "", fmt.Errorf("linking the sequence's images: %w", err)
		}
	}
	return dir, filepath.Join(strings.ReplaceAll(dir, "%", "%%"), "%08d"+ext), nil
}
