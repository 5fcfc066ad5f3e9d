// Package decode opens any input FFmpeg can read — files, image sequences, single images,
// raw video, pipes, capture devices, network streams — and yields its video as working-format
// frames, converting each frame exactly once. Streams it does not decode (audio, subtitles)
// are handed on as packets for the muxer to copy.
package decode
