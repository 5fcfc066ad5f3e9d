// Command plugin is the GStreamer plugin libgstdenoise.so, built with
//
//	go build -buildmode=c-shared -o build/gst/libgstdenoise.so ./gst/plugin
//
// It registers the element denoise (gstdenoise.c, GStreamer's side: pads, properties,
// events, queries) whose frames run through package gst, the command's stages.
package main

/*
#cgo pkg-config: gstreamer-1.0 gstreamer-video-1.0
#include <stdlib.h>
#include "gstdenoise.h"
*/
import "C"

import (
	"errors"
	"runtime"
	"runtime/cgo"
	"unsafe"

	"github.com/denoise-go/denoise/frame"
	"github.com/denoise-go/denoise/gst"
)

func main() {}

// GStreamer's flow returns the Go side gives back.
const (
	flowOK    = 0
	flowError = -5
)

// flowErr is an output push that GStreamer refused (not linked, flushing, EOS): the chain
// returns its flow, and posts no error of its own.
type flowErr C.int

func (f flowErr) Error() string { return "flow " + C.GoString(C.gst_flow_get_name(C.GstFlowReturn(f))) }

// host is the element's GStreamer side for package gst.
type host struct{ self *C.GstDenoise }

func (h host) Output(f *frame.Frame, m gst.Meta, c *gst.Converter) error {
	var planes [4]*C.uint8_t
	var strides [4]C.int
	vf := C.denoise_out_begin(h.self, &planes[0], &strides[0])
	if vf == nil {
		return errors.New("could not allocate an output buffer")
	}
	var p [4]unsafe.Pointer
	var s [4]int
	for i := range planes {
		p[i], s[i] = unsafe.Pointer(planes[i]), int(strides[i])
	}
	c.Write(f, p, s)
	r := C.denoise_out_push(h.self, vf, C.uint64_t(m.PTS), C.uint64_t(m.DTS), C.uint64_t(m.Duration),
		C.uint64_t(m.Offset), C.uint64_t(m.OffsetEnd), C.uint32_t(m.Flags))
	if r != flowOK {
		return flowErr(r)
	}
	return nil
}

func (h host) Event(ev unsafe.Pointer, push bool) {
	p := C.int(0)
	if push {
		p = 1
	}
	C.denoise_event(h.self, ev, p)
}

func (h host) Dropped(m gst.Meta, processed, dropped uint64) {
	C.denoise_qos(h.self, C.uint64_t(m.PTS), C.uint64_t(m.Duration), C.uint64_t(processed), C.uint64_t(dropped))
}

func props(p *C.DenoiseProps) gst.Props {
	str := func(s *C.gchar) string {
		if s == nil {
			return ""
		}
		return C.GoString((*C.char)(s))
	}
	return gst.Props{Mode: str(p.mode), Preset: str(p.preset), Sigma: float64(p.sigma), Strength: float64(p.strength),
		Radius: int(p.radius), Causal: p.causal != 0, Model: str(p.model), Threads: int(p.threads),
		ImpulseKind: str(p.impulse_kind), Live: str(p.live)}
}

// setErr hands err's message to C, which frees it.
func setErr(out **C.char, err error) {
	if out != nil && err != nil {
		*out = C.CString(err.Error())
	}
}

func element(h C.uintptr_t) *gst.Element { return cgo.Handle(h).Value().(*gst.Element) }

//export godenCheck
func godenCheck(p *C.DenoiseProps, errOut **C.char) C.int {
	if _, err := props(p).Config(); err != nil {
		setErr(errOut, err)
		return 0
	}
	return 1
}

//export godenOpen
func godenOpen(self *C.GstDenoise, p *C.DenoiseProps, errOut **C.char) C.uintptr_t {
	e, err := gst.New(host{self}, props(p))
	if err != nil {
		setErr(errOut, err)
		return 0
	}
	return C.uintptr_t(cgo.NewHandle(e))
}

//export godenClose
func godenClose(h C.uintptr_t) {
	element(h).Close()
	cgo.Handle(h).Delete()
}

//export godenStart
func godenStart(h C.uintptr_t, format *C.char, w, ht C.int, live C.gboolean, errOut **C.char) C.int {
	if err := element(h).Start(C.GoString(format), int(w), int(ht), live != 0); err != nil {
		setErr(errOut, err)
		return 0
	}
	return 1
}

// flow turns an error of Push or Drain into GStreamer's flow return, with a message for
// the bus when it is the element's own failure.
func flow(err error, errOut **C.char) C.int {
	var f flowErr
	switch {
	case err == nil:
		return flowOK
	case errors.As(err, &f):
		return C.int(f)
	}
	setErr(errOut, err)
	return flowError
}

//export godenPush
func godenPush(h C.uintptr_t, planes **C.uint8_t, strides *C.int, pts, dts, dur, off, offEnd C.uint64_t,
	flags C.uint32_t, errOut **C.char) C.int {
	var p [4]unsafe.Pointer
	var s [4]int
	ps, ss := unsafe.Slice(planes, 4), unsafe.Slice(strides, 4)
	for i := range p {
		p[i], s[i] = unsafe.Pointer(ps[i]), int(ss[i])
	}
	m := gst.Meta{PTS: uint64(pts), DTS: uint64(dts), Duration: uint64(dur), Offset: uint64(off),
		OffsetEnd: uint64(offEnd), Flags: uint32(flags)}
	return flow(element(h).Push(p, s, m), errOut)
}

//export godenDrain
func godenDrain(h C.uintptr_t, errOut **C.char) C.int {
	return flow(element(h).Drain(), errOut)
}

//export godenDiscard
func godenDiscard(h C.uintptr_t) {
	if h != 0 {
		element(h).Discard()
	}
}

//export godenHold
func godenHold(h C.uintptr_t, ev unsafe.Pointer) { element(h).Hold(ev) }

//export godenLookahead
func godenLookahead(h C.uintptr_t) C.int { return C.int(element(h).Lookahead()) }

//export godenStats
func godenStats(h C.uintptr_t, frames, dropped *C.uint64_t, sigma *C.double, latency *C.uint64_t) {
	s := element(h).Stats()
	*frames, *dropped, *sigma, *latency = C.uint64_t(s.Frames), C.uint64_t(s.Dropped), C.double(s.Sigma), C.uint64_t(s.Latency)
}

// denoise_goroutines is for tests that create and destroy elements in one process: the
// goroutines of the plugin's Go runtime.
//
//export denoise_goroutines
func denoise_goroutines() C.int { return C.int(runtime.NumGoroutine()) }

// denoise_heap_bytes is the live Go heap after a collection, for the same tests.
//
//export denoise_heap_bytes
func denoise_heap_bytes() C.int64_t {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return C.int64_t(m.HeapAlloc)
}
