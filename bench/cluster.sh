#!/usr/bin/env bash
# The cost of running a video through the cluster (NATS JetStream, package cluster) against
# the plain command on the same input, on this machine: 1, 2 and 4 worker processes, the
# data through the object store (what machines that share no filesystem use).
#
#   bash bench/cluster.sh            # 640x480, 240 frames, stnlm radius 2
#   SIZE=1280x720 FRAMES=300 PIECE=75 bash bench/cluster.sh
#
# The clip is bench/realtime.sh's: Debian's flower photograph panned and zoomed, AWGN σ=20,
# stored losslessly (FFV1). Each row runs once per REPEAT and prints the median: wall
# seconds, CPU seconds of every process (submitter, server inside it, workers), and both
# against the plain command's. "1 worker, 1 piece" is the job's fixed cost (scan, upload,
# download, reassembly); the rows with 4 pieces add the per-piece cost (the frames read
# twice around each cut, opening and seeking, and a piece's storage).
set -euo pipefail
cd "$(dirname "$0")/.."
export GOEXPERIMENT=simd
SIZE=${SIZE:-640x480}
FRAMES=${FRAMES:-240}
PIECE=${PIECE:-60}
REPEAT=${REPEAT:-1}
MODE=${MODE:-stnlm}
PHOTO=${PHOTO:-/usr/share/libjxl-testdata/jxl/flower/flower.png}
[ -f "$PHOTO" ] || { echo "cluster bench: $PHOTO is missing: bash scripts/setup.sh --bench (Debian's libjxl-testdata)" >&2; exit 1; }
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

