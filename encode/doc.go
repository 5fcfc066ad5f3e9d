// Package encode writes working-format frames out through FFmpeg: the container and codec
// come from the output's name or flags, the source's pixel format and bit depth are kept
// unless asked otherwise, audio and subtitle packets are copied untouched, and the trailer
// is always written so that even an interrupted output stays valid.
package encode
