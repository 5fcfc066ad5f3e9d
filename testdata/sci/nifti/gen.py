#!/usr/bin/python3
# Regenerates the small NIfTI-1 fixtures of sci/nifti (nibabel 4.0, Debian 12). Voxel (x,y,z,t)
# = val() below in the file's datatype; the Go tests recompute it.
import numpy as np, nibabel as nib

def val(dtype, x, y, z, t):
    v = (x * 37 + y * 101 + z * 53 + t * 211) % 997
    if dtype in (np.float32, np.float64): return v * 0.37 - 50.25
    if dtype == np.int16: return v * 31 - 15000
    if dtype == np.int8: return v % 256 - 128
    if dtype == np.int32: return v * 100003 - 40000000
    return v % 256 if dtype == np.uint8 else v * 61

def save(name, dtype, shape, endian="<", ext=False, integer_float=False):
    a = np.zeros(shape, dtype=dtype)
    for idx in np.ndindex(*shape):
        i = tuple(idx) + (0,) * (4 - len(idx))
        a[idx] = val(dtype, *i)
    if integer_float:
        a = np.round(a * 2)
    aff = np.diag([0.9, 1.1, 2.5, 1])
    aff[:3, 3] = [-10, 20, 5]
    img = nib.Nifti1Image(a, aff)
    h = img.header
    h.set_data_dtype(dtype)
    h["descrip"] = b"sci fixture " + name.encode()
    if len(shape) == 4:
        h["pixdim"][4] = 2.0
    if ext:
        h.extensions.append(nib.nifti1.Nifti1Extension(6, b"comment extension kept verbatim"))
    if endian == ">":
        h = h.as_byteswapped(">")
        img = nib.Nifti1Image(a, aff, header=h)
    nib.save(img, name)
    # nibabel scales unless told otherwise; keep raw values
    return img

for name, dt, shape, kw in [
    ("f32_4d.nii.gz", np.float32, (5, 4, 3, 2), dict(ext=True)),
    ("i16_be.nii", np.int16, (6, 5, 2), dict(endian=">")),
    ("u16.nii", np.uint16, (4, 3, 2), {}),
    ("u8.nii.gz", np.uint8, (7, 3, 2), {}),
    ("i8.nii", np.int8, (3, 3, 2), {}),
    ("i32.nii", np.int32, (4, 2, 2), {}),
    ("f64_int.nii", np.float64, (3, 4, 2), dict(integer_float=True)),
]:
    save(name, dt, shape, **kw)
