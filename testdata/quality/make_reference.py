#!/usr/bin/python3
"""Reference PSNR/SSIM values for package quality, from scikit-image 0.19.

Run from anywhere:  /usr/bin/python3 testdata/quality/make_reference.py
(Debian's python3-skimage 0.19.3, python3-numpy, python3-scipy.)

It writes small deterministic image pairs as raw little-endian files beside this
script (row-major; colour interleaved H×W×3, like a numpy array with the channel
axis last) and the expected metrics, with skimage's default settings, to
reference.json.
"""
import json
import os

import numpy as np
import scipy
import skimage
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

COMMAND = "/usr/bin/python3 testdata/quality/make_reference.py"
HERE = os.path.dirname(os.path.abspath(__file__))


def scene(rng, h, w, c, peak):
    """A smooth gradient with a disc, stripes and some texture, in [0, peak]."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    base = 0.15 + 0.6 * (xx / max(w - 1, 1)) * (0.5 + 0.5 * yy / max(h - 1, 1))
    disc = ((yy - h * 0.45) ** 2 + (xx - w * 0.55) ** 2) < (min(h, w) * 0.3) ** 2
    base = base + 0.2 * disc + 0.08 * np.sin(xx * 0.9) * (yy > h / 2)
    out = np.empty((h, w, c))
    for ch in range(c):
        out[..., ch] = base * (1 - 0.2 * ch) + 0.03 * rng.standard_normal((h, w))
    return np.clip(np.round(out * peak), 0, peak)


def noisy(rng, ref, sigma, peak, impulses=0.0):
    """ref plus Gaussian noise and some impulses, rounded and clipped."""
    x = ref + sigma * rng.standard_normal(ref.shape)
    hit = rng.random(ref.shape) < impulses
    x[hit] = np.where(rng.random(ref.shape) < 0.5, 0, peak)[hit]
    return np.clip(np.round(x), 0, peak)


def save(name, a, dtype):
    path = os.path.join(HERE, name)
    a.astype(dtype).tofile(path)  # dtype is little-endian ('<u2' for 16-bit)
    assert os.path.getsize(path) < 20000, path
    return name


def case(name, ref, test, dtype, data_range, as_float=None):
    """Metrics of skimage's defaults. as_float: also feed the pair as floats / data_range."""
    h, w = ref.shape[:2]
    ch = ref.shape[2] if ref.ndim == 3 else 1
    ext = {"uint8": "u8", "<u2": "u16le"}[dtype]
    r = ref.astype(np.dtype(dtype))
    t = test.astype(np.dtype(dtype))
    kw = {"channel_axis": -1} if ch > 1 else {}
    out = [{
        "name": name,
        "ref": save(f"{name}_ref.{ext}", ref, dtype),
        "test": save(f"{name}_test.{ext}", test, dtype),
        "dtype": "uint8" if dtype == "uint8" else "uint16le",
        "width": w, "height": h, "channels": ch,
        "data_range": data_range,
        "psnr": float(peak_signal_noise_ratio(r, t, data_range=data_range)),
        "ssim": float(structural_similarity(r, t, data_range=data_range, **kw)),
    }]
    for ft in as_float or []:
        # The same pair in working units (code / data_range) with data_range 1.
        # skimage computes in the input's float type: float32 here means float32
        # arithmetic inside skimage, so expect small differences from float64.
        rf = (r / data_range).astype(ft)
        tf = (t / data_range).astype(ft)
        d = dict(out[0])
        d["name"] = f"{name}_unit_{np.dtype(ft).name}"
        d["scale"] = 1 / data_range
        d["data_range"] = 1.0
        d["float_type"] = np.dtype(ft).name
        d["psnr"] = float(peak_signal_noise_ratio(rf, tf, data_range=1.0))
        d["ssim"] = float(structural_similarity(rf, tf, data_range=1.0, **kw))
        out.append(d)
    return out


def main():
    rng = np.random.default_rng(20240611)
    cases = []

    ref = scene(rng, 29, 37, 1, 255)[..., 0]
    cases += case("gray8", ref, noisy(rng, ref, 12.0, 255), "uint8", 255,
                  as_float=[np.float64, np.float32])

    ref = scene(rng, 31, 23, 1, 255)[..., 0]
    cases += case("gray8_impulse", ref, noisy(rng, ref, 6.0, 255, impulses=0.15), "uint8", 255)

    # Exactly the window size in height: one row of SSIM survives the crop, and every
    # filtered value touches a reflected border.
    ref = scene(rng, 7, 11, 1, 255)[..., 0]
    cases += case("gray8_7x11", ref, noisy(rng, ref, 20.0, 255), "uint8", 255)

    ref = scene(rng, 33, 41, 3, 255)
    cases += case("rgb8", ref, noisy(rng, ref, 9.0, 255), "uint8", 255,
                  as_float=[np.float64])

    ref = scene(rng, 27, 31, 1, 65535)[..., 0]
    cases += case("gray16", ref, noisy(rng, ref, 2500.0, 65535), "<u2", 65535,
                  as_float=[np.float64])

    doc = {
        "command": COMMAND,
        "note": "skimage.metrics peak_signal_noise_ratio and structural_similarity, "
                "default settings, data_range given; colour with channel_axis=-1. "
                "Raw files are row-major little-endian, colour interleaved HxWx3.",
        "versions": {"skimage": skimage.__version__, "numpy": np.__version__,
                     "scipy": scipy.__version__},
        "cases": cases,
    }
    with open(os.path.join(HERE, "reference.json"), "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
