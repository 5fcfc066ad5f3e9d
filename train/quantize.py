#!/usr/bin/env python3
"""Post-training INT8 quantisation of an exported DnCNN (train.py export) as a QDQ graph.

Needs only numpy and the onnx Python package (Debian's python3-onnx); onnxruntime's own
quantiser is not used. What it writes:

  * weights: int8, symmetric, one scale per output channel (max |w| / 127; --weight-bits 7
    for max |w| / 63), rounded by GPTQ (--rounding), through
    DequantizeLinear (axis 0); biases int32 at scale s_in * s_w (zero point 0);
  * activations: the input of every quantised convolution is the output of the ReLU before it
    (or the network's input), quantised per tensor to uint8 with zero point 0 by
    QuantizeLinear/DequantizeLinear; the scale comes from calibration (below);
  * every Conv between the first and last (--first / --last quantise those too) gets
    DequantizeLinear on its data, weight and bias inputs, and its ReLU a QuantizeLinear after
    it, so that ONNX Runtime fuses DQ -> Conv (-> Relu) -> Q into QLinearConv (int8 kernels).

Calibration runs the float network (numpy, float32) on train/prepare patch records — the
inputs the CNN sees after the stages of the model's chain (train/README.md) — and picks for
each quantised activation the clipping value that minimises the mean squared quantisation
error over the calibration activations (--method mse; or max, or a percentile pNN.NN).
It prints the noise error of the fake-quantised network against the float one, how many
u8 x s8 pair sums would saturate in ORT's AVX2 (non-VNNI) kernels, and — with --out — the
error of the written model run through ONNX Runtime (train/ortcheck).

--split-last (with --float alone: a float rewrite) writes a float last layer C -> 1 as a
depthwise 3x3 convolution and a 1x1 sum of ones: ONNX Runtime's NCHWc kernels pad a
one-channel output to 16 channels. Models so written are read back as the plain layer.

    go run ./train/prepare -data ../shared/datasets/train400 -split train -patch 64 -per-image 2 \\
        -count 512 -guide -chains none:0.05,impulse:0.05,nlm:0.4,impulse+stnlm:0.25,impulse+stnlm/5:0.25 \\
        -impulse-chains impulse,impulse+stnlm,impulse+stnlm/5 -impulse-prob 0.5 -seed 7 -workers 1 \\
        -out out/quant/calib.bin
    /usr/bin/python3 train/quantize.py --model models/builtin/light.onnx --calib out/quant/calib.bin \\
        --split-last --name light-int8 --out models/builtin/light-int8.onnx
"""

import argparse
import hashlib
import json
import os
import struct
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MAGIC = b"DNPATCH1"
HEADER = struct.Struct("<8s6i")
RECORD_META = 2


def read_patches(path):
    with open(path, "rb") as f:
        magic, version, cin, cout, h, w, _ = HEADER.unpack(f.read(HEADER.size))
        if magic != MAGIC or version != 1:
            sys.exit("quantize: %s is not a train/prepare patch file" % path)
        a = np.frombuffer(f.read(), dtype="<f4")
    rec = RECORD_META + (cin + cout) * h * w
    a = a.reshape(-1, rec)
    x = a[:, RECORD_META:RECORD_META + cin * h * w].reshape(-1, cin, h, w)
    return np.ascontiguousarray(x, dtype=np.float32)


def conv3(x, w, b):
    """3x3 convolution, zero padding 1, NCHW, float32."""
    n, c, hh, ww = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    y = np.zeros((n, w.shape[0], hh, ww), np.float32)
    for i in range(3):
        for j in range(3):
            y += np.einsum("nchw,oc->nohw", xp[:, :, i:i + hh, j:j + ww], w[:, :, i, j], optimize=True)
    return y + b[None, :, None, None]


