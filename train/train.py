#!/usr/bin/env python3
"""train.py - trains, exports and documents the CNN stage of denoise.

The network is the paper's: DnCNN-style residual learning (it predicts the noise), 3x3
convolutions, 64 feature maps by default, batch normalisation, ReLU, no pooling, depth
configurable. Training inputs are made by the Go program train/prepare, which adds noise
on the fly (AWGN over a range of sigma, salt-and-pepper and random-valued impulses) and runs
the noisy image through the very stages that run before the CNN at inference (a denoise
mode: "none", "impulse", "nlm", "impulse+nlm"), so the network sees what it will see.

Subcommands:
  train   train from a stream of patches (resumable: a small checkpoint every N steps)
  export  fold batch norm into the convolutions, write ONNX (dynamic height and width),
          check it against PyTorch (numpy reference, and ONNX Runtime through Go), write the
          model card
  card    rewrite a model card, e.g. with Set12 scores from `denoise eval --json`
  speed   measure training patches/s of an architecture on this machine (no data needed)

Use Debian's python3-torch and python3-onnx (/usr/bin/python3). CPU by default; a CUDA GPU
is used when torch sees one (--device). See train/README.md for the commands.
"""

import argparse
import contextlib
import datetime
import hashlib
import json
import math
import os
import platform
import queue
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time

import numpy as np
import torch
import torch.nn as nn

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CARD_TEMPLATE = os.path.join(REPO, "train", "MODEL_CARD.md")
MAGIC = b"DNPATCH1"
HEADER = struct.Struct("<8s6i")  # magic, version, cin, cout, h, w, reserved
RECORD_META = 2  # float32 sigma and impulse probability before each record's samples
DNCNN_EPOCH = 128 * 1600  # patches per epoch, as in the DnCNN paper (128 x 1,600 40x40 crops)


# ---------------------------------------------------------------------------------------
# the network


class DnCNN(nn.Module):
    """depth 3x3 conv layers: conv+ReLU, (depth-2) x conv+BN+ReLU, conv. Predicts the noise."""

    def __init__(self, depth=17, features=64, in_ch=1, out_ch=1, bn=True):
        super().__init__()
        if depth < 2:
            raise ValueError("depth must be at least 2")
        layers = [nn.Conv2d(in_ch, features, 3, padding=1, bias=True), nn.ReLU(inplace=True)]
        for _ in range(depth - 2):
            layers.append(nn.Conv2d(features, features, 3, padding=1, bias=not bn))
            if bn:
                layers.append(nn.BatchNorm2d(features, eps=1e-4, momentum=0.05))
            layers.append(nn.ReLU(inplace=True))
        layers.append(nn.Conv2d(features, out_ch, 3, padding=1, bias=True))
        self.body = nn.Sequential(*layers)
        self.depth, self.features, self.in_ch, self.out_ch = depth, features, in_ch, out_ch
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
        nn.init.normal_(self.body[-1].weight, std=1e-3)  # start near "no noise"

    def forward(self, x):
        return self.body(x)


def widen_deepen(big, small, x):
    """Embeds the trained DnCNN small into the larger big (as deep or deeper, as wide or wider,
    the same output channels, the same input channels or more after them: source channels,
    say, start unread) so that big computes what small does (Net2Net): small's filters
    fill big's first channels, big's extra channels start from their random initialisation but
    feed nothing small's channels read (their weights into those channels and into the output
    are zero), and each extra layer passes small's last hidden features through unchanged (a
    centre-tap identity whose batch norm undoes its own normalisation, set from the statistics
    of x, a batch of training inputs). Training then starts from small's quality. Returns the
    largest difference between the two outputs on x (eval mode)."""
    cs = [m for m in small.body if isinstance(m, nn.Conv2d)]
    cb = [m for m in big.body if isinstance(m, nn.Conv2d)]
    bs = [m for m in small.body if isinstance(m, nn.BatchNorm2d)]
    bb = [m for m in big.body if isinstance(m, nn.BatchNorm2d)]
    fs = small.features
    if big.in_ch < small.in_ch or big.out_ch != small.out_ch or big.depth < small.depth or big.features < fs \
            or len(bs) != small.depth - 2 or len(bb) != big.depth - 2:
        raise ValueError("cannot embed %dx%d (%d->%d) into %dx%d (%d->%d)" % (
            small.depth, fs, small.in_ch, small.out_ch, big.depth, big.features, big.in_ch, big.out_ch))
    small.eval()
    with torch.no_grad():
        xs = x[:, :small.in_ch]  # small's channels come first
        feats = small.body[:-1](xs)  # small's last hidden features (after ReLU)
        mean = feats.mean(dim=(0, 2, 3))
        var = feats.var(dim=(0, 2, 3), unbiased=False)
        for i, c in enumerate(cb):
            last = i == len(cb) - 1
            if i == 0:  # input channels small lacks (appended after its own) start unread
                c.weight[:fs] = 0
                c.weight[:fs, :small.in_ch] = cs[0].weight
                c.bias[:fs] = cs[0].bias
                continue
            if last:
                c.weight.zero_()
                c.weight[:, :fs] = cs[-1].weight
                c.bias.copy_(cs[-1].bias)
                continue
            c.weight[:fs] = 0
            bn = bb[i - 1]
            if i < small.depth - 1:  # a hidden layer of small
                c.weight[:fs, :fs] = cs[i].weight
                s = bs[i - 1]
                for name in ("weight", "bias", "running_mean", "running_var"):
                    getattr(bn, name)[:fs] = getattr(s, name)
            else:  # an extra layer: identity on small's channels
                for k in range(fs):
                    c.weight[k, k, 1, 1] = 1
                bn.running_mean[:fs] = mean
                bn.running_var[:fs] = var
                bn.weight[:fs] = torch.sqrt(var + bn.eps)
                bn.bias[:fs] = mean
        big.eval()
        diff = float((big(x) - small(xs)).abs().max())
    big.train()
    return diff


def fold_bn(model):
    """Returns an equivalent nn.Sequential of Conv2d(bias)+ReLU with batch norm folded in."""
    model = model.eval()
    out = []
    mods = list(model.body)
    i = 0
    while i < len(mods):
        m = mods[i]
        if isinstance(m, nn.Conv2d):
            w = m.weight.detach().double().clone()
            b = m.bias.detach().double().clone() if m.bias is not None else torch.zeros(w.shape[0], dtype=torch.float64)
            if i + 1 < len(mods) and isinstance(mods[i + 1], nn.BatchNorm2d):
                bn = mods[i + 1]
                scale = bn.weight.detach().double() / torch.sqrt(bn.running_var.double() + bn.eps)
                w = w * scale[:, None, None, None]
                b = (b - bn.running_mean.double()) * scale + bn.bias.detach().double()
                i += 1
            c = nn.Conv2d(m.in_channels, m.out_channels, m.kernel_size, padding=m.padding, bias=True)
            c.weight.data = w.float()
            c.bias.data = b.float()
            out.append(c)
        elif isinstance(m, nn.ReLU):
            out.append(nn.ReLU())
        else:
            raise ValueError("cannot fold %r" % m)
        i += 1
    return nn.Sequential(*out).eval()


