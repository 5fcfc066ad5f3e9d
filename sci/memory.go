package sci

import (
	"fmt"

	"github.com/denoise-go/denoise/internal/memlimit"
	"github.com/denoise-go/denoise/sci/sample"
)

// OpenOptions tune OpenWith.
type OpenOptions struct {
	// MemoryLimit is the memory budget in bytes (0: none). See Stack.CheckMemory.
	MemoryLimit int64
}

// A stack is read, denoised and written a few images at a time: a stored page (TIFF),
// frame (DICOM) or slice (NIfTI) is read into a buffer of its size, each channel of it
// becomes a frame of 32-bit floats, and the writer gathers the channels of an output page,
// or the frames of an output DICOM file, before writing it. Nothing holds the whole stack.

// storedBytes is the size of one stored image (all its samples).
func (s *Stack) storedBytes() int64 {
	switch s.Format {
	case TIFF:
		return int64(s.TIFF.Pages[s.tiffPages[0]].PageBytes())
	case DICOM:
		return int64(s.DICOM.Files[0].Image.FrameBytes())
	case NIfTI:
		return int64(s.NIfTI.SliceBytes())
	}
	return 0
}

// storedImages is the number of stored images.
func (s *Stack) storedImages() int64 {
	if s.Format == TIFF {
		return int64(len(s.tiffPages))
	}
	return int64(s.n)
}

// writeBytes is the most the writer holds at once: an output page (twice, for a byte swap)
// or, for DICOM, the pixels of the largest file and the file made of them.
func (s *Stack) writeBytes() int64 {
	if s.Format == DICOM {
		var most int64
		for _, f := range s.DICOM.Files {
			most = max(most, memlimit.Mul(int64(f.Image.FrameBytes()), int64(f.Image.Frames)))
		}
		return memlimit.Mul(most, 2)
	}
	return memlimit.Mul(max(s.storedBytes(), int64(s.Width)*int64(s.Height)*2), 2)
}

// FrameBytes is the size of one frame of the stack: a channel of an image as 32-bit floats.
func (s *Stack) FrameBytes() int64 { return memlimit.Mul(int64(s.Width), int64(s.Height), 4) }

// MemoryNeed is the memory a run holding frames frames at once needs beyond the program: the
// stored image being read, the frames, and what the writer gathers.
func (s *Stack) MemoryNeed(frames int) int64 {
	return memlimit.Add(s.storedBytes(), memlimit.Mul(int64(frames), s.FrameBytes()), s.writeBytes())
}

// CheckMemory returns a *memlimit.Error when a run holding frames frames at once would need
// more than limit bytes (limit 0: no limit).
func (s *Stack) CheckMemory(frames int, limit int64) error {
	need := s.MemoryNeed(frames)
	if limit <= 0 || need <= limit {
		return nil
	}
	noun := map[Format]string{TIFF: "pages", DICOM: "frames", NIfTI: "slices"}[s.Format]
	dtype := sample.DType(0)
	switch s.Format {
	case TIFF:
		dtype = s.TIFF.Pages[s.tiffPages[0]].DType
	case DICOM:
		dtype = s.DICOM.Files[0].Image.DType()
	case NIfTI:
		dtype = s.NIfTI.DType
	}
	shape := fmt.Sprintf("%dx%d", s.Width, s.Height)
	if s.samples > 1 {
		shape += fmt.Sprintf("x%d", s.samples)
	}
	each := s.storedBytes()
	work := fmt.Sprintf("%s to work on one", memlimit.Format(need))
	if frames > 1 {
		work = fmt.Sprintf("%s for the %d frames a run of the mode holds at once", memlimit.Format(need), frames)
	}
	return &memlimit.Error{Limit: limit, What: fmt.Sprintf("the input's %s are %s %s (%s each, %s for the stack; %s)",
		noun, shape, dtype, memlimit.Format(each), memlimit.Format(memlimit.Mul(each, s.storedImages())), work)}
}