def parse_net(model):
    """The DnCNN's layers: [(conv node, weight, bias, relu node or None)], checking the form."""
    g = model.graph
    inits = {t.name: numpy_helper.to_array(t) for t in g.initializer}
    layers = []
    nodes = list(g.node)
    i = 0
    while i < len(nodes):
        n = nodes[i]
        if n.op_type != "Conv":
            sys.exit("quantize: node %s (%s) is not the Conv of a DnCNN layer" % (n.name, n.op_type))
        attrs = {a.name: helper.get_attribute_value(a) for a in n.attribute}
        if list(attrs.get("kernel_shape", [3, 3])) != [3, 3] or list(attrs.get("pads", [1, 1, 1, 1])) != [1, 1, 1, 1] \
                or any(v != 1 for v in attrs.get("strides", [1, 1])):
            sys.exit("quantize: Conv %s is not a 3x3 convolution with padding 1" % n.name)
        w = inits[n.input[1]].astype(np.float32)
        if attrs.get("group", 1) != 1:
            # a last layer written by --split-last: depthwise 3x3, then a 1x1 sum of ones (+ bias)
            s = nodes[i + 1] if i + 1 < len(nodes) else None
            ones = inits.get(s.input[1]) if s is not None and s.op_type == "Conv" else None
            if i + 2 != len(nodes) or ones is None or ones.shape != (1, w.shape[0], 1, 1) or np.any(ones != 1):
                sys.exit("quantize: grouped Conv %s is not the depthwise half of a split last layer" % n.name)
            full = helper.make_node("Conv", [n.input[0], "", ""], list(s.output), name=n.name)
            full.attribute.extend([a for a in n.attribute if a.name != "group"])
            layers.append((full, w[:, 0][None].copy(), inits[s.input[2]].astype(np.float32), None))
            break
        relu = None
        if i + 1 < len(nodes) and nodes[i + 1].op_type == "Relu":
            relu = nodes[i + 1]
            i += 1
        layers.append((n, w, inits[n.input[2]].astype(np.float32), relu))
        i += 1
    if layers[-1][3] is not None or any(r is None for _, _, _, r in layers[:-1]):
        sys.exit("quantize: want Conv+Relu layers and a last Conv without Relu")
    return layers


# WMAX is the largest weight code: 127 for 8-bit weights, 63 for 7 (--weight-bits). ONNX
# Runtime's u8s8 kernels on CPUs without VNNI multiply with VPMADDUBSW, whose 16-bit pair sums
# saturate beyond 32767: 2 * 255 * 63 = 32130 never does, 2 * 255 * 127 can.
WMAX = 127


def weight_scales(w):
    s = np.abs(w).reshape(w.shape[0], -1).max(axis=1) / WMAX
    return np.where(s > 0, s, 1.0).astype(np.float32)


def quant_w(w, s):
    return np.clip(np.round(w / s[:, None, None, None]), -WMAX, WMAX).astype(np.int8)


def im2col_cov(x):
    """E[v v^T] over every 3x3 neighbourhood v (c*9 values, zero padded) of x (NCHW)."""
    n, c, hh, ww = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    h = np.zeros((c * 9, c * 9), np.float64)
    for b0 in range(0, n, 16):
        xb = xp[b0:b0 + 16]
        cols = np.stack([xb[:, :, i:i + hh, j:j + ww] for i in range(3) for j in range(3)], axis=2)  # n,c,9,h,w
        cols = cols.reshape(len(xb), c * 9, hh * ww).transpose(1, 0, 2).reshape(c * 9, -1).astype(np.float64)
        h += cols @ cols.T
    return h / (n * hh * ww)


def gptq(w, s, h, damp=0.01):
    """Rounds the weights w (o,c,3,3) to int8 at the per-channel scales s the way GPTQ does:
    one input weight at a time, the error it leaves spread over the weights not yet rounded
    through the inverse of h = E[v v^T] of the layer's input, which minimises the error of the
    layer's output rather than of its weights. Returns the int8 weights."""
    o = w.shape[0]
    wf = w.reshape(o, -1).astype(np.float64).copy()
    d = wf.shape[1]
    h = h + damp * np.mean(np.diag(h)) * np.eye(d)
    dead = np.diag(h) == 0
    h[dead, dead] = 1
    hinv = np.linalg.cholesky(np.linalg.inv(h)).T  # upper triangular
    q = np.zeros_like(wf)
    for i in range(d):
        qi = np.clip(np.round(wf[:, i] / s), -WMAX, WMAX)
        q[:, i] = qi
        err = (wf[:, i] - qi * s) / hinv[i, i]
        wf[:, i + 1:] -= np.outer(err, hinv[i, i + 1:])
    return q.reshape(w.shape).astype(np.int8)


