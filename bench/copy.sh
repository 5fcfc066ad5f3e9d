#!/usr/bin/env bash
# copy.sh — plumbing benchmark: `denoise --mode copy` against `ffmpeg` doing the same
# transcode (same generated 720p clip with audio, same encoder and settings), in one run.
# Prints each tool's best wall time over RUNS runs and the speed ratio denoise/ffmpeg.
#   bash bench/copy.sh            # libx264 preset medium, crf 18
#   PRESET=veryfast bash bench/copy.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export GOEXPERIMENT=simd # the AVX2 kernels (internal/dsp); without it only the portable ones are built
PRESET=${PRESET:-medium}
CRF=${CRF:-18}
RUNS=${RUNS:-3}
SECONDS_OF_VIDEO=${SECONDS_OF_VIDEO:-10}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

go build -o "$work/denoise" ./cmd/denoise
in="$work/in.mkv"
ffmpeg -v error -y -f lavfi -i "testsrc2=size=1280x720:rate=30:duration=$SECONDS_OF_VIDEO" \
  -f lavfi -i "sine=frequency=440:duration=$SECONDS_OF_VIDEO" \
  -c:v libx264 -preset ultrafast -crf 10 -pix_fmt yuv420p -c:a aac -shortest "$in"
frames=$(ffprobe -v error -select_streams v:0 -count_packets -show_entries stream=nb_read_packets -of csv=p=0 "$in")

best() { # best wall time of a command, in seconds
  local b=""
  for _ in $(seq "$RUNS"); do
    local t0 t1
    t0=$(date +%s.%N); "$@" >/dev/null 2>&1; t1=$(date +%s.%N)
    b=$(echo "$t0 $t1 ${b:-1e9}" | awk '{d=$2-$1; print (d<$3)?d:$3}')
  done
  echo "$b"
}
ff=$(best ffmpeg -v error -y -i "$in" -map 0 -c:v libx264 -preset "$PRESET" -crf "$CRF" -c:a copy "$work/ff.mkv")
dn=$(best "$work/denoise" -i "$in" -o "$work/dn.mkv" -y --mode copy --progress off \
  -c:v libx264 --crf "$CRF" --encoder-option preset="$PRESET")
for f in ff dn; do
  n=$(ffprobe -v error -select_streams v:0 -count_frames -show_entries stream=nb_read_frames -of csv=p=0 "$work/$f.mkv")
  a=$(ffprobe -v error -select_streams a:0 -count_packets -show_entries stream=nb_read_packets -of csv=p=0 "$work/$f.mkv")
  [ "$n" = "$frames" ] || { echo "$f.mkv has $n frames, want $frames" >&2; exit 1; }
  echo "$f.mkv: $n video frames, $a audio packets"
done
awk -v crf="$CRF" -v ff="$ff" -v dn="$dn" -v n="$frames" -v p="$PRESET" 'BEGIN {
  printf "720p30 %d frames, libx264 preset=%s crf=%s, best of runs\n", n, p, crf
  printf "ffmpeg          %6.2f s  %6.1f fps\n", ff, n/ff
  printf "denoise copy    %6.2f s  %6.1f fps\n", dn, n/dn
  printf "speed ratio denoise/ffmpeg = %.3f (target >= 0.8)\n", ff/dn
}'