go build -o "$work/denoise" ./cmd/denoise
go build -o "$work/awgn" ./bench/awgn
w=${SIZE%x*} h=${SIZE#*x}
read -r cw ch < <(ffprobe -v error -select_streams v:0 -show_entries stream=width,height -of csv=p=0 "$PHOTO" |
  awk -F, -v w="$w" -v h="$h" '{ if ($1 * h > $2 * w) print int($2 * w / h / 2) * 2, $2; else print $1, int($1 * h / w / 2) * 2 }')
zp="zoompan=z='1.25+0.004*on':x='(iw-iw/zoom)*(0.15+0.7*min(on/60,1))':y='(ih-ih/zoom)*(0.5+0.3*sin(on/9))'"
ffmpeg -v error -y -i "$PHOTO" -vf "crop=$cw:$ch,$zp:d=$FRAMES:s=${w}x$h:fps=25,format=yuv420p" -frames:v "$FRAMES" -f yuv4mpegpipe "$work/clean.y4m"
"$work/awgn" -sigma 20 -seed 1 <"$work/clean.y4m" >"$work/noisy.y4m"
ffmpeg -v error -y -i "$work/noisy.y4m" -c:v ffv1 "$work/clip.mkv"
rm "$work/clean.y4m" "$work/noisy.y4m"

# cpu_of FILE: user+sys seconds /usr/bin/time wrote.
cpu_of() { awk '{ print $2 + $3 }' "$1"; }
wall_of() { awk '{ print $1 }' "$1"; }

plain() {
  /usr/bin/time -f "%e %U %S" -o "$work/t.plain" "$work/denoise" -i "$work/clip.mkv" -o "$work/plain.mkv" -c ffv1 --mode "$MODE" -y --progress off 2>/dev/null
  echo "$(wall_of "$work/t.plain") $(cpu_of "$work/t.plain")"
}

# on_cluster WORKERS SUBMIT-ARGS…: one job on a fresh server with WORKERS worker processes;
# prints the submitter's wall seconds and the CPU seconds of every process.
on_cluster() {
  local nw=$1 port
  shift
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  rm -rf "$work/store"
  "$work/denoise" nats-server --addr "127.0.0.1:$port" --store "$work/store" 2>/dev/null &
  local srv=$!
  pids+=("$srv")
  sleep 0.5
  local ws=()
  for i in $(seq "$nw"); do
    /usr/bin/time -f "%e %U %S" -o "$work/t.w$i" "$work/denoise" worker --nats "nats://127.0.0.1:$port" --log-level error 2>/dev/null &
    ws+=("$!")
    pids+=("$!")
  done
  /usr/bin/time -f "%e %U %S" -o "$work/t.sub" "$work/denoise" "$@" --mode "$MODE" -y \
    --cluster "nats://127.0.0.1:$port" --cluster-data object --progress off 2>"$work/sub.log" ||
    { cat "$work/sub.log" >&2; exit 1; }
  for p in "${ws[@]}"; do pkill -TERM -P "$p" || true; done # the worker under /usr/bin/time
  wait "${ws[@]}" 2>/dev/null || true
  kill -TERM "$srv"
  wait "$srv" 2>/dev/null || true
  local cpu
  cpu=$(cat "$work"/t.sub "$work"/t.w* | awk '{ s += $2 + $3 } END { print s }')
  rm -f "$work"/t.w*
  echo "$(wall_of "$work/t.sub") $cpu"
}

# cluster WORKERS PIECE: the clip in pieces of PIECE frames; its frames must be the plain
# command's.
cluster() {
  on_cluster "$1" -i "$work/clip.mkv" -o "$work/cluster.mkv" -c ffv1 --piece-frames "$2"
  cmp <(ffmpeg -v error -i "$work/plain.mkv" -map 0:v -f framemd5 - | grep -v '^#') \
    <(ffmpeg -v error -i "$work/cluster.mkv" -map 0:v -f framemd5 - | grep -v '^#') >/dev/null ||
    { echo "cluster bench: the cluster's frames differ from the plain command's" >&2; exit 1; }
}

# batch WORKERS: the BATCH files of $work/batch as one job (one item each).
batch() {
  rm -rf "$work/bout"
  on_cluster "$1" -i "$work/batch" -o "$work/bout"
}

# batch_plain: the same files, one command each, one after the other.
batch_plain() {
  local wall=0 cpu=0
  rm -rf "$work/pout" && mkdir -p "$work/pout"
  for f in "$work"/batch/*; do
    /usr/bin/time -f "%e %U %S" -o "$work/t.p" "$work/denoise" -i "$f" -o "$work/pout/$(basename "$f")" --mode "$MODE" -y --progress off 2>/dev/null
    wall=$(awk -v a="$wall" '{ print a + $1 }' "$work/t.p")
    cpu=$(awk -v a="$cpu" '{ print a + $2 + $3 }' "$work/t.p")
  done
  echo "$wall $cpu"
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# measure LABEL CMD…: REPEAT runs, median wall and CPU.
measure() {
  local label=$1
  shift
  local walls=() cpus=()
  for _ in $(seq "$REPEAT"); do
    read -r wl cp < <("$@")
    walls+=("$wl")
    cpus+=("$cp")
  done
  local mw mc
  mw=$(printf '%s\n' "${walls[@]}" | median)
  mc=$(printf '%s\n' "${cpus[@]}" | median)
  echo "$label $mw $mc"
}

echo "cluster bench: $SIZE, $FRAMES frames, --mode $MODE, pieces of $PIECE frames, data through the object store; $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'))"
PARTS=${PARTS:-"video batch"} # which tables: video (pieces of one video), batch (a folder, an item per file)
if [[ $PARTS == *video* ]]; then
  rows=()
  rows+=("$(measure plain plain)")
  rows+=("$(measure "1_worker,_1_piece" cluster 1 "$FRAMES")")
  for nw in 1 2 4; do
    rows+=("$(measure "${nw}_worker(s),_$(((FRAMES + PIECE - 1) / PIECE))_pieces" cluster "$nw" "$PIECE")")
  done
  printf '%s\n' "${rows[@]}" | awk -v n="$FRAMES" '
    NR == 1 { pw = $2; pc = $3 }
    { gsub("_", " ", $1); printf "%-26s wall %7.2f s (x%.2f)  cpu %7.2f s (x%.2f, %+.1f CPU-ms/frame)  %5.1f fps\n", $1, $2, $2 / pw, $3, $3 / pc, ($3 - pc) * 1000 / n, n / $2 }'
fi
if [[ $PARTS == *batch* ]]; then
  BATCH=${BATCH:-16}
  mkdir -p "$work/batch"
  for i in $(seq "$BATCH"); do
    ffmpeg -v error -y -ss "$(awk -v i="$i" 'BEGIN { print (i % 8) * 0.4 }')" -i "$work/clip.mkv" -frames:v 10 -c:v ffv1 "$work/batch/item$i.mkv"
  done
  brows=("$(measure "${BATCH}_plain_commands" batch_plain)")
  for nw in 1 2; do
    brows+=("$(measure "${nw}_worker(s)" batch "$nw")")
  done
  echo "batch: $BATCH files of 10 frames, one item each"
  printf '%s\n' "${brows[@]}" | awk -v n="$BATCH" '
    NR == 1 { pw = $2; pc = $3 }
    { gsub("_", " ", $1); printf "%-26s wall %7.2f s (x%.2f, %+.0f ms/item)  cpu %7.2f s (x%.2f, %+.0f CPU-ms/item)\n", $1, $2, $2 / pw, ($2 - pw) * 1000 / n, $3, $3 / pc, ($3 - pc) * 1000 / n }'
fi
