// Package frame holds the working format every filter sees: planar float32 samples in [0,1],
// with the source's pixel-format facts, colour metadata and timestamps carried alongside,
// and a pool that recycles frames of one geometry so the steady state does not allocate.
// It is a leaf package: it imports nothing of this module.
package frame
