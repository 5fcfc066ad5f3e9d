#!/usr/bin/env python3
"""OpenCV's non-local means as a `denoise eval` competitor (Debian's python3-opencv).

    opencv_nlm.py [--median] IN OUT H

Reads an 8-bit gray or colour image, optionally applies a 3x3 median first (the classic
answer to impulse noise), runs cv2.fastNlMeansDenoising (patch 7, search 21, strength H;
the coloured variant for colour images) and writes OUT losslessly.
"""
import sys

import cv2


def main(argv):
    median = argv[:1] == ["--median"]
    if median:
        argv = argv[1:]
    if len(argv) != 3:
        sys.exit(__doc__)
    src, dst, h = argv[0], argv[1], float(argv[2])
    img = cv2.imread(src, cv2.IMREAD_UNCHANGED)
    if img is None:
        sys.exit(f"opencv_nlm: cannot read {src}")
    if img.dtype != "uint8":
        sys.exit("opencv_nlm: fastNlMeansDenoising takes 8-bit images only")
    if median:
        img = cv2.medianBlur(img, 3)
    if img.ndim == 2:
        out = cv2.fastNlMeansDenoising(img, None, h, 7, 21)
    else:
        out = cv2.fastNlMeansDenoisingColored(img, None, h, h, 7, 21)
    if not cv2.imwrite(dst, out):
        sys.exit(f"opencv_nlm: cannot write {dst}")


if __name__ == "__main__":
    main(sys.argv[1:])