def count_params(model):
    return sum(p.numel() for p in model.parameters())


def flops_per_pixel(depth, features, in_ch, out_ch):
    """Multiply-adds counted as 2 FLOPs, of the exported (BN-folded) network, per pixel."""
    macs = 9 * (in_ch * features + (depth - 2) * features * features + features * out_ch)
    return 2 * macs


# ---------------------------------------------------------------------------------------
# data: patches from the Go program train/prepare


def load_state(path):
    """A checkpoint of this script, from any torch version (2.6+ loads weights only by default)."""
    try:
        return torch.load(path, map_location="cpu", weights_only=False)
    except TypeError:
        return torch.load(path, map_location="cpu")


def run_summary(state):
    """What a checkpoint's run was, for the lineage of the runs started from it."""
    t = argparse.Namespace(**state["args"])
    return {"arch": arch_name(t), "extra": extra_meta(t), "chains": t.chains, "lr": t.lr,
            "steps": state["step"], "patches": state["patches"],
            "epochs": state["patches"] / getattr(t, "epoch_size", DNCNN_EPOCH),
            "wall": state["wall"], "hardware": state.get("hardware", "-"), "saved": state.get("saved", "-")}


def lineage_of(path):
    """The runs that made the checkpoint at path, oldest first (its own last)."""
    st = load_state(path)
    return st.get("lineage", []) + [run_summary(st)]


def in_channels(t):
    """Input channels of a run's network: image, guide and source (when asked), noise-level map."""
    image_ch = 3 if t.color else 1
    sets = 1 + bool(getattr(t, "guide", False)) + bool(getattr(t, "source", False))
    return image_ch * sets + (1 if t.sigma_map != "none" else 0)


def extra_meta(t):
    """The denoise.extra metadata value filter/cnn reads."""
    parts = (["guide"] if getattr(t, "guide", False) else []) + (["source"] if getattr(t, "source", False) else []) \
        + (["sigma"] if t.sigma_map != "none" else [])
    return "+".join(parts) or "none"


def build_prepare(dest):
    """Builds train/prepare into dest (the Go side of the data pipeline)."""
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    cmd = ["go", "build", "-o", dest, "./train/prepare"]
    r = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit("train: building train/prepare failed:\n" + r.stderr)
    return dest


def prepare_args(a, split, seed, count, patch, workers):
    args = ["-data", a.data, "-split", split, "-val-every", str(a.val_every_image),
            "-patch", str(patch), "-per-image", str(a.per_image),
            "-sigma", a.sigma, "-sp", a.sp, "-rv", a.rv, "-impulse-prob", str(a.impulse_prob),
            "-chains", a.chains, "-sigma-map", a.sigma_map, "-stage-sigma", a.stage_sigma,
            "-seed", str(seed), "-count", str(count), "-workers", str(workers)]
    if a.color:
        args.append("-color")
    if getattr(a, "guide", False):
        args.append("-guide")
    if getattr(a, "source", False):
        args.append("-source")
    if getattr(a, "impulse_chains", ""):
        args += ["-impulse-chains", a.impulse_chains]
    return args


def read_header(f):
    h = f.read(HEADER.size)
    if len(h) != HEADER.size:
        raise EOFError("no patch header")
    magic, version, cin, cout, ph, pw, _ = HEADER.unpack(h)
    if magic != MAGIC or version != 1:
        raise ValueError("not a train/prepare patch stream (magic %r, version %d)" % (magic, version))
    return cin, cout, ph, pw


class PatchStream:
    """Reads batches from a running train/prepare in a background thread."""

    def __init__(self, cmd, batch, prefetch=8):
        self.cmd = cmd
        self.batch = batch
        self.err = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=self.err, bufsize=0)
        self.f = self.proc.stdout
        try:
            self.cin, self.cout, self.h, self.w = read_header(self.f)
        except Exception as e:
            self.fail(str(e))
        self.rec = RECORD_META + (self.cin + self.cout) * self.h * self.w
        self.q = queue.Queue(prefetch)
        self.stopped = False
        self.t = threading.Thread(target=self._run, daemon=True)
        self.t.start()

    def fail(self, msg):
        self.close()
        self.err.seek(0)
        err = self.err.read().decode(errors="replace").strip()
        sys.exit("train: train/prepare: %s%s" % (msg, ("\n" + err) if err else ""))

    def _run(self):
        n = self.batch * self.rec * 4
        while not self.stopped:
            buf = bytearray(n)
            view = memoryview(buf)
            got = 0
            while got < n:
                k = self.f.readinto(view[got:])
                if not k:
                    self.q.put(None)
                    return
                got += k
            a = np.frombuffer(buf, dtype="<f4").reshape(self.batch, self.rec)
            self.q.put(a)

    def ready(self):
        """Whether a batch is waiting (next() would not block)."""
        return not self.q.empty()

    def next(self):
        a = self.q.get()
        if a is None:
            self.proc.wait()
            self.fail("the patch stream ended (exit status %s)" % self.proc.returncode)
        return split_records(a, self.cin, self.cout, self.h, self.w)

    def close(self):
        self.stopped = True
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()


def split_records(a, cin, cout, h, w):
    meta = a[:, :RECORD_META]
    x = a[:, RECORD_META:RECORD_META + cin * h * w].reshape(-1, cin, h, w)
    y = a[:, RECORD_META + cin * h * w:].reshape(-1, cout, h, w)
    return x, y, meta


def read_patch_file(path):
    with open(path, "rb") as f:
        cin, cout, h, w = read_header(f)
        a = np.frombuffer(f.read(), dtype="<f4")
    rec = RECORD_META + (cin + cout) * h * w
    return split_records(a.reshape(-1, rec), cin, cout, h, w)


# ---------------------------------------------------------------------------------------
# training


def hardware(device):
    if device.type == "cuda":
        return "%s (CUDA %s), torch %s" % (torch.cuda.get_device_name(device), torch.version.cuda, torch.__version__)
    cpu = platform.processor() or "CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return "%s, %d cores, %d torch threads, torch %s" % (cpu, os.cpu_count() or 0, torch.get_num_threads(), torch.__version__)


