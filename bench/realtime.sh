#!/usr/bin/env bash
# realtime.sh — real time on this machine: one table of fps, CPU milliseconds per frame, luma
# PSNR against the clean clip and peak RSS at 640x480, 1280x720 and 1920x1080, for FFmpeg's
# hqdn3d (its defaults, and the best luma_spatial of a small sweep for PSNR), FFmpeg's nlmeans
# (its defaults) and denoise's live and quality presets.
#
# The clip: the flower photograph of Debian's libjxl-testdata package
# (/usr/share/libjxl-testdata/jxl/flower/flower.png, 2268x1512; scripts/setup.sh --bench installs
# it), cropped to the output's aspect ratio and panned and zoomed with FFmpeg's zoompan into a
# 25 fps yuv420p clip of each size (real texture, camera motion); the clean clip is kept. White
# Gaussian noise of σ=20 is added to every plane by bench/awgn (a PCG generator, fixed seed;
# FFmpeg's noise filter is not Gaussian). Everything reads Y4M, so that decoding costs nothing.
#
# Timed runs write to FFmpeg's null muxer; the PSNR comes from a second, untimed run that sends
# the result to FFmpeg's psnr filter (Y4M through a pipe for denoise). nlmeans, which is slow
# and spatial, runs on the first NLM_FRAMES frames only, with the psnr filter in its timed run
# (it costs under 0.1 % of nlmeans's time). The presets are used without their output settings
# (what follows "# output" in the YAML) and the live one with --live=false, so that no frame is
# dropped. fps is frames over wall time and says as much about the neighbours on a shared
# machine as about the code; CPU ms per frame (user + system) and peak RSS (/usr/bin/time %M)
# do not. "×nlm" is the fps over nlmeans's fps in the same run.
#   bash bench/realtime.sh
#   FRAMES=40 SIZES="1280x720" bash bench/realtime.sh
#   PRESETS="live" NLM_FRAMES=0 bash bench/realtime.sh     # no nlmeans
set -euo pipefail
cd "$(dirname "$0")/.."
export GOEXPERIMENT=simd # the AVX2 kernels (internal/dsp); without it only the portable ones are built
FRAMES=${FRAMES:-120} # a stream's steady state: start-up (loading libraries, the first touch of every buffer) costs about half a second of a short run
NLM_FRAMES=${NLM_FRAMES:-10}
SIZES=${SIZES:-"640x480 1280x720 1920x1080"}
PRESETS=${PRESETS:-"live quality"}
SWEEP=${SWEEP:-"4 8 12 16 24 32 40 48"}
SIGMA=${SIGMA:-20}
PHOTO=${PHOTO:-/usr/share/libjxl-testdata/jxl/flower/flower.png}
[ -f "$PHOTO" ] || { echo "realtime: $PHOTO is missing: bash scripts/setup.sh --bench (Debian's libjxl-testdata)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
THREADS=$(nproc)

go build -o "$work/denoise" ./cmd/denoise
go build -o "$work/awgn" ./bench/awgn
for p in $PRESETS; do
  sed '/^# output/,$d' "configs/presets/$p.yaml" >"$work/$p.yaml"
done

# clip W H: the clean and the noisy clip of this size, $work/clean.y4m and $work/noisy.y4m.
clip() {
  local w=$1 h=$2 cw ch
  # the largest crop of the photograph with the output's aspect ratio
  read -r cw ch < <(ffprobe -v error -select_streams v:0 -show_entries stream=width,height -of csv=p=0 "$PHOTO" |
    awk -F, -v w="$w" -v h="$h" '{ if ($1 * h > $2 * w) print int($2 * w / h / 2) * 2, $2; else print $1, int($1 * h / w / 2) * 2 }')
  # zoom in from 1.25x by 0.4 % a frame while panning left to right and bobbing up and down
  local zp="zoompan=z='1.25+0.004*on':x='(iw-iw/zoom)*(0.15+0.7*min(on/60,1))':y='(ih-ih/zoom)*(0.5+0.3*sin(on/9))'"
  ffmpeg -v error -y -i "$PHOTO" -vf "crop=$cw:$ch,$zp:d=$FRAMES:s=${w}x$h:fps=25,format=yuv420p" \
    -frames:v "$FRAMES" -f yuv4mpegpipe "$work/clean.y4m"
  "$work/awgn" -sigma "$SIGMA" -seed 1 <"$work/clean.y4m" >"$work/noisy.y4m"
}

# psnr_of LOGFILE: the luma PSNR the psnr filter logged.
psnr_of() { sed -n 's/.*PSNR y:\([0-9.inf]*\).*/\1/p' "$1" | tail -1 | awk '{ printf "%.2f", $1 }'; }

# timed N CMD…: run the command under /usr/bin/time; sets wall, cpu (s) and rss (KiB).
timed() {
  local n=$1
  shift
  /usr/bin/time -f "%e %U %S %M" -o "$work/time" "$@" >/dev/null 2>"$work/err" || { cat "$work/err" >&2; exit 1; }
  read -r wall user sys rss <"$work/time"
  cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')
  frames=$n
}

# row SIZE LABEL PSNR: one line of the table from the last timed run.
row() {
  awk -v sz="$1" -v l="$2" -v p="$3" -v w="$wall" -v c="$cpu" -v m="$rss" -v n="$frames" -v nf="${nlmfps:-0}" 'BEGIN {
    fps = n / w
    ratio = nf > 0 ? sprintf("%.1f", fps / nf) : "-"
    printf "%-9s  %-30s %8.2f %9.1f %8s %7s %7.0f\n", sz, l, fps, c * 1000 / n, p, ratio, m / 1024
  }'
}