def fq_act(x, s):
    """Fake uint8 quantisation, zero point 0 (x >= 0 after ReLU)."""
    return np.clip(np.round(x / s), 0, 255).astype(np.float32) * np.float32(s)


def pick_scale(v, method):
    """The uint8 scale (zero point 0) of activations v (a 1-D sample, >= 0)."""
    v = v[v > 0] if np.any(v > 0) else v
    top = float(v.max()) if v.size else 1.0
    if top <= 0:
        return 1.0 / 255
    if method == "max":
        return top / 255
    if method.startswith("p"):
        return float(np.percentile(v, float(method[1:]))) / 255
    # mse: the clip value minimising the squared error of clip + round, over a grid
    best, best_c = None, top
    for c in np.linspace(top * 0.2, top, 81):
        s = c / 255
        e = float(np.mean((np.clip(np.round(v / s), 0, 255) * s - v) ** 2))
        if best is None or e < best:
            best, best_c = e, c
    return best_c / 255


def forward(layers, x, qin, act_scales, wq=None, out_scale=None, batch=32):
    """Runs the network; qin: layers whose input is fake-quantised (act_scales[k]); wq: the
    fake-quantised weights of the layers that have them; out_scale: fake-quantise the output
    (uint8, zero point 128). Returns the output and, per layer, a sample of its input."""
    outs, samples = [], {k: [] for k in range(len(layers))}
    rng = np.random.default_rng(1)
    wq = wq or {}
    for b0 in range(0, len(x), batch):
        h = x[b0:b0 + batch]
        for k, (_, w, b, relu) in enumerate(layers):
            flat = h.reshape(-1)
            samples[k].append(flat[rng.integers(0, flat.size, 20000)])
            if k in qin:
                h = fq_act(h, act_scales[k])
            h = conv3(h, wq.get(k, w), b)
            if relu is not None:
                h = np.maximum(h, 0)
        if out_scale is not None:
            h = (np.clip(np.round(h / out_scale) + 128, 0, 255) - 128).astype(np.float32) * np.float32(out_scale)
        outs.append(h)
    return np.concatenate(outs), {k: np.concatenate(v) for k, v in samples.items()}


def saturation(layers, x, k, qin, act_scales, wq, wint):
    """How many u8 x s8 pair sums of layer k exceed the int16 range: what VPMADDUBSW (ORT's
    u8s8 kernels on AVX2 CPUs without VNNI) saturates, pairing adjacent input channels of
    one tap (NHWC). Returns (largest |pair|, saturating pairs, pairs)."""
    xu = np.round(layer_input(layers, x, k, qin, act_scales, wq) / act_scales[k]).astype(np.int32)
    w = wint[k].astype(np.int32)
    xp = np.pad(xu, ((0, 0), (0, 0), (1, 1), (1, 1)))
    hh, ww = xu.shape[2:]
    top = n = tot = 0
    for i in range(3):
        for j in range(3):
            xs = xp[:, :, i:i + hh, j:j + ww]
            for c in range(0, xu.shape[1] - 1, 2):
                pr = xs[:, c][:, None] * w[None, :, c, i, j, None, None] + xs[:, c + 1][:, None] * w[None, :, c + 1, i, j, None, None]
                top = max(top, int(np.abs(pr).max()))
                n += int((np.abs(pr) > 32767).sum())
                tot += pr.size
    return top, n, tot


def layer_input(layers, x, k, qin, act_scales, wq):
    """The input of layer k of the (fake-)quantised network, quantised itself when k is in qin."""
    h = x
    for j in range(k):
        if j in qin:
            h = fq_act(h, act_scales[j])
        h = np.maximum(conv3(h, wq.get(j, layers[j][1]), layers[j][2]), 0)
    return fq_act(h, act_scales[k]) if k in qin else h