def pick_device(name):
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name.startswith("cuda") and not torch.cuda.is_available():
        sys.exit("train: --device %s but torch sees no CUDA GPU (Debian's python3-torch is CPU-only)" % name)
    return torch.device(name)


def autocast(device, amp):
    """Mixed precision for the forward pass: "bf16" runs convolutions in bfloat16 (batch
    norm and the loss stay float32; weights and optimiser are float32), "none" does not."""
    if amp == "bf16":
        return torch.autocast(device_type=device.type, dtype=torch.bfloat16)
    return contextlib.nullcontext()


def cuda_setup(device):
    """The settings training runs under on a GPU: cuDNN autotuning and TF32."""
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True


def fast_layout(t, device):
    """t (a batch or a model) in the layout training uses on device: channels-last on a GPU."""
    if device.type == "cuda":
        return t.to(memory_format=torch.channels_last)
    return t


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def dihedral(x, y, k):
    """The k-th (1-7) of the square's 7 non-identity turns and flips, applied alike to a batch
    of inputs and targets (N, C, H, W with H = W): a new view of the same training pairs."""
    k %= 8
    if k >= 4:
        x, y = x.flip(3), y.flip(3)
    r = k % 4
    if r:
        x, y = torch.rot90(x, r, (2, 3)), torch.rot90(y, r, (2, 3))
    return x, y


def lr_at(a, step):
    """Cosine decay from --lr to --lr-min over the run (stateless, so resuming is exact)."""
    t = min(step / max(a.steps, 1), 1.0)
    return a.lr_min + 0.5 * (a.lr - a.lr_min) * (1 + math.cos(math.pi * t))


def psnr(x, y):
    mse = float(torch.mean((x.clamp(0, 1) - y) ** 2))
    return 10 * math.log10(1 / mse) if mse > 0 else float("inf")


def set_train(model):
    """Training mode, but batch norm stays in evaluation mode (its running statistics fixed)
    when the model's freeze_bn is set: fine-tuning with small batches then leaves the
    statistics of the large ones alone."""
    model.train()
    if getattr(model, "freeze_bn", False):
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.eval()


def evaluate(model, val, device, batch=16):
    x, y, _ = val
    model.eval()
    outs = []
    with torch.no_grad():
        for i in range(0, len(x), batch):
            xb = torch.from_numpy(x[i:i + batch].copy()).to(device)
            outs.append((xb[:, :y.shape[1]] - model(xb)).cpu())
    set_train(model)
    out = torch.cat(outs)
    yt = torch.from_numpy(y.copy())
    xt = torch.from_numpy(x[:, :y.shape[1]].copy())
    return {"psnr": round(psnr(out, yt), 3), "input_psnr": round(psnr(xt, yt), 3)}


def save_atomic(obj, path):
    tmp = path + ".tmp"
    torch.save(obj, tmp)
    os.replace(tmp, path)


# arguments that a resumed run may change; the rest come from the checkpoint
RESUME_OVERRIDES = ("steps", "minutes", "save_every", "log_every", "val_interval", "device", "threads", "prepare", "workers")