ff=(ffmpeg -nostdin -v info -hide_banner -threads "$THREADS" -filter_threads "$THREADS")

echo "$THREADS cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), kernels: $("$work/denoise" --version | sed -n 's/.*, kernels \(.*\))$/\1/p')"
echo "clip: $(basename "$PHOTO") panned and zoomed (zoompan), yuv420p 25 fps, $FRAMES frames (nlmeans $NLM_FRAMES), AWGN σ=$SIGMA (seed 1), Y4M in, null muxer out"
echo
printf "%-9s  %-30s %8s %9s %8s %7s %7s\n" size filter fps CPU-ms/f "PSNR-Y" "×nlm" "RSS-MB"
for size in $SIZES; do
  w=${size%x*}
  h=${size#*x}
  clip "$w" "$h"
  unset nlmfps
  "${ff[@]}" -i "$work/noisy.y4m" -i "$work/clean.y4m" -lavfi "[0:v][1:v]psnr" -f null - 2>"$work/psnr.log"
  wall=1 cpu=0 rss=0 frames=0
  printf "%-9s  %-30s %8s %9s %8s %7s %7s\n" "$size" "noisy input" - - "$(psnr_of "$work/psnr.log")" - -

  if [ "$NLM_FRAMES" -gt 0 ]; then
    timed "$NLM_FRAMES" "${ff[@]}" -i "$work/noisy.y4m" -i "$work/clean.y4m" -frames:v "$NLM_FRAMES" \
      -lavfi "[0:v]nlmeans[d];[d][1:v]psnr" -f null -
    nlmfps=$(awk -v w="$wall" -v n="$frames" 'BEGIN { print n / w }')
    row "$size" "ffmpeg nlmeans (defaults)" "$(psnr_of "$work/err")"
  fi

  # hqdn3d: its defaults (luma_spatial 4) and the luma_spatial of the sweep with the best PSNR
  best=4 bestp=0
  for ls in $SWEEP; do
    "${ff[@]}" -i "$work/noisy.y4m" -i "$work/clean.y4m" -lavfi "[0:v]hqdn3d=$ls[d];[d][1:v]psnr" -f null - 2>"$work/psnr.log"
    p=$(psnr_of "$work/psnr.log")
    [ "$ls" = 4 ] && defp=$p
    if awk -v a="$p" -v b="$bestp" 'BEGIN { exit !(a > b) }'; then best=$ls bestp=$p; fi
  done
  timed "$FRAMES" "${ff[@]}" -i "$work/noisy.y4m" -vf hqdn3d -f null -
  row "$size" "ffmpeg hqdn3d (defaults)" "$defp"
  timed "$FRAMES" "${ff[@]}" -i "$work/noisy.y4m" -vf "hqdn3d=$best" -f null -
  row "$size" "ffmpeg hqdn3d=$best (best of sweep)" "$bestp"

  for preset in $PRESETS; do
    extra=()
    [ "$preset" = live ] && extra=(--live=false)
    dn=("$work/denoise" -i "$work/noisy.y4m" --progress off --log-level warn --preset "$work/$preset.yaml" "${extra[@]}")
    timed "$FRAMES" "${dn[@]}" -f null -o -
    "${dn[@]}" -o - | "${ff[@]}" -i - -i "$work/clean.y4m" -lavfi "[0:v][1:v]psnr" -f null - 2>"$work/psnr.log"
    row "$size" "denoise --preset $preset" "$(psnr_of "$work/psnr.log")"
  done
  rm -f "$work/clean.y4m" "$work/noisy.y4m"
done