def build_qdq(model, layers, qset, act_scales, name, wint, out_scale=None, split_last=False, source=None, check=None):
    """The QDQ graph: the layers in qset get int8 weights and a quantised input; the input
    of the layer after the last of them is quantised too, so that every quantised Conv's
    ReLU ends in a QuantizeLinear (ORT fuses only DQ -> Conv -> Q). out_scale: quantise the
    network's output too (uint8, zero point 128). split_last: a float last layer is written
    as a depthwise 3x3 convolution and a 1x1 sum (see split_last_conv)."""
    g = model.graph
    last = len(layers) - 1
    qin = set(qset) | {k + 1 for k in qset if k < last}
    new_nodes, new_inits = [], []
    qinfo = []
    for k, (conv, w, b, relu) in enumerate(layers):
        x = conv.input[0]
        p = "q%d_" % k
        if k in qin:
            sx = np.float32(act_scales[k])
            new_inits += [numpy_helper.from_array(np.array(sx, np.float32), p + "x_scale"),
                          numpy_helper.from_array(np.array(0, np.uint8), p + "x_zp")]
            new_nodes += [
                helper.make_node("QuantizeLinear", [x, p + "x_scale", p + "x_zp"], [p + "x_u8"], name=p + "quant_x"),
                helper.make_node("DequantizeLinear", [p + "x_u8", p + "x_scale", p + "x_zp"], [p + "x_dq"], name=p + "dequant_x"),
            ]
            x = p + "x_dq"
        outs = list(conv.output)
        if k == last and out_scale is not None:
            outs = [p + "y"]
        if k in qset:
            sx = np.float32(act_scales[k])
            sw = weight_scales(w)
            new_inits += [
                numpy_helper.from_array(wint[k], p + "w_q"),
                numpy_helper.from_array(sw, p + "w_scale"),
                numpy_helper.from_array(np.zeros(len(sw), np.int8), p + "w_zp"),
                numpy_helper.from_array(np.round(b / (sx * sw)).astype(np.int32), p + "b_q"),
                numpy_helper.from_array((sx * sw).astype(np.float32), p + "b_scale"),
                numpy_helper.from_array(np.zeros(len(sw), np.int32), p + "b_zp"),
            ]
            new_nodes += [
                helper.make_node("DequantizeLinear", [p + "w_q", p + "w_scale", p + "w_zp"], [p + "w_dq"], name=p + "dequant_w", axis=0),
                helper.make_node("DequantizeLinear", [p + "b_q", p + "b_scale", p + "b_zp"], [p + "b_dq"], name=p + "dequant_b", axis=0),
            ]
            c = helper.make_node("Conv", [x, p + "w_dq", p + "b_dq"], outs, name=p + "conv")
            c.attribute.extend(conv.attribute)
            new_nodes.append(c)
            qinfo.append({"layer": k, "input_scale": float(sx), "weight_scale_min": float(sw.min()),
                          "weight_scale_max": float(sw.max())})
        elif k == last and split_last:
            new_inits += [numpy_helper.from_array(w[0][:, None, :, :].copy(), p + "w_dw"),
                          numpy_helper.from_array(np.ones((1, w.shape[1], 1, 1), np.float32), p + "w_sum"),
                          numpy_helper.from_array(b, p + "b")]
            new_nodes += [
                helper.make_node("Conv", [x, p + "w_dw"], [p + "dw"], name=p + "depthwise", group=w.shape[1],
                                 kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
                helper.make_node("Conv", [p + "dw", p + "w_sum", p + "b"], outs, name=p + "sum", kernel_shape=[1, 1]),
            ]
        else:
            new_inits += [numpy_helper.from_array(w, p + "w"), numpy_helper.from_array(b, p + "b")]
            c = helper.make_node("Conv", [x, p + "w", p + "b"], outs, name=p + "conv")
            c.attribute.extend(conv.attribute)
            new_nodes.append(c)
        if relu is not None:
            new_nodes.append(helper.make_node("Relu", list(conv.output), list(relu.output), name=p + "relu"))
        if k == last and out_scale is not None:
            new_inits += [numpy_helper.from_array(np.array(out_scale, np.float32), p + "y_scale"),
                          numpy_helper.from_array(np.array(128, np.uint8), p + "y_zp")]
            new_nodes += [
                helper.make_node("QuantizeLinear", [p + "y", p + "y_scale", p + "y_zp"], [p + "y_u8"], name=p + "quant_y"),
                helper.make_node("DequantizeLinear", [p + "y_u8", p + "y_scale", p + "y_zp"], list(conv.output), name=p + "dequant_y"),
            ]
    graph = helper.make_graph(new_nodes, g.name, list(g.input), list(g.output), new_inits)
    out = helper.make_model(graph, opset_imports=list(model.opset_import), producer_name="denoise train/quantize.py")
    out.ir_version = model.ir_version
    meta = {p.key: p.value for p in model.metadata_props}
    meta["denoise.name"] = name
    if qset:
        meta.pop("denoise.export_checks", None)  # the float export's checks say nothing of this graph
    if source:
        with open(source, "rb") as f:
            meta["denoise.derived_from"] = "%s sha256 %s" % (os.path.basename(source), hashlib.sha256(f.read()).hexdigest())
    if qset:
        meta["denoise.arch"] = meta.get("denoise.arch", "") + " int8=qdq"
        meta["denoise.quant"] = json.dumps({"weights": "int8 symmetric per output channel, codes -%d..%d" % (WMAX, WMAX),
                                            "activations": "uint8 per tensor, zero point 0",
                                            "quantised_inputs": {str(k): float(act_scales[k]) for k in sorted(qin)},
                                            "output_scale": out_scale, "layers": qinfo, "check": check})
    for k2, v in meta.items():
        e = out.metadata_props.add()
        e.key, e.value = k2, v
    onnx.checker.check_model(out)
    return out, qinfo


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True, help="the float ONNX model (train.py export)")
    p.add_argument("--calib", help="train/prepare patch records for calibration")
    p.add_argument("--out", help="the ONNX model to write")
    p.add_argument("--name", default="light-int8", help="denoise.name of the written model")
    p.add_argument("--method", default="mse", help="activation clipping: mse, max or pNN.NN (percentile)")
    p.add_argument("--first", action="store_true", help="quantise the first convolution too (the input in steps of 1/255)")
    p.add_argument("--last", action="store_true", help="quantise the last convolution and the output too")
    p.add_argument("--float", action="store_true", help="quantise nothing (with --split-last: rewrite the float model)")
    p.add_argument("--split-last", action="store_true",
                   help="write a float last layer (C->1) as a depthwise 3x3 and a 1x1 sum: ONNX Runtime's NCHWc kernels "
                        "pad a 1-channel output to 16 channels, which makes the last layer cost as much as a 16->16 one")
    p.add_argument("--rounding", default="gptq", choices=["gptq", "nearest"],
                   help="weight rounding: gptq (error spread over the weights not yet rounded) or nearest")
    p.add_argument("--weight-bits", type=int, default=8, choices=[7, 8],
                   help="weight codes: 8 (-127..127) or 7 (-63..63: ORT's u8s8 kernels on CPUs without VNNI can "
                        "saturate 16-bit pair sums with 8-bit codes, never with 7; on light's calibration data 8-bit "
                        "codes saturate at most 2.4e-6 of the pairs, 7-bit ones cost up to 0.065 dB in mode cnn)")
    p.add_argument("--gptq-patches", type=int, default=96, help="calibration patches for GPTQ's input statistics")
    p.add_argument("--count", type=int, default=0, help="calibration patches (0: all); the last quarter only checks")
    a = p.parse_args()
    global WMAX
    WMAX = 63 if a.weight_bits == 7 else 127

    model = onnx.load(a.model)
    layers = parse_net(model)
    last = len(layers) - 1
    qset = set() if a.float else set(range(1, last))
    if a.first and not a.float:
        qset.add(0)
    if a.last and not a.float:
        qset.add(last)
    qin = qset | {k + 1 for k in qset if k < last}
    scales, out_scale, wint, wq, check = {}, None, {}, {}, None
    chk = None
    if qset:
        if not a.calib:
            sys.exit("quantize: --calib is needed to quantise")
        x = read_patches(a.calib)
        if a.count:
            x = x[:a.count]
        ncal = len(x) * 3 // 4
        cal, chk = x[:ncal], x[ncal:]
        # calibration on the float network: every layer's input, and the output
        yc, samples = forward(layers, cal, set(), {})
        for k in sorted(qin):
            scales[k] = 1.0 / 255 if k == 0 else pick_scale(samples[k], a.method)
            print("layer %d input: max %.4f, clip %.4f (scale %.4g)" % (k, samples[k].max(), scales[k] * 255, scales[k]))
        if a.last:
            v = np.abs(yc.reshape(-1))
            out_scale = pick_scale(v, a.method) * 255 / 127
            print("output: max |noise| %.4f, clip %.4f (scale %.4g)" % (v.max(), out_scale * 127, out_scale))
        # weights, layer by layer: GPTQ on the inputs the quantised layers before produce
        wq, wint = {}, {}
        for k in sorted(qset):
            w = layers[k][1]
            sw = weight_scales(w)
            if a.rounding == "gptq":
                h = layer_input(layers, cal[:a.gptq_patches], k, qin, scales, wq)
                wint[k] = gptq(w, sw, im2col_cov(h))
            else:
                wint[k] = quant_w(w, sw)
            wq[k] = wint[k].astype(np.float32) * sw[:, None, None, None]
            print("layer %d weights: scales %.3g..%.3g, rounding %s, weight error rms %.3g"
                  % (k, sw.min(), sw.max(), a.rounding, float(np.sqrt(np.mean((wq[k] - w) ** 2)))))
        for k in sorted(qset):
            top, n, tot = saturation(layers, chk[:32], k, qin, scales, wq, wint)
            print("layer %d: largest u8*s8 pair sum %d, %d of %d pairs beyond int16 (saturated by VPMADDUBSW without VNNI)"
                  % (k, top, n, tot))
        # the quantised network against the float one on the held-out calibration patches
        ref, _ = forward(layers, chk, set(), {})
        got, _ = forward(layers, chk, qin, scales, wq, out_scale)
        err = got - ref
        check = {"patches": len(chk), "noise_rms": float(np.sqrt(np.mean(ref ** 2))),
                 "error_rms": float(np.sqrt(np.mean(err ** 2))), "error_max": float(np.abs(err).max())}
        print("check (%d patches): noise rms %.5f, int8 error rms %.6f (%.1f dB below), max %.4f"
              % (len(chk), float(np.sqrt(np.mean(ref ** 2))), float(np.sqrt(np.mean(err ** 2))),
                 10 * np.log10(np.mean(ref ** 2) / max(np.mean(err ** 2), 1e-30)), float(np.abs(err).max())))

    if a.out:
        out, _ = build_qdq(model, layers, qset, scales, a.name, wint, out_scale, a.split_last and last not in qset,
                           source=a.model, check=check)
        onnx.save(out, a.out)
        print("wrote", a.out)
        if chk is None and a.calib:
            chk = read_patches(a.calib)[-16:]
        if chk is not None:
            ort_check(a.out, layers, chk, qin, scales, wq, out_scale)


