package av

/*
#include <malloc.h>

static int fixed_thresholds(int mmap_bytes, int trim_bytes) {
	return mallopt(M_MMAP_THRESHOLD, mmap_bytes) && mallopt(M_TRIM_THRESHOLD, trim_bytes);
}
*/
import "C"

// largeBuffer is the size from which the C allocator maps a buffer on its own and unmaps it
// when it is freed: above FFmpeg's small allocations and above an 8-bit 4:2:0 picture or
// packet up to 720p (1.4 MB), below one from 1080p up (3.1 MB). Mapping a buffer costs a page
// fault per 4 KiB each time it is touched anew: a 720p picture mapped per frame cost the live
// preset 8 % of its CPU (system time 0.72 → 0.43 s in 60 frames at a threshold of 1 MiB and at
// this one), where keeping such pictures in the arenas costs about 15 MB of peak RSS; from
// 1080p up the arenas would keep 25–36 MB more, which the mapping saves.
const largeBuffer = 2 << 20

// keepTop is the free space at an arena's top above which glibc gives it back. Fixing the
// mapping threshold also fixes this one at its default of 128 KiB (glibc otherwise raises it
// with the mapping threshold), and the top of an arena that had just held a picture was then
// returned and faulted in again every frame.
const keepTop = 32 << 20

// ReturnLargeBuffers has the C allocator give every buffer of largeBuffer or more back to the
// system when it is freed. By default glibc raises that threshold to the size of the largest
// buffer freed so far, so once FFmpeg has freed its first packet or picture the later ones
// come from its arenas and stay there when freed: each thread that decodes, converts or
// encodes keeps a few frames' worth (at 1080p, 36 MB of peak RSS more for the quality
// preset). It is a setting of the whole process: the command makes it at start.
func ReturnLargeBuffers() {
	C.fixed_thresholds(largeBuffer, keepTop)
}
