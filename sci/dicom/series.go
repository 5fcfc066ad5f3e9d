package dicom

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Open parses the DICOM file at path. The file stays open for ReadFrame until Close.
func Open(path string) (*File, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	st, err := fh.Stat()
	if err != nil {
		fh.Close()
		return nil, err
	}
	f, err := Parse(fh, st.Size())
	if err != nil {
		fh.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	f.path = path
	return f, nil
}

// Close closes the underlying file when it is an io.Closer.
func (f *File) Close() error {
	if c, ok := f.r.(io.Closer); ok {
		return c.Close()
	}
	return nil
}

// Path is the file's path when it was opened by name ("" for Parse).
func (f *File) Path() string { return f.path }

// Series is the DICOM files of one series in a folder, in slice order.
type Series struct {
	Dir     string
	Names   []string // base names, parallel to Files
	Files   []*File
	Skipped []string // files in the folder that are not DICOM images (no DICM magic, no pixel data)
}

// Frames is the number of frames of all files together.
func (s *Series) Frames() int {
	n := 0
	for _, f := range s.Files {
		n += f.Image.Frames
	}
	return n
}

// Close closes every file.
func (s *Series) Close() error {
	var errs []error
	for _, f := range s.Files {
		errs = append(errs, f.Close())
	}
	return errors.Join(errs...)
}

// isDICOMFile reports whether the file at path has the Part 10 magic.
func isDICOMFile(path string) bool {
	fh, err := os.Open(path)
	if err != nil {
		return false
	}
	defer fh.Close()
	b := make([]byte, 132)
	if _, err := io.ReadFull(fh, b); err != nil {
		return false
	}
	return IsDICOM(b)
}

// HoldsDICOM reports whether dir holds at least one DICOM Part 10 file (not counting hidden
// files and subfolders), which makes it a DICOM series rather than, say, a folder of PNGs.
func HoldsDICOM(dir string) bool {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, e := range ents {
		name := e.Name()
		if strings.HasPrefix(name, ".") || e.IsDir() {
			continue
		}
		if isDICOMFile(filepath.Join(dir, name)) {
			return true
		}
	}
	return false
}

// OpenSeries opens the DICOM images in dir (not its subfolders), which must belong to one
// series and share their geometry and pixel format. Files without the DICM magic or without
// pixel data are skipped and listed. Files are ordered by InstanceNumber, then by position
// along the slice normal, then by name.
func OpenSeries(dir string) (*Series, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	s := &Series{Dir: dir}
	fail := func(err error) (*Series, error) { s.Close(); return nil, err }
	for _, e := range ents {
		name := e.Name()
		path := filepath.Join(dir, name)
		if !e.Type().IsRegular() || strings.HasPrefix(name, ".") || strings.EqualFold(name, "DICOMDIR") || !isDICOMFile(path) {
			if e.Type().IsRegular() {
				s.Skipped = append(s.Skipped, name)
			}
			continue
		}
		f, err := Open(path)
		if err == nil {
			// Hold no file open per image (a series may have thousands): reads reopen it.
			f.Close()
			f.r, f.path = nil, path
		}
		if err != nil {
			if errors.Is(err, ErrFormat) && strings.Contains(err.Error(), "no pixel data") {
				s.Skipped = append(s.Skipped, name)
				continue
			}
			return fail(err)
		}
		s.Names = append(s.Names, name)
		s.Files = append(s.Files, f)
	}
	if len(s.Files) == 0 {
		return fail(fmt.Errorf("dicom: no DICOM images in %s", dir))
	}
	a := &s.Files[0].Image
	series := map[string]bool{}
	for i, f := range s.Files {
		b := &f.Image
		series[b.SeriesInstanceUID] = true
		if b.Rows != a.Rows || b.Columns != a.Columns || b.Samples != a.Samples || b.BitsAllocated != a.BitsAllocated ||
			b.BitsStored != a.BitsStored || b.Signed != a.Signed || b.Photometric != a.Photometric {
			return fail(fmt.Errorf("dicom: %s is %dx%dx%d %d/%d-bit %s, %s is %dx%dx%d %d/%d-bit %s: not one series",
				s.Names[i], b.Columns, b.Rows, b.Samples, b.BitsStored, b.BitsAllocated, b.Photometric,
				s.Names[0], a.Columns, a.Rows, a.Samples, a.BitsStored, a.BitsAllocated, a.Photometric))
		}
	}
	if len(series) > 1 {
		return fail(fmt.Errorf("dicom: %s holds images of %d series; put each series in its own folder", dir, len(series)))
	}
	// Slice normal from the first file's orientation.
	var normal [3]float64
	if a.HasOrientation {
		o := a.Orientation
		normal = [3]float64{o[1]*o[5] - o[2]*o[4], o[2]*o[3] - o[0]*o[5], o[0]*o[4] - o[1]*o[3]}
	}
	dist := func(f *File) float64 {
		p := f.Image.Position
		return p[0]*normal[0] + p[1]*normal[1] + p[2]*normal[2]
	}
	idx := make([]int, len(s.Files))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(x, y int) bool {
		a, b := &s.Files[idx[x]].Image, &s.Files[idx[y]].Image
		if a.HasInstanceNumber && b.HasInstanceNumber && a.InstanceNumber != b.InstanceNumber {
			return a.InstanceNumber < b.InstanceNumber
		}
		if a.HasPosition && b.HasPosition {
			if da, db := dist(s.Files[idx[x]]), dist(s.Files[idx[y]]); da != db {
				return da < db
			}
		}
		return s.Names[idx[x]] < s.Names[idx[y]]
	})
	files, names := make([]*File, len(idx)), make([]string, len(idx))
	for i, k := range idx {
		files[i], names[i] = s.Files[k], s.Names[k]
	}
	s.Files, s.Names = files, names
	return s, nil
}
