#!/usr/bin/env bash
# nlm.sh — NLM throughput: `denoise --mode nlm` against FFmpeg's nlmeans filter at the same
# search window and patch size, on the same generated noisy 720p clip, in one run, both
# writing to FFmpeg's null muxer so that only decoding and filtering are timed.
# Prints fps, pixel·offsets per second over Y+U+V, and the ratio denoise/ffmpeg.
#   bash bench/nlm.sh                    # search 15 (r=7), patch 7: FFmpeg's defaults
#   SEARCH=21 PATCH=5 bash bench/nlm.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export GOEXPERIMENT=simd # the AVX2 kernels (internal/dsp); without it only the portable ones are built
SEARCH=${SEARCH:-15}
PATCH=${PATCH:-7}
FRAMES=${FRAMES:-20}
SIZE=${SIZE:-1280x720}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

go build -o "$work/denoise" ./cmd/denoise
in="$work/in.mkv"
ffmpeg -v error -y -f lavfi -i "testsrc2=size=$SIZE:rate=25,noise=alls=20:allf=t,format=yuv420p" \
  -frames:v "$FRAMES" -c:v ffv1 "$in"

time_of() { local t0 t1; t0=$(date +%s.%N); "$@" >/dev/null 2>"$work/err" || { cat "$work/err" >&2; exit 1; }; t1=$(date +%s.%N); echo "$t0 $t1" | awk '{print $2-$1}'; }
ff=$(time_of ffmpeg -v error -threads "$(nproc)" -filter_threads "$(nproc)" -i "$in" -vf "nlmeans=s=4:p=$PATCH:r=$SEARCH" -f null -)
dn=$(time_of "$work/denoise" -i "$in" -f null -o - --mode nlm --sigma 20 --nlm-search "$SEARCH" --nlm-patch "$PATCH" --progress off)
w=${SIZE%x*}; h=${SIZE#*x}
awk -v ff="$ff" -v dn="$dn" -v n="$FRAMES" -v w="$w" -v h="$h" -v s="$SEARCH" -v p="$PATCH" 'BEGIN {
  po = n * w * h * 1.5 * s * s   # pixel-offsets over Y+U+V (4:2:0)
  printf "%dx%d yuv420p, %d frames, search %dx%d, patch %dx%d\n", w, h, n, s, s, p, p
  printf "ffmpeg nlmeans  %7.2f s  %6.2f fps  %6.0f M pixel-offsets/s\n", ff, n/ff, po/ff/1e6
  printf "denoise nlm     %7.2f s  %6.2f fps  %6.0f M pixel-offsets/s\n", dn, n/dn, po/dn/1e6
  printf "throughput ratio denoise/ffmpeg = %.2f (target >= 4)\n", ff/dn
}'
