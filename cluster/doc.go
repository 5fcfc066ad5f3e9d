// Package cluster runs denoise jobs across many workers through NATS JetStream.
//
// A submitter (Submit) cuts a job into items — a long video into pieces of consecutive
// frames, with enough frames on either side for the temporal window, and a folder of inputs
// into one item per file — and publishes them on a work-queue stream. Workers (Worker), any
// number on any machines, pull one item at a time, run it through job.Run (the command's
// own code path), keep the message alive with in-progress acknowledgements while they
// work, store the output and only then acknowledge. Each item's state lives in a key-value
// bucket, which is what the submitter watches, what makes a restarted submitter resume,
// and what makes a redelivered item that is already done a no-op. Inputs and outputs
// travel through a path every machine sees, a URL FFmpeg reads, or JetStream's object
// store. The submitter puts the pieces back together in order, with the source's audio and
// subtitles, through the same encoder as a single run.
//
// The names on the server (Names) are fixed, so that workers and submitters started apart
// find each other: the stream DENOISE_WORK (subjects denoise.work.<job>), its consumer
// denoise-workers, the key-value bucket denoise-jobs and the object store denoise-data.
package cluster
