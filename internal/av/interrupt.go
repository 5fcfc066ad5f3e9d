package av

/*
#include <libavformat/avformat.h>
#include <libavutil/time.h>
#include <libavutil/mem.h>

// A ReadWatch is an input's interrupt callback. FFmpeg calls it while it waits for data
// (every 100 ms or less on network protocols and on a non-blocking pipe), and from the
// UDP protocol's receiving thread too: every field is read and written atomically.
typedef struct {
	AVFormatContext *fc;
	int64_t timeout;   // µs without a new byte, while reading, that count as a stall; 0: none
	int cancel;        // set by the job: stop every read at once
	int stalled;       // set here once the timeout passed
	int reading;       // a read is in progress (the stall clock runs only then)
	int64_t last;      // when the byte count last moved (0: not yet seen in this read)
	int64_t seen;      // the byte count then
} ReadWatch;

static int read_watch_cb(void *opaque) {
	ReadWatch *w = opaque;
	if (__atomic_load_n(&w->cancel, __ATOMIC_ACQUIRE) || __atomic_load_n(&w->stalled, __ATOMIC_ACQUIRE))
		return 1;
	if (w->timeout <= 0 || !__atomic_load_n(&w->reading, __ATOMIC_ACQUIRE))
		return 0;
	int64_t now = av_gettime_relative();
	AVIOContext *pb = __atomic_load_n(&w->fc->pb, __ATOMIC_ACQUIRE);
	int64_t bytes = pb ? __atomic_load_n(&pb->bytes_read, __ATOMIC_RELAXED) : 0;
	int64_t last = __atomic_load_n(&w->last, __ATOMIC_ACQUIRE);
	if (last == 0 || bytes != __atomic_load_n(&w->seen, __ATOMIC_ACQUIRE)) {
		__atomic_store_n(&w->seen, bytes, __ATOMIC_RELEASE);
		__atomic_store_n(&w->last, now, __ATOMIC_RELEASE);
		return 0;
	}
	if (now - last > w->timeout) {
		__atomic_store_n(&w->stalled, 1, __ATOMIC_RELEASE);
		return 1;
	}
	return 0;
}

static ReadWatch *read_watch_new(AVFormatContext *fc, int64_t timeout) {
	ReadWatch *w = av_mallocz(sizeof(ReadWatch));
	if (!w)
		return NULL;
	w->fc = fc;
	w->timeout = timeout;
	w->reading = 1; // opening reads
	fc->interrupt_callback.callback = read_watch_cb;
	fc->interrupt_callback.opaque = w;
	return w;
}

static void read_watch_set(int *p, int v) { __atomic_store_n(p, v, __ATOMIC_RELEASE); }
static int read_watch_get(int *p) { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }
static void read_watch_begin(ReadWatch *w) {
	__atomic_store_n(&w->last, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&w->reading, 1, __ATOMIC_RELEASE);
}
*/
import "C"

import (
	"time"
	"unsafe"
)

// ReadWatch is the interrupt callback of an input's AVFormatContext: it stops a read that
// waits for data (av_read_frame, avformat_open_input, avformat_find_stream_info) when the
// job is cancelled, or when no byte arrived for a timeout while reading. FFmpeg consults it
// only where it polls: network protocols, and a pipe made non-blocking (see SetNonblock).
type ReadWatch struct{ c *C.ReadWatch }

// NewReadWatch installs the callback on fc (an AVFormatContext, before avformat_open_input)
// with timeout (0: no timeout). Free it after the input is closed.
func NewReadWatch(fc unsafe.Pointer, timeout time.Duration) *ReadWatch {
	c := C.read_watch_new((*C.AVFormatContext)(fc), C.int64_t(timeout.Microseconds()))
	if c == nil {
		return nil
	}
	return &ReadWatch{c}
}

// Cancel makes every read, current or later, return AVERROR_EXIT. Safe from any goroutine.
func (w *ReadWatch) Cancel() { C.read_watch_set(&w.c.cancel, 1) }

// Cancelled reports whether Cancel was called.
func (w *ReadWatch) Cancelled() bool { return C.read_watch_get(&w.c.cancel) != 0 }

// Stalled reports whether a read was stopped because no data came for the timeout.
func (w *ReadWatch) Stalled() bool { return C.read_watch_get(&w.c.stalled) != 0 }

// Begin starts the stall clock for a read; End stops it, so that time spent away from the
// input (a full queue downstream) never counts as a stall.
func (w *ReadWatch) Begin() { C.read_watch_begin(w.c) }

// End: see Begin.
func (w *ReadWatch) End() { C.read_watch_set(&w.c.reading, 0) }

// Free releases the callback's state; the input must be closed already.
func (w *ReadWatch) Free() {
	C.av_free(unsafe.Pointer(w.c))
	w.c = nil
}