def cmd_train(a):
    os.makedirs(a.out, exist_ok=True)
    ckpt_path = os.path.join(a.out, "ckpt.pt")
    state = None
    if a.resume:
        if not os.path.exists(ckpt_path):
            sys.exit("train: --resume but there is no checkpoint %s" % ckpt_path)
        state = load_state(ckpt_path)
        saved = dict(state["args"])
        for k in RESUME_OVERRIDES:
            if getattr(a, k) is not None:
                saved[k] = getattr(a, k)
        if a.steps is not None and a.minutes is None:
            saved["minutes"] = None  # a step count given now replaces the run's wall-time budget
        saved["resume"], saved["out"] = True, a.out
        # a run made elsewhere (a GPU machine's .gpu/ copies) goes on with what is here
        if not all(os.path.isdir(d) for d in saved["data"].split(",")):
            print("train: the run's images %s are not here: using %s" % (saved["data"], a.data), file=sys.stderr)
            saved["data"] = a.data
        if saved.get("prepare") and not os.path.exists(saved["prepare"]):
            saved["prepare"] = None  # build it
        a = argparse.Namespace(**saved)
        print("train: resuming %s at step %d" % (ckpt_path, state["step"]), file=sys.stderr)
    elif os.path.exists(ckpt_path) and not a.force:
        sys.exit("train: %s exists; pass --resume to continue it or --force to start over" % ckpt_path)
    fill_defaults(a)
    if a.threads:
        torch.set_num_threads(a.threads)
    # denormal floats (tiny gradients early on) make CPU convolutions many times slower
    torch.set_flush_denormal(True)
    device = pick_device(a.device)
    torch.manual_seed(a.seed)

    image_ch = 3 if a.color else 1
    in_ch = in_channels(a)
    model = fast_layout(DnCNN(a.depth, a.features, in_ch, image_ch, bn=not a.no_bn).to(device), device)
    opt = torch.optim.Adam(model.parameters(), lr=a.lr)
    step, patches, wall, history = 0, 0, 0.0, []
    init_from = getattr(a, "init_from", None)
    # the runs this one continues (--init-from), kept in every checkpoint for the model card
    lineage = state.get("lineage", []) if state is not None else lineage_of(init_from) if init_from else []
    if state is not None:
        model.load_state_dict(state["model"])
        if state.get("opt") is not None:
            opt.load_state_dict(state["opt"])
        else:  # a slimmed checkpoint (train.py slim)
            print("train: the checkpoint has no optimiser state: Adam's moments start afresh", file=sys.stderr)
        step, patches, wall, history = state["step"], state["patches"], state["wall"], state["history"]

    prep = a.prepare or build_prepare(os.path.join(a.out, "prepare"))
    # a resumed run draws new noise: the seed moves on with the step
    stream_seed = a.seed * 1000003 + step
    stream = PatchStream([prep, "-stream"] + prepare_args(a, "train", stream_seed, 0, a.patch, a.workers), a.batch)
    if (stream.cin, stream.cout) != (in_ch, image_ch):
        stream.fail("stream has %d->%d channels, model %d->%d" % (stream.cin, stream.cout, in_ch, image_ch))
    if init_from and state is None:
        small = load_checkpoint_model(init_from)[0]
        x0, _, _ = stream.next()
        try:
            diff = widen_deepen(model.cpu(), small, torch.from_numpy(x0.copy()))
        except ValueError as e:
            stream.fail("--init-from: %s" % e)
        if diff > 1e-4:
            stream.fail("--init-from: the embedded network differs from %s by %.2g" % (init_from, diff))
        model.to(device)
        print("train: started from %s (%dx%d), max |difference| %.2g" % (init_from, small.depth, small.features, diff),
              file=sys.stderr)
    val = None
    if a.val_count > 0:
        vpath = os.path.join(a.out, "val.bin")
        if not os.path.exists(vpath):
            r = subprocess.run([prep, "-out", vpath] + prepare_args(a, "val", 12345, a.val_count, a.val_patch, a.workers),
                               capture_output=True, text=True)
            if r.returncode != 0:
                stream.fail("validation patches: " + r.stderr.strip())
        val = read_patch_file(vpath)

    hw = hardware(device)
    print("train: %s, %d parameters, %d FLOPs/pixel, on %s" % (arch_name(a), count_params(model),
          flops_per_pixel(a.depth, a.features, in_ch, image_ch), hw), file=sys.stderr)
    log = open(os.path.join(a.out, "log.jsonl"), "a")
    loss_fn = nn.MSELoss()

    def checkpoint(final=False):
        # weights saved in the plain (N, C, H, W) layout whatever the training layout was
        weights = {k: v.contiguous() for k, v in model.state_dict().items()}
        save_atomic({"version": 1, "args": vars(a), "model": weights, "opt": opt.state_dict(),
                     "step": step, "patches": patches, "wall": wall, "history": history, "hardware": hw, "lineage": lineage,
                     "final": final, "saved": now()}, ckpt_path)

    stop = {"now": False}

    def on_signal(sig, frame):
        stop["now"] = True
        print("train: signal %d: saving a checkpoint after this step" % sig, file=sys.stderr)

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    cuda_setup(device)
    # --minutes: train for a wall-time budget. Steps p0-p1 of this run measure the speed;
    # the run's length in steps (and so its cosine schedule) is then fixed to end in time.
    budget = (a.minutes or 0) * 60.0
    t_start, step0, t_probe, s_probe, replanned = time.time(), step, None, step, False
    p0, p1 = (20, 220) if device.type == "cuda" else (10, 40)
    if budget > 0:
        a.steps = step + 10 ** 9
        print("train: wall-time budget %s" % fmt_dur(budget), file=sys.stderr)

    model.freeze_bn = getattr(a, "freeze_bn", False)
    set_train(model)
    t_last, p_last, loss_acc, n_acc = time.time(), patches, 0.0, 0
    t_seg = time.time()
    xb = yb = None
    uses = reused = 0
    try:
        while step < a.steps and not stop["now"]:
            if budget > 0:
                el = time.time() - t_start
                if step - step0 == p0:
                    sync(device)
                    t_probe, s_probe = time.time(), step
                elif t_probe is not None and (step - step0 == p1 or (not replanned and el > budget / 4)):
                    # planned from the speed of steps p0-p1, then once more a quarter in
                    # (the first steps may run on batches buffered before the start)
                    sync(device)
                    replanned = step - step0 != p1
                    rate = (step - s_probe) / max(time.time() - t_probe, 1e-9)
                    a.steps = step + max(1, int((budget - (time.time() - t_start)) * rate * 0.97))
                    print("train: %.1f steps/s: planning %d steps in all" % (rate, a.steps), file=sys.stderr)
                if el > budget:
                    print("train: wall-time budget spent at step %d" % step, file=sys.stderr)
                    break
            if xb is not None and uses < a.reuse and not stream.ready():
                # the patch stream is behind the GPU: train on the last batch again, turned
                # or flipped (a new view of the same pairs) rather than wait
                x, y = (fast_layout(t, device) for t in dihedral(xb, yb, uses))
                uses += 1
                reused += 1
            else:
                xn, yn, _ = stream.next()
                xb, yb = (fast_layout(torch.from_numpy(t.copy()).to(device, non_blocking=True), device) for t in (xn, yn))
                x, y, uses = xb, yb, 1
            for g in opt.param_groups:
                g["lr"] = lr_at(a, step)
            noise = x[:, :image_ch] - y
            with autocast(device, getattr(a, "amp", "none")):
                pred = model(x)
            loss = loss_fn(pred.float(), noise)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            step += 1
            patches += len(x)
            loss_acc += loss.detach()  # read at log time: no GPU sync per step
            n_acc += 1
            if step % a.log_every == 0 or step == a.steps:
                t = time.time()
                wall += t - t_seg
                t_seg = t
                rate = (patches - p_last) / max(t - t_last, 1e-9)
                eta = (a.steps - step) * a.batch / max(rate, 1e-9)
                rec = {"step": step, "patches": patches, "loss": float(loss_acc) / n_acc, "lr": lr_at(a, step),
                       "patches_per_s": round(rate, 1), "wall_s": round(wall, 1)}
                if reused:
                    rec["reused_steps"] = reused
                if val is not None and (step % a.val_interval == 0 or step == a.steps):
                    rec["val"] = evaluate(model, val, device)
                    t_seg = time.time()
                history.append(rec)
                log.write(json.dumps(rec) + "\n")
                log.flush()
                print("step %d/%d  loss %.3g  %.0f patches/s  eta %s%s" % (
                    step, a.steps, rec["loss"], rate, fmt_dur(eta),
                    ("  val %.2f dB (input %.2f)" % (rec["val"]["psnr"], rec["val"]["input_psnr"])) if "val" in rec else ""),
                    file=sys.stderr)
                t_last, p_last, loss_acc, n_acc = time.time(), patches, 0.0, 0
            if step % a.save_every == 0:
                wall += time.time() - t_seg
                t_seg = time.time()
                checkpoint()
    finally:
        stream.close()
    wall += time.time() - t_seg
    if val is not None and (not history or "val" not in history[-1]):
        history.append({"step": step, "patches": patches, "wall_s": round(wall, 1), "val": evaluate(model, val, device)})
    checkpoint(final=step >= a.steps)
    print("train: %d steps, %d patches (%.2f epochs of %d; %d steps re-used a batch), %s; checkpoint %s" % (
        step, patches, patches / a.epoch_size, a.epoch_size, reused, fmt_dur(wall), ckpt_path), file=sys.stderr)


def fill_defaults(a):
    """Defaults of the arguments a resumed run may override (None = not given)."""
    for k, v in (("save_every", 500), ("log_every", 50), ("val_interval", 1000), ("device", "auto"),
                 ("threads", 0), ("workers", 2)):
        if getattr(a, k, None) is None:
            setattr(a, k, v)
    if getattr(a, "steps", None) is None:
        a.steps = max(1, round(a.epochs * a.epoch_size / a.batch))