def ort_check(path, layers, chk, qin, scales, wq, out_scale):
    """Runs the written model through ONNX Runtime (train/ortcheck, the cnn filter's code) on
    16 check patches stitched into one image, against the float network and the simulation."""
    n = min(16, len(chk))
    k = int(np.sqrt(n))
    n = k * k
    c, ph, pw = chk.shape[1:]
    img = chk[:n].reshape(k, k, c, ph, pw).transpose(2, 0, 3, 1, 4).reshape(1, c, k * ph, k * pw)
    img = np.ascontiguousarray(img)
    ref, _ = forward(layers, img, set(), {})
    sim, _ = forward(layers, img, qin, scales, wq, out_scale)
    with tempfile.TemporaryDirectory() as d:
        inp, outp = os.path.join(d, "in.f32"), os.path.join(d, "out.f32")
        img.astype("<f4").tofile(inp)
        r = subprocess.run(["go", "run", "./train/ortcheck", "-model", os.path.abspath(path), "-in", inp,
                            "-h", str(img.shape[2]), "-w", str(img.shape[3]), "-out", outp],
                           cwd=REPO, capture_output=True, text=True)
        if r.returncode != 0:
            print("ORT check failed:", r.stderr.strip())
            return
        got = np.fromfile(outp, dtype="<f4").reshape(ref.shape)
    rms = lambda e: float(np.sqrt(np.mean(e ** 2)))
    print("ORT (%dx%d, %d check patches): error rms %.3g against the float network, %.3g against the simulation (max %.3g)"
          % (img.shape[3], img.shape[2], n, rms(got - ref), rms(got - sim), float(np.abs(got - sim).max())))


if __name__ == "__main__":
    main()
