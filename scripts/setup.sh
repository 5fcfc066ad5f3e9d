#!/usr/bin/env bash
# setup.sh — installs everything denoise needs to build, run and test, idempotently:
# Debian packages (FFmpeg 5.1 development libraries, the ffmpeg/ffprobe tools the tests and
# benchmarks compare against, pkg-config, the shells and man page tools that check
# `denoise completion` and `denoise man`, and GStreamer 1.22 with its development files, tools
# and base, good and libav plugins for the element in gst/), the ONNX Runtime shared library (extracted from the
# npm package onnxruntime-node into third_party/onnxruntime, which git ignores) and the Go modules.
#   --bench   also the competitors and reference tools (python3-opencv, python3-skimage) and the
#             photograph bench/realtime.sh makes its clip from (libjxl-testdata)
#   --train   also what model training needs (python3-torch, python3-onnx)
set -euo pipefail
cd "$(dirname "$0")/.."

ORT_VERSION=1.30.0
ORT_DIR=third_party/onnxruntime
DEB_PACKAGES=(pkg-config gcc libavcodec-dev libavformat-dev libavfilter-dev libavdevice-dev
  libswscale-dev libswresample-dev libavutil-dev ffmpeg chromium
  bash zsh fish man-db groff-base mandoc # the shells and man page tools cmd/denoise's tests run
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev gstreamer1.0-tools # the GStreamer element
  gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-libav)

for arg in "$@"; do
  case "$arg" in
    --bench) DEB_PACKAGES+=(python3-opencv python3-skimage python3-numpy libjxl-testdata) ;;
    --train) DEB_PACKAGES+=(python3-torch python3-onnx) ;;
    *) echo "setup: unknown option $arg (--bench, --train)" >&2; exit 2 ;;
  esac
done

log() { printf 'setup: %s\n' "$*" >&2; }

missing=()
for p in "${DEB_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  log "installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -f "$ORT_DIR/libonnxruntime.so.$ORT_VERSION" ]; then
  log "fetching ONNX Runtime $ORT_VERSION (npm package onnxruntime-node)"
  tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent "onnxruntime-node@$ORT_VERSION" >/dev/null)
  tar -xzf "$tmp"/onnxruntime-node-*.tgz -C "$tmp" package/bin/napi-v6/linux/x64/libonnxruntime.so.1
  mkdir -p "$ORT_DIR"
  install -m 0644 "$tmp/package/bin/napi-v6/linux/x64/libonnxruntime.so.1" "$ORT_DIR/libonnxruntime.so.$ORT_VERSION"
  ln -sf "libonnxruntime.so.$ORT_VERSION" "$ORT_DIR/libonnxruntime.so.1"
  ln -sf "libonnxruntime.so.1" "$ORT_DIR/libonnxruntime.so"
fi

if [ -f go.mod ]; then
  log "downloading Go modules"
  go mod download
fi
log "ready (ONNX Runtime at $ORT_DIR/libonnxruntime.so)"
