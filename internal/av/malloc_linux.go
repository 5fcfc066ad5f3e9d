package av

/*
#include <malloc.h>

static int fixed_mmap_threshold(int bytes) { return mallopt(M_MMAP_THRESHOLD, bytes); }
*/
import "C"

// largeBuffer is the size from which the C allocator maps a buffer on its own and unmaps it
// when it is freed: above FFmpeg's small allocations, below an 8-bit 4:2:0 picture from
// 1024×683 up (a 720p one is 1.4 MB), the sizes whose pictures and packets filled the arenas.
const largeBuffer = 1 << 20

// ReturnLargeBuffers has the C allocator give every buffer of a megabyte or more back to the
// system when it is freed. By default glibc raises that threshold to the size of the largest
// buffer freed so far, so once FFmpeg has freed its first packet or picture the later ones
// come from its arenas and stay there when freed: each thread that decodes, converts or
// encodes keeps a few frames' worth (at 1080p, 36 MB of peak RSS more for the quality
// preset). Mapping them costs a page fault per 4 KiB on first touch instead. It is a setting
// of the whole process: the command makes it at start.
func ReturnLargeBuffers() {
	C.fixed_mmap_threshold(largeBuffer)
}
