package decode

import (
	"errors"

	"github.com/asticode/go-astiav"
)

// describe turns FFmpeg's error codes into the words a user can act on.
func describe(err error) error {
	var e astiav.Error
	if !errors.As(err, &e) {
		return err
	}
	switch {
	case errors.Is(err, astiav.ErrInvaliddata):
		return errors.New("invalid or corrupt data (not a media file FFmpeg can read, or damaged)")
	case errors.Is(err, astiav.ErrEof):
		return errors.New("no frames (the input ends before its first video frame)")
	case errors.Is(err, astiav.ErrEio):
		return errors.New("input/output error")
	}
	return err
}
