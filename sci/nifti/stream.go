package nifti

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
)

// Reader reads the xy slices of a .nii or .nii.gz file one at a time, so that a volume of any
// size is read in the memory of a slice. Image holds the header and the extensions; its Data
// stays nil. Slices are read from the (decompressed) stream in order: reading a slice before
// the last one read starts the stream again, so read them in order. It is safe for
// concurrent use.
type Reader struct {
	Image
	path string

	mu      sync.Mutex
	fh      *os.File
	data    io.Reader // at the start of slice next (gzip)
	closeFn func()
	next    int
}

// OpenReader opens path and reads its header and extensions.
func OpenReader(path string) (*Reader, error) {
	r := &Reader{path: path}
	if err := r.open(); err != nil {
		r.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return r, nil
}

func (r *Reader) open() error {
	fh, err := os.Open(r.path)
	if err != nil {
		return err
	}
	r.fh = fh
	im, data, closeFn, err := decodeHead(fh)
	if err != nil {
		return err
	}
	r.Image, r.data, r.closeFn, r.next = *im, data, closeFn, 0
	return nil
}

// Bytes is the size of the voxel data the header claims.
func (r *Reader) Bytes() int64 { return int64(r.SliceBytes()) * int64(r.Slices()) }

// ReadSlice reads xy slice i (z fastest, then t), little-endian, into dst (reallocated when
// too small) and returns it.
func (r *Reader) ReadSlice(i int, dst []byte) ([]byte, error) {
	if i < 0 || i >= r.Slices() {
		return dst, fmt.Errorf("nifti: slice %d of %d", i, r.Slices())
	}
	n := r.SliceBytes()
	if cap(dst) < n {
		dst = make([]byte, n)
	}
	dst = dst[:n]
	var err error
	if r.Gzip {
		err = r.readStream(i, dst)
	} else {
		var got int
		got, err = r.fh.ReadAt(dst, r.VoxOffset+int64(i)*int64(n))
		if got == n {
			err = nil
		}
	}
	if err != nil {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return dst, fmt.Errorf("%s: %w", r.path, formatErr("the voxel data ends in slice %d of %d (the header claims %d×%d×%d×%d %s, %d bytes)",
				i, r.Slices(), r.NX(), r.NY(), r.NZ(), r.NT(), r.DType, r.Bytes()))
		}
		return dst, fmt.Errorf("%s: slice %d: %w", r.path, i, err)
	}
	if r.Order == binary.BigEndian {
		r.DType.Swap(dst)
	}
	return dst, nil
}

func (r *Reader) readStream(i int, dst []byte) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fh == nil {
		return os.ErrClosed
	}
	if i < r.next {
		r.closeFn()
		r.fh.Close()
		r.fh = nil
		if err := r.open(); err != nil {
			return err
		}
	}
	if skip := int64(i-r.next) * int64(len(dst)); skip > 0 {
		if _, err := io.CopyN(io.Discard, r.data, skip); err != nil {
			return err
		}
	}
	r.next = i
	if _, err := io.ReadFull(r.data, dst); err != nil {
		return err
	}
	r.next = i + 1
	return nil
}

// Close closes the file.
func (r *Reader) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closeFn != nil {
		r.closeFn()
		r.closeFn = nil
	}
	if r.fh == nil {
		return nil
	}
	err := r.fh.Close()
	r.fh = nil
	return err
}

// Writer writes a volume slice by slice: the header (verbatim) and extensions of an Image,
// then its slices in order, gzip-compressed when the name ends in ".gz".
type Writer struct {
	im   Image
	fh   *os.File
	bw   *bufio.Writer
	zw   *gzip.Writer
	w    io.Writer
	next int
	buf  []byte
}

// Create creates path and writes im's header and extensions (im.Data is not used).
func Create(path string, im *Image) (*Writer, error) {
	fh, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	w := &Writer{im: *im, fh: fh, bw: bufio.NewWriterSize(fh, 1<<20)}
	w.im.Data = nil
	w.w = w.bw
	if strings.HasSuffix(strings.ToLower(path), ".gz") {
		w.zw = gzip.NewWriter(w.bw)
		w.w = w.zw
	}
	if _, err = w.w.Write(w.im.Raw[:]); err == nil {
		_, err = w.w.Write(w.im.Extra)
	}
	if err != nil {
		fh.Close()
		return nil, err
	}
	return w, nil
}

// Next is the index of the slice WriteSlice takes next.
func (w *Writer) Next() int { return w.next }

// WriteSlice writes the next slice, little-endian as ReadSlice returns it.
func (w *Writer) WriteSlice(data []byte) error {
	if w.next >= w.im.Slices() {
		return fmt.Errorf("nifti: slice %d written to a volume of %d", w.next+1, w.im.Slices())
	}
	if len(data) != w.im.SliceBytes() {
		return fmt.Errorf("nifti: slice of %d bytes, want %d", len(data), w.im.SliceBytes())
	}
	if w.im.Order == binary.BigEndian && w.im.DType.Size() > 1 {
		w.buf = append(w.buf[:0], data...)
		w.im.DType.Swap(w.buf)
		data = w.buf
	}
	if _, err := w.w.Write(data); err != nil {
		return err
	}
	w.next++
	return nil
}

// Close writes zeros for the slices never written and finishes the file.
func (w *Writer) Close() (err error) {
	if w.fh == nil {
		return nil
	}
	defer func() {
		if e := w.fh.Close(); err == nil {
			err = e
		}
		w.fh = nil
	}()
	if w.next < w.im.Slices() {
		zero := make([]byte, w.im.SliceBytes())
		for w.next < w.im.Slices() {
			if err := w.WriteSlice(zero); err != nil {
				return err
			}
		}
	}
	if w.zw != nil {
		if err := w.zw.Close(); err != nil {
			return err
		}
	}
	return w.bw.Flush()
}
