#!/usr/bin/env bash
# Train a model on a lent GPU machine within a wall-time budget.
#
#   bash train/gpu.sh pack                 # here: build train/prepare, copy the training images into .gpu/
#   bash train/gpu.sh run [MINUTES] [ARGS]  # there (the device tool, carry .gpu): train, checkpoint to $OUT/run/
#   bash train/gpu.sh resume [MINUTES]      # there: go on training the committed full model instead
#   bash train/gpu.sh finish FETCHED/run      # here: export, ORT check, Set12 scores, card, checkpoint
#
# The GPU machine has PyTorch but no Go and no ../shared: `pack` puts the prepare binary
# (x86-64, built here) and train400 into the git-ignored .gpu/ folder that travels with
# `carry: [".gpu"]`. `run` trains the full model (17 × 64, guide and source channels, the
# light model's chains, the single-image `full` chain weighted up) for MINUTES (default 8)
# with a learning-rate schedule fitted to the budget; extra ARGS go to `train.py train`
# (e.g. `--init-from .gpu/init.pt --lr 3e-4` to go on from a checkpoint copied there).
# Both train with `--amp bf16` (convolutions in bfloat16: 1.9× on this CPU, not yet measured
# on the GPU; the shipped full model was trained in TF32): should the first steps fail,
# rerun at once with `--amp none`. Export, the ONNX Runtime check and the Set12 evaluation run
# back here with `finish` (train/README.md). The 17 × 64 checkpoint (with Adam's state) is
# about 7 MB: it comes back through $OUT; the one committed is slimmed (2.3 MB, no Adam state).
set -euo pipefail
cd "$(dirname "$0")/.."
cmd=${1:-}
shift || true
# the Python with torch (Debian's here; the GPU machine's own there), and train/prepare's
# workers: all cores but two, which feed the GPU
py=python3
command -v /usr/bin/python3 >/dev/null && /usr/bin/python3 -c 'import torch' 2>/dev/null && py=/usr/bin/python3
workers=$(( $(nproc) > 2 ? $(nproc) - 2 : 1 ))
case "$cmd" in
pack)
	data=${DATA:-../shared/datasets/train400}
	[ -d "$data" ] || { echo "gpu.sh: no training images at $data (set DATA)" >&2; exit 1; }
	mkdir -p .gpu/train400
	go build -o .gpu/prepare ./train/prepare
	cp "$data"/*.png .gpu/train400/
	[ -f train/checkpoints/full.pt ] && cp train/checkpoints/full.pt .gpu/full.pt
	du -sh .gpu
	;;
resume)
	# there: go on training the committed full model (packed as .gpu/full.pt) for MINUTES;
	# its cosine schedule is re-planned from where it stopped (a warm restart)
	minutes=${1:-8}
	shift || true
	[ -x .gpu/prepare ] && [ -f .gpu/full.pt ] || { echo "gpu.sh: run 'bash train/gpu.sh pack' here first and carry .gpu" >&2; exit 1; }
	out=${OUT:-out}/run
	mkdir -p "$out"
	cp .gpu/full.pt "$out/ckpt.pt"
	PYTHONUNBUFFERED=1 $py train/train.py train --out "$out" --resume --prepare .gpu/prepare --workers "$workers" \
		--minutes "$minutes" --amp bf16 --save-every 2000 --val-interval 2000 --log-every 200 "$@" 2>&1 | tee "$out/train.log"
	;;
run)
	minutes=${1:-8}
	shift || true
	[ -x .gpu/prepare ] && [ -d .gpu/train400 ] || { echo "gpu.sh: run 'bash train/gpu.sh pack' here first and carry .gpu" >&2; exit 1; }
	out=${OUT:-out}/run
	mkdir -p "$out"
	$py -c 'import torch; print("torch", torch.__version__, "cuda", torch.cuda.is_available(), torch.cuda.get_device_name(0) if torch.cuda.is_available() else "")'
	PYTHONUNBUFFERED=1 $py train/train.py train --out "$out" --force --prepare .gpu/prepare --data .gpu/train400 \
		--workers "$workers" --depth 17 --features 64 --guide --source \
		--chains none:0.05,impulse:0.05,nlm:0.3,impulse+stnlm:0.4,impulse+stnlm/5:0.2 \
		--impulse-chains impulse,impulse+stnlm,impulse+stnlm/5 \
		--per-image 32 --batch 128 --reuse 4 --amp bf16 --minutes "$minutes" --save-every 2000 --val-interval 2000 \
		--log-every 200 "$@" 2>&1 | tee "$out/train.log"
	;;
finish)
	# here, with the fetched run folder: export, check, score on Set12, write the card
	run=${1:?usage: bash train/gpu.sh finish FETCHED_RUN_FOLDER [NAME]}
	name=${2:-full}
	ckpt=$run/ckpt.pt
	[ -f "$ckpt" ] || { echo "gpu.sh: no checkpoint at $ckpt" >&2; exit 1; }
	/usr/bin/python3 train/train.py export --ckpt "$ckpt" --name "$name" --out "models/builtin/$name.onnx"
	go build -o bin/denoise ./cmd/denoise
	mkdir -p out
	DENOISE_CNN_MODEL=$name bin/denoise eval --clean ../shared/datasets/set12 \
		--noise awgn:25 --noise awgn:10+sp:0.2 --mode nlm --mode cnn --mode nlm+cnn \
		--mode impulse+nlm --mode impulse+cnn --mode full --json "out/$name-set12.json"
	/usr/bin/python3 train/train.py card --ckpt "$ckpt" --name "$name" --onnx "models/builtin/$name.onnx" \
		--eval-json "out/$name-set12.json"
	mkdir -p train/checkpoints
	/usr/bin/python3 train/train.py slim --ckpt "$ckpt" --out "train/checkpoints/$name.pt"
	echo "gpu.sh: models/builtin/$name.onnx, its card and train/checkpoints/$name.pt are ready to commit"
	;;
*)
	echo "usage: bash train/gpu.sh pack | run [MINUTES] [train.py train ARGS] | resume [MINUTES] | finish RUN_FOLDER [NAME]" >&2
	exit 2
	;;
esac
