#!/usr/bin/env bash
# demo.sh — set everything up, build denoise, and denoise the bundled sample clip
# (testdata/sample_noisy.mkv: 192x144 H.264 with grain, and an AAC audio track).
set -euo pipefail
cd "$(dirname "$0")/.."
export GOEXPERIMENT=simd # the AVX2 kernels (internal/dsp); without it only the portable ones are built
bash scripts/setup.sh
go build -o bin/denoise ./cmd/denoise
mkdir -p out
mode=${1:-auto}  # the default: impulse repair, then spatio-temporal NLM
./bin/denoise -i testdata/sample_noisy.mkv -o out/sample_denoised.mkv -y --mode "$mode" --progress on
ffprobe -v error -count_frames -show_entries stream=codec_name,width,height,pix_fmt,nb_read_frames \
  -of compact out/sample_denoised.mkv
echo "wrote out/sample_denoised.mkv"
