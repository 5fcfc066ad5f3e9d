#!/usr/bin/python3
# Regenerates the small TIFF fixtures of sci/tiffstack (tifffile 2023.2 and Pillow 9.4 with
# libtiff, Debian 12). Sample (page p, sample s, row y, column x) follows val() below; the
# Go tests recompute it.
import numpy as np, tifffile
from PIL import Image

def val(dtype, p, s, y, x):
    v = (x * 257 + y * 4099 + p * 131 + s * 1009) % 65536
    if dtype == np.uint8: return v % 256
    if dtype == np.int8: return v % 256 - 128
    if dtype == np.int16: return v - 32768
    if dtype == np.float32: return v * 0.25 - 100.5
    return v

def stack(dtype, pages, h, w, s=1):
    a = np.zeros((pages, h, w, s), dtype=dtype)
    for p in range(pages):
        for k in range(s):
            for y in range(h):
                for x in range(w):
                    a[p, y, x, k] = val(dtype, p, k, y, x)
    return a

# ImageJ hyperstack T=2 Z=3 C=2, 16-bit, pages in CZT order.
a = stack(np.uint16, 12, 6, 5)[..., 0].reshape(2, 3, 2, 6, 5)
tifffile.imwrite("ij_hyper.tif", a, imagej=True, resolution=(1 / 0.25, 1 / 0.25),
                 metadata={"axes": "TZCYX", "unit": "um", "spacing": 1.5, "finterval": 2.0})
# Big-endian RGB 16-bit, chunky, 2 pages.
tifffile.imwrite("be_rgb16.tif", stack(np.uint16, 2, 5, 7, 3), byteorder=">", photometric="rgb")
# Tiled, planar-separate 8-bit RGB, tiles overhang the 20x18 page.
tifffile.imwrite("tiled_planar.tif", stack(np.uint8, 1, 18, 20, 3).transpose(0, 3, 1, 2),
                 tile=(16, 16), planarconfig="separate", photometric="rgb")
tifffile.imwrite("float32.tif", stack(np.float32, 3, 7, 9)[..., 0], photometric="minisblack")
tifffile.imwrite("int16.tif", stack(np.int16, 2, 4, 8)[..., 0])
# Deflate with horizontal predictor, 16-bit gray, 3 strips.
tifffile.imwrite("deflate_pred.tif", stack(np.uint16, 2, 9, 11)[..., 0], compression="zlib",
                 predictor=True, rowsperstrip=4)
# libtiff-written LZW (16-bit gray, several strips) and PackBits (8-bit gray).
Image.fromarray(stack(np.uint16, 1, 40, 33)[0, ..., 0]).save("lzw16.tif", compression="tiff_lzw")
# LZW of noise, long enough to fill the code table (12-bit codes, clear codes): the test
# checks its SHA-256.
noise = np.random.default_rng(1).integers(0, 256, (80, 80), dtype=np.uint8)
Image.fromarray(noise).save("lzw_noise8.tif", compression="tiff_lzw")
import hashlib
print("lzw_noise8 sha256", hashlib.sha256(noise.tobytes()).hexdigest())
Image.fromarray(stack(np.uint8, 1, 13, 21)[0, ..., 0]).save("packbits8.tif", compression="packbits")
# ImageJ stack written with a single IFD, the other images contiguous after it (as ImageJ
# does beyond 4 GB), 4 frames of 16-bit.
tifffile.imwrite("ij_truncated.tif", stack(np.uint16, 4, 3, 5)[..., 0], imagej=True, truncate=True,
                 metadata={"axes": "TYX"})