def arch_name(a):
    return "DnCNN %dx%d%s" % (a.depth, a.features, "" if not getattr(a, "no_bn", False) else " (no BN)")


def fmt_dur(s):
    s = int(s)
    return "%dh%02dm%02ds" % (s // 3600, s // 60 % 60, s % 60) if s >= 3600 else "%dm%02ds" % (s // 60, s % 60)


def now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


# ---------------------------------------------------------------------------------------
# export


def load_checkpoint_model(path):
    state = load_state(path)
    a = argparse.Namespace(**state["args"])
    image_ch = 3 if a.color else 1
    in_ch = in_channels(a)
    model = DnCNN(a.depth, a.features, in_ch, image_ch, bn=not a.no_bn)
    model.load_state_dict(state["model"])
    return model.eval(), a, state


def numpy_reference(onnx_model, x):
    """Evaluates the exported graph (Conv, Relu, Add, Sub, Identity) with numpy in float64."""
    from onnx import numpy_helper
    g = onnx_model.graph
    vals = {t.name: numpy_helper.to_array(t).astype(np.float64) for t in g.initializer}
    vals[g.input[0].name] = x.astype(np.float64)
    for n in g.node:
        attrs = {at.name: at for at in n.attribute}
        ins = [vals[i] for i in n.input if i]
        if n.op_type == "Conv":
            w = ins[0 + 1]
            b = ins[2] if len(ins) > 2 else None
            pads = list(attrs["pads"].ints) if "pads" in attrs else [0, 0, 0, 0]
            for k in ("strides", "dilations"):
                if k in attrs and any(v != 1 for v in attrs[k].ints):
                    raise ValueError("reference: Conv %s not supported" % k)
            if "group" in attrs and attrs["group"].i != 1:
                raise ValueError("reference: grouped Conv not supported")
            xin = np.pad(ins[0], ((0, 0), (0, 0), (pads[0], pads[2]), (pads[1], pads[3])))
            kh, kw = w.shape[2], w.shape[3]
            win = np.lib.stride_tricks.sliding_window_view(xin, (kh, kw), axis=(2, 3))
            y = np.einsum("nchwij,ocij->nohw", win, w, optimize=True)
            if b is not None:
                y += b[None, :, None, None]
            out = y
        elif n.op_type == "Relu":
            out = np.maximum(ins[0], 0)
        elif n.op_type == "Add":
            out = ins[0] + ins[1]
        elif n.op_type == "Sub":
            out = ins[0] - ins[1]
        elif n.op_type == "Identity":
            out = ins[0]
        else:
            raise ValueError("reference: op %s not supported" % n.op_type)
        vals[n.output[0]] = out
    return vals[g.output[0].name]


def go_ort_run(onnx_path, x):
    """Runs the model through ONNX Runtime via the Go package filter/cnn (train/ortcheck)."""
    with tempfile.TemporaryDirectory() as d:
        inp, outp = os.path.join(d, "in.f32"), os.path.join(d, "out.f32")
        x.astype("<f4").tofile(inp)
        _, c, h, w = x.shape
        r = subprocess.run(["go", "run", "./train/ortcheck", "-model", os.path.abspath(onnx_path), "-in", inp,
                            "-h", str(h), "-w", str(w), "-out", outp], cwd=REPO, capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError(r.stderr.strip() or "train/ortcheck failed")
        return np.fromfile(outp, dtype="<f4")


def cmd_export(a):
    import onnx
    model, targs, state = load_checkpoint_model(a.ckpt)
    folded = fold_bn(model)
    in_ch, out_ch = model.in_ch, model.out_ch
    rng = np.random.default_rng(7)
    # odd sizes, values like a noisy image
    x = rng.random((1, in_ch, a.check_h, a.check_w), dtype=np.float32)
    if targs.sigma_map != "none":
        x[:, -1] = 25 / 255
    xt = torch.from_numpy(x)
    with torch.no_grad():
        ref = model(xt).numpy()
        got = folded(xt).numpy()
    d_fold = float(np.abs(ref - got).max())
    print("export: batch norm folded, max |difference| %.2e" % d_fold, file=sys.stderr)
    if d_fold > 1e-4:
        sys.exit("export: folding changed the output by %.2e > 1e-4" % d_fold)

    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    tmp = a.out + ".tmp"
    torch.onnx.export(folded, xt, tmp, input_names=["input"], output_names=["noise"], opset_version=a.opset,
                      dynamic_axes={"input": {0: "batch", 2: "height", 3: "width"},
                                    "noise": {0: "batch", 2: "height", 3: "width"}},
                      do_constant_folding=True)
    m = onnx.load(tmp)
    meta = {
        "denoise.format": "1",
        "denoise.name": a.name,
        "denoise.output": "residual",
        "denoise.channels": "rgb" if targs.color else "gray",
        "denoise.extra": extra_meta(targs),
        "denoise.sigma_map": targs.sigma_map,
        "denoise.receptive_radius": str(targs.depth),
        "denoise.arch": "dncnn depth=%d features=%d bn_folded=%s" % (targs.depth, targs.features, not targs.no_bn),
        "denoise.chain": targs.chains,
        "denoise.noise": noise_desc(targs),
        "denoise.steps": str(state["step"]),
    }
    del m.metadata_props[:]
    for k, v in meta.items():
        p = m.metadata_props.add()
        p.key, p.value = k, v
    m.doc_string = "denoise %s: %s, residual (output = predicted noise)" % (a.name, arch_name(targs))
    m.producer_name = "denoise train/train.py"
    onnx.checker.check_model(m)
    onnx.save(m, tmp)
    os.replace(tmp, a.out)

    d_ref = float(np.abs(numpy_reference(m, x) - got).max())
    print("export: ONNX graph (numpy reference) vs PyTorch, max |difference| %.2e" % d_ref, file=sys.stderr)
    if d_ref > 1e-4:
        sys.exit("export: the ONNX graph differs from PyTorch by %.2e > 1e-4" % d_ref)
    d_ort = None
    if a.ort_check != "no":
        try:
            o = go_ort_run(a.out, x).reshape(got.shape)
            d_ort = float(np.abs(o - got).max())
            print("export: ONNX Runtime (filter/cnn) vs PyTorch, max |difference| %.2e" % d_ort, file=sys.stderr)
            if d_ort > 1e-4:
                sys.exit("export: ONNX Runtime differs from PyTorch by %.2e > 1e-4" % d_ort)
        except (RuntimeError, FileNotFoundError) as e:
            if a.ort_check == "yes":
                sys.exit("export: ONNX Runtime check failed: %s" % e)
            print("export: ONNX Runtime check skipped: %s" % str(e).splitlines()[0], file=sys.stderr)
    # record the checks in the model itself, so that `card` can show them later
    m = onnx.load(a.out)
    p = m.metadata_props.add()
    p.key, p.value = "denoise.export_checks", json.dumps({"fold": d_fold, "numpy": d_ref, "ort": d_ort})
    onnx.save(m, a.out)
    if a.golden:
        # input then PyTorch output, float32 little endian, for Go tests
        with open(a.golden, "wb") as f:
            f.write(struct.pack("<4i", in_ch, out_ch, a.check_h, a.check_w))
            f.write(x.astype("<f4").tobytes())
            f.write(got.astype("<f4").tobytes())
    card = a.card if a.card else os.path.splitext(a.out)[0] + ".md"
    if card != "none":
        write_card(card, a.name, a.out, targs, state, folded_params=count_params(folded),
                   checks={"fold": d_fold, "numpy": d_ref, "ort": d_ort})
    size = os.path.getsize(a.out)
    print("export: wrote %s (%d bytes)%s" % (a.out, size, "" if card == "none" else " and " + card), file=sys.stderr)


def noise_desc(t):
    lo, _, hi = t.sigma.partition(":")
    if not hi or float(lo) == float(hi):
        parts = ["AWGN sigma %s (0-255 scale)" % lo]
    else:
        parts = ["AWGN sigma uniform in [%s, %s] (0-255 scale)" % (lo, hi)]
    if t.impulse_prob > 0:
        parts.append("with probability %g impulses: salt-and-pepper p in [%s] or random-valued p in [%s], "
                     "half each" % (t.impulse_prob, t.sp.replace(":", ", "), t.rv.replace(":", ", ")))
        if getattr(t, "impulse_chains", ""):
            parts[-1] += " (images of chains %s only)" % t.impulse_chains
    return "; ".join(parts) + "; added to 8-bit codes, rounded and clipped (quality.Noise)"


# ---------------------------------------------------------------------------------------
# model card


def write_card(path, name, onnx_path, t, state, folded_params, checks=None, eval_json=None):
    with open(CARD_TEMPLATE) as f:
        tpl = f.read()
    image_ch = 3 if t.color else 1
    in_ch = in_channels(t)
    hist = state.get("history", [])
    rates = [h["patches_per_s"] for h in hist if "patches_per_s" in h]
    val = next((h["val"] for h in reversed(hist) if "val" in h), None)
    sha = hashlib.sha256(open(onnx_path, "rb").read()).hexdigest() if os.path.exists(onnx_path) else "-"
    fl = flops_per_pixel(t.depth, t.features, in_ch, image_ch)
    data = ",".join(os.path.relpath(d, REPO) if os.path.isabs(d) else d for d in t.data.split(","))
    if data.startswith(".gpu/"):
        data += " (the copy of ../shared/datasets/train400 that `train/gpu.sh pack` carries to a GPU machine)"
    vals = {
        "name": name,
        "onnx": os.path.basename(onnx_path),
        "sha256": sha,
        "bytes": str(os.path.getsize(onnx_path)) if os.path.exists(onnx_path) else "-",
        "arch": arch_name(t),
        "depth": str(t.depth),
        "features": str(t.features),
        "bn": "yes (folded into the convolutions at export)" if not t.no_bn else "no",
        "inputs": "%d (%s%s%s%s)" % (in_ch, "R, G, B" if t.color else "gray / luma / one colour plane",
                                      ", then the same before the smoothing stage (guide)" if getattr(t, "guide", False) else "",
                                      ", then the same as it entered the chain, before impulse replacement (source)"
                                      if getattr(t, "source", False) else "",
                                      ", noise-level map sigma/255" if t.sigma_map != "none" else ""),
        "outputs": "%d: the predicted noise (image = input - output)" % image_ch,
        "radius": str(t.depth),
        "params": "{:,}".format(folded_params),
        "flops": "{:,}".format(fl),
        "gflops_vga": "%.1f" % (fl * 640 * 480 / 1e9),
        "data": data + (" (colour)" if t.color else " (gray)"),
        "val_split": "every %dth image held out for validation" % t.val_every_image,
        "chains": t.chains,
        "stage_sigma": t.stage_sigma,
        "sigma_map": t.sigma_map,
        "noise": noise_desc(t),
        "patch": "%dx%d, %d per noisy image, random flips and rotations" % (t.patch, t.patch, t.per_image),
        "batch": str(t.batch),
        "optimizer": "Adam, learning rate %g cosine-decayed to %g, MSE on the noise" % (t.lr, t.lr_min),
        "steps": "{:,}".format(state["step"]) + ("" if state.get("final") or not t.steps else
                                                  " (of {:,} planned: stopped early, cosine schedule unfinished)".format(t.steps)),
        "patches": "{:,}".format(state["patches"]),
        "epochs": "%.2f (epoch = %s patches, as DnCNN's 128 x 1,600)" % (state["patches"] / t.epoch_size, "{:,}".format(t.epoch_size)),
        "wall": fmt_dur(state["wall"]) + " (%.0f s)" % state["wall"] + (
            "; started from %s (--init-from, Net2Net: the same function at step 0), whose training the next row gives"
            % os.path.relpath(os.path.abspath(t.init_from), REPO) if getattr(t, "init_from", None) else ""),
        "lineage": "; ".join("%s (%s), chains `%s`, lr %g: {:,} steps, {:,} patches (%.2f epochs), %s on %s".format(
            r["steps"], r["patches"]) % (r["arch"], r["extra"], r["chains"], r["lr"], r["epochs"], fmt_dur(r["wall"]),
                                          r["hardware"]) for r in state.get("lineage", [])) or "- (trained from scratch)",
        "rate": ("%.0f patches/s (median)" % float(np.median(rates))) if rates else "-",
        "hardware": state.get("hardware", "-"),
        "val": ("%.2f dB (input %.2f dB) on %d held-out %dx%d patches" % (val["psnr"], val["input_psnr"], t.val_count, t.val_patch, t.val_patch)) if val else "-",
        "checks": ("folded vs PyTorch %.1e, ONNX (numpy) vs PyTorch %.1e, ONNX Runtime vs PyTorch %s" % (
            checks["fold"], checks["numpy"], "%.1e" % checks["ort"] if checks["ort"] is not None else "not run")) if checks else "-",
        "date": state.get("saved", now()),
        "set12": set12_table(eval_json, name),
        "command": "train.py train " + " ".join(("--%s" % k.replace("_", "-")) if v is True else
                                                 "--%s %s" % (k.replace("_", "-"), data if k == "data" else v)
                                                 for k, v in sorted(vars(t).items())
                                                 if k in ("depth", "features", "sigma", "sp", "rv", "impulse_prob", "chains",
                                                          "sigma_map", "patch", "batch", "steps", "lr", "data", "color",
                                                          "guide", "source", "impulse_chains", "init_from")
                                                 and v is not False and v is not None),
    }
    out = tpl
    for k, v in vals.items():
        out = out.replace("{{%s}}" % k, v)
    with open(path, "w") as f:
        f.write(out)


def set12_table(eval_json, name):
    if not eval_json:
        return ("| noise | PSNR dB | SSIM | s/image |\n|---|---|---|---|\n"
                "| awgn:15 / 25 / 50, awgn:10+sp:0.2, awgn:10+rv:0.1 | not measured yet | | |\n\n"
                "Fill with: `denoise eval --clean ../shared/datasets/set12 --noise awgn:15 --noise awgn:25 "
                "--noise awgn:50 --noise awgn:10+sp:0.2 --noise awgn:10+rv:0.1 --mode cnn --mode full ... --json set12.json`, "
                "then `train.py card --ckpt CKPT --name %s --onnx ONNX --eval-json set12.json`." % name)
    rep = json.load(open(eval_json))
    rows = ["| noise | method | PSNR dB | SSIM | s/image |", "|---|---|---|---|---|"]
    for r in rep.get("results", []):
        f = lambda v, d: "-" if v is None else ("%.*f" % (d, v))
        rows.append("| %s | %s | %s | %s | %s |" % (r["noise"], r["method"], f(r.get("psnr"), 2), f(r.get("ssim"), 4),
                                                    f(r.get("seconds_per_image"), 3)))
    setup = rep.get("config", {})
    rows.append("")
    rows.append("From `denoise eval` on %s, seed %s (%s images)." % (setup.get("clean", "?"), setup.get("seed", "?"),
                                                                   len(rep.get("images", []))))
    return "\n".join(rows)


def cmd_card(a):
    import onnx
    model, targs, state = load_checkpoint_model(a.ckpt)
    meta = {p.key: p.value for p in onnx.load(a.onnx).metadata_props}
    checks = json.loads(meta["denoise.export_checks"]) if "denoise.export_checks" in meta else None
    write_card(a.card or os.path.splitext(a.onnx)[0] + ".md", a.name, a.onnx, targs, state,
               folded_params=count_params(fold_bn(model)), checks=checks, eval_json=a.eval_json)


# ---------------------------------------------------------------------------------------
# init: an untrained checkpoint (tests, speed of candidate sizes through ONNX Runtime)


def cmd_slim(a):
    """Writes the checkpoint without the optimiser's state (Adam's two moments: twice the
    weights' size), for committing; resuming it restarts the moments."""
    state = load_state(a.ckpt)
    state["opt"] = None
    save_atomic(state, a.out)
    print("slim: %s (%d bytes) -> %s (%d bytes)" % (a.ckpt, os.path.getsize(a.ckpt), a.out, os.path.getsize(a.out)),
          file=sys.stderr)


def cmd_init(a):
    torch.manual_seed(a.seed)
    ns = argparse.Namespace(depth=a.depth, features=a.features, color=a.color, no_bn=False,
                            sigma_map="estimate" if a.sigma_map else "none", chains="none", data="(untrained)",
                            sigma="0:0", sp="0:0", rv="0:0", impulse_prob=0.0, stage_sigma="estimate",
                            patch=40, per_image=8, batch=0, lr=0.0, lr_min=0.0, steps=0, val_every_image=40,
                            val_count=0, val_patch=64, epoch_size=DNCNN_EPOCH, seed=a.seed, guide=a.guide,
                            source=a.source)
    image_ch = 3 if a.color else 1
    model = DnCNN(a.depth, a.features, in_channels(ns), image_ch)
    for m in model.modules():  # non-trivial statistics, so that folding is exercised
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-0.1, 0.1)
            m.running_var.uniform_(0.5, 2)
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.1, 0.1)
    nn.init.normal_(model.body[-1].weight, std=0.05)
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    save_atomic({"version": 1, "args": vars(ns), "model": model.state_dict(), "opt": None, "step": 0, "patches": 0,
                 "wall": 0.0, "history": [], "hardware": "-", "final": False, "saved": now()}, a.out)


