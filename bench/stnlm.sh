#!/usr/bin/env bash
# stnlm.sh — spatio-temporal NLM throughput: the live and quality presets (impulse+stnlm)
# with temporal radius 1 and 2, next to FFmpeg's nlmeans at its defaults (spatial, patch 7,
# search 15), on the same generated noisy yuv420p clips at 640x480 and 1280x720, in one run.
# Everything reads the same FFV1 file and writes to FFmpeg's null muxer, so that only
# decoding and filtering are timed. The presets are used without their output settings
# (what follows "# output" in the YAML) and the live one with --live=false, so that no
# frame is dropped. Prints fps, CPU milliseconds per frame (wall time on a shared machine
# says as much about the neighbours as about the code) and the ratio to FFmpeg's fps, then
# the top of a CPU profile of the stnlm stage (go test -bench, 1280x720).
#   bash bench/stnlm.sh
#   FRAMES=40 SIZES="1280x720" bash bench/stnlm.sh
#   PROFILE=0 bash bench/stnlm.sh     # no profile
set -euo pipefail
cd "$(dirname "$0")/.."
export GOEXPERIMENT=simd # the AVX2 kernels (internal/dsp); without it only the portable ones are built
FRAMES=${FRAMES:-20}
SIZES=${SIZES:-"640x480 1280x720"}
PROFILE=${PROFILE:-1}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

go build -o "$work/denoise" ./cmd/denoise
for p in live quality; do
  sed '/^# output/,$d' "configs/presets/$p.yaml" >"$work/$p.yaml"
done

# run LABEL CMD…: time the command, print fps, CPU ms per frame and the ratio to FFmpeg.
run() {
  local label=$1
  shift
  /usr/bin/time -f "%e %U %S" -o "$work/time" "$@" >/dev/null 2>"$work/err" || { cat "$work/err" >&2; exit 1; }
  read -r wall user sys <"$work/time"
  awk -v l="$label" -v w="$wall" -v u="$user" -v s="$sys" -v n="$FRAMES" -v ff="${ffps:-0}" 'BEGIN {
    fps = n / w
    ratio = ff > 0 ? sprintf("%.2f", fps / ff) : "-"
    printf "  %-34s %7.2f fps  %7.0f CPU ms/frame  %6s\n", l, fps, (u + s) * 1000 / n, ratio
  }'
  if [ -z "${ffps:-}" ]; then ffps=$(awk -v w="$wall" -v n="$FRAMES" 'BEGIN { print n / w }'); fi
}

echo "$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $FRAMES frames, AWGN σ≈20"
for size in $SIZES; do
  in="$work/in-$size.mkv"
  ffmpeg -v error -y -f lavfi -i "testsrc2=size=$size:rate=25,noise=alls=20:allf=t,format=yuv420p" \
    -frames:v "$FRAMES" -c:v ffv1 "$in"
  echo
  echo "$size yuv420p                        fps            CPU            ×ffmpeg"
  unset ffps
  run "ffmpeg nlmeans (defaults)" ffmpeg -v error -threads "$(nproc)" -filter_threads "$(nproc)" -i "$in" -vf nlmeans -f null -
  for preset in live quality; do
    for r in 1 2; do
      extra=()
      [ "$preset" = live ] && extra=(--live=false)
      run "$preset (impulse+stnlm r=$r)" "$work/denoise" -i "$in" -f null -o - --progress off --log-level warn \
        --preset "$work/$preset.yaml" --radius "$r" "${extra[@]}"
    done
  done
done
echo "(live: causal, lookahead 0 frames; quality: centred, lookahead r frames)"

if [ "$PROFILE" = 1 ]; then
  echo
  echo "CPU profile of the stnlm stage, 1280x720 yuv420p (go test -bench; test-clip rendering left out):"
  for c in live/r=1 quality/r=2; do
    go test -run '^$' -bench "BenchmarkSTNLM/1280x720/yuv420/$c\$" -benchtime 20x -cpuprofile "$work/cpu.prof" \
      -o "$work/temporal.test" ./temporal | grep Benchmark
    go tool pprof -top -nodecount 14 -ignore 'renderShots|noisy' "$work/temporal.test" "$work/cpu.prof" 2>/dev/null |
      sed -n '/flat%/,$p'
  done
fi