# ---------------------------------------------------------------------------------------
# speed


def cmd_speed(a):
    if a.threads:
        torch.set_num_threads(a.threads)
    torch.set_flush_denormal(True)
    device = pick_device(a.device)
    image_ch = 3 if a.color else 1
    ns = argparse.Namespace(color=a.color, guide=a.guide, sigma_map="estimate" if a.sigma_map else "none")
    model = DnCNN(a.depth, a.features, in_channels(ns), image_ch).to(device)
    x = torch.rand(a.batch, model.in_ch, a.patch, a.patch, device=device)
    y = torch.rand(a.batch, image_ch, a.patch, a.patch, device=device)
    cuda_setup(device)  # as train does
    model, x, y = (fast_layout(t, device) for t in (model, x, y))
    opt = torch.optim.Adam(model.parameters(), 1e-4)
    for i in range(a.warmup + a.iters):
        if i == a.warmup:
            sync(device)
            t0 = time.time()
        with autocast(device, a.amp):
            pred = model(x)
        loss = nn.functional.mse_loss(pred.float(), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    sync(device)
    rate = a.iters * a.batch / (time.time() - t0)
    print(json.dumps({"arch": "%dx%d" % (a.depth, a.features), "patch": a.patch, "batch": a.batch, "amp": a.amp,
                      "patches_per_s": round(rate, 1), "hardware": hardware(device),
                      "seconds_per_epoch": round(DNCNN_EPOCH / rate), "flops_per_pixel": flops_per_pixel(a.depth, a.features, model.in_ch, image_ch)}))


# ---------------------------------------------------------------------------------------


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)

    t = sub.add_parser("train", help="train a model (resumable)")
    t.add_argument("--out", required=True, help="run folder: ckpt.pt, log.jsonl, val.bin, the prepare binary")
    t.add_argument("--resume", action="store_true", help="continue the checkpoint in --out")
    t.add_argument("--force", action="store_true", help="start over even if --out has a checkpoint")
    t.add_argument("--depth", type=int, default=17, help="conv layers (receptive radius = depth)")
    t.add_argument("--features", type=int, default=64, help="feature maps per hidden layer")
    t.add_argument("--no-bn", action="store_true", help="no batch normalisation")
    t.add_argument("--color", action="store_true", help="train an RGB model (3 channels) on colour images")
    t.add_argument("--data", default=os.path.normpath(os.path.join(REPO, "..", "shared", "datasets", "train400")),
                   help="folder(s) of clean images, comma-separated (default ../shared/datasets/train400)")
    t.add_argument("--val-every-image", type=int, default=40, help="hold out every Nth image for validation")
    t.add_argument("--sigma", default="0:55", help="AWGN sigma range lo:hi on the 0-255 scale, uniform")
    t.add_argument("--sp", default="0:0.3", help="salt-and-pepper probability range")
    t.add_argument("--rv", default="0:0.15", help="random-valued impulse probability range")
    t.add_argument("--impulse-prob", type=float, default=0.5, help="share of images that get impulses")
    t.add_argument("--chains", default="none:0.4,impulse:0.3,impulse+nlm:0.3",
                   help="what runs before the CNN (denoise modes, with weights): none, impulse, nlm, impulse+nlm")
    t.add_argument("--guide", action="store_true",
                   help="guide channels: the picture as it entered the chain's smoothing stage (nlm, stnlm)")
    t.add_argument("--source", action="store_true",
                   help="source channels (with --guide): the picture as it entered the chain, before impulse replacement")
    t.add_argument("--impulse-chains", default="", help="chains whose images may get impulses (default: all)")
    t.add_argument("--sigma-map", default="none", choices=["none", "estimate", "true"],
                   help="add a noise-level input channel: estimated as inference does, or the true sigma")
    t.add_argument("--stage-sigma", default="estimate", choices=["estimate", "true"],
                   help="sigma given to the stages before the CNN (inference default: estimate)")
    t.add_argument("--patch", type=int, default=40)
    t.add_argument("--per-image", type=int, default=8, help="patches cut from each noisy image")
    t.add_argument("--batch", type=int, default=128)
    t.add_argument("--epochs", type=float, default=50, help="training length in epochs of --epoch-size patches")
    t.add_argument("--epoch-size", type=int, default=DNCNN_EPOCH)
    t.add_argument("--steps", type=int, default=None, help="training length in steps (overrides --epochs)")
    t.add_argument("--minutes", type=float, default=None,
                   help="train for this wall time: the step count is set from the speed of the first steps")
    t.add_argument("--init-from", default=None,
                   help="start from a smaller trained checkpoint embedded in the new network (Net2Net)")
    t.add_argument("--freeze-bn", action="store_true",
                   help="keep batch norm's running statistics (fine-tuning with batches smaller than the run's)")
    t.add_argument("--amp", default="none", choices=["none", "bf16"],
                   help="mixed precision: bf16 runs the convolutions in bfloat16 (a GPU's tensor cores)")
    t.add_argument("--reuse", type=int, default=1,
                   help="train on a batch up to N times (turned or flipped) while the patch stream is behind")
    t.add_argument("--lr", type=float, default=1e-3)
    t.add_argument("--lr-min", type=float, default=1e-5)
    t.add_argument("--seed", type=int, default=1)
    t.add_argument("--save-every", type=int, default=None, help="checkpoint every N steps (500)")
    t.add_argument("--log-every", type=int, default=None, help="log every N steps (50)")
    t.add_argument("--val-interval", type=int, default=None, help="validate every N steps (1000)")
    t.add_argument("--val-count", type=int, default=128, help="validation patches (0: none)")
    t.add_argument("--val-patch", type=int, default=64)
    t.add_argument("--device", default=None, help="auto (default), cpu, cuda, cuda:N")
    t.add_argument("--threads", type=int, default=None, help="torch CPU threads (0: torch's default)")
    t.add_argument("--workers", type=int, default=None, help="goroutines of train/prepare (2)")
    t.add_argument("--prepare", default=None, help="a built train/prepare binary (default: go build it into --out)")

    e = sub.add_parser("export", help="fold BN, write ONNX, verify, write the model card")
    e.add_argument("--ckpt", required=True)
    e.add_argument("--out", required=True, help="ONNX file, e.g. models/builtin/full.onnx")
    e.add_argument("--name", required=True, help="model name (full, light, ...)")
    e.add_argument("--card", default="", help="model card path (default: beside the ONNX file, .md; none: no card)")
    e.add_argument("--opset", type=int, default=13)
    e.add_argument("--check-h", type=int, default=37)
    e.add_argument("--check-w", type=int, default=53)
    e.add_argument("--ort-check", default="auto", choices=["auto", "yes", "no"],
                   help="also run the ONNX file through ONNX Runtime via Go (filter/cnn)")
    e.add_argument("--golden", default="", help="also write the check input and PyTorch output here (Go tests)")

    c = sub.add_parser("card", help="rewrite a model card (with Set12 scores)")
    c.add_argument("--ckpt", required=True)
    c.add_argument("--onnx", required=True)
    c.add_argument("--name", required=True)
    c.add_argument("--card", default="")
    c.add_argument("--eval-json", default="", help="a `denoise eval --json` report to fill the Set12 table")

    sl = sub.add_parser("slim", help="drop the optimiser state from a checkpoint (to commit it; resuming restarts Adam)")
    sl.add_argument("--ckpt", required=True)
    sl.add_argument("--out", required=True)

    i = sub.add_parser("init", help="write an untrained checkpoint (random weights) for tests and benchmarks")
    i.add_argument("--out", required=True, help="checkpoint file")
    i.add_argument("--depth", type=int, default=17)
    i.add_argument("--features", type=int, default=64)
    i.add_argument("--color", action="store_true")
    i.add_argument("--sigma-map", action="store_true")
    i.add_argument("--guide", action="store_true")
    i.add_argument("--source", action="store_true", help="source channels too (with --guide)")
    i.add_argument("--seed", type=int, default=1)

    s = sub.add_parser("speed", help="training patches/s of an architecture on this machine")
    s.add_argument("--depth", type=int, default=17)
    s.add_argument("--features", type=int, default=64)
    s.add_argument("--color", action="store_true")
    s.add_argument("--sigma-map", action="store_true")
    s.add_argument("--guide", action="store_true")
    s.add_argument("--amp", default="none", choices=["none", "bf16"])
    s.add_argument("--patch", type=int, default=40)
    s.add_argument("--batch", type=int, default=128)
    s.add_argument("--iters", type=int, default=5)
    s.add_argument("--warmup", type=int, default=1)
    s.add_argument("--device", default="auto")
    s.add_argument("--threads", type=int, default=0)

    a = p.parse_args()
    {"train": cmd_train, "export": cmd_export, "card": cmd_card, "slim": cmd_slim, "init": cmd_init,
     "speed": cmd_speed}[a.cmd](a)


if __name__ == "__main__":
    main()
