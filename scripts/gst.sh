#!/usr/bin/env bash
# gst.sh — set up and build the GStreamer element: build/gst/libgstdenoise.so.
#   bash scripts/gst.sh             build it; then GST_PLUGIN_PATH=$PWD/build/gst finds it
#   bash scripts/gst.sh --install   also copy it into GStreamer's system plugin folder
set -euo pipefail
cd "$(dirname "$0")/.."
export GOEXPERIMENT=simd # the AVX2 kernels, as the command
bash scripts/setup.sh
mkdir -p build/gst
go build -buildmode=c-shared -o build/gst/libgstdenoise.so ./gst/plugin
rm -f build/gst/libgstdenoise.h # cgo's header: nothing links against the plugin
echo "built build/gst/libgstdenoise.so: GST_PLUGIN_PATH=$PWD/build/gst gst-inspect-1.0 denoise" >&2
if [ "${1:-}" = --install ]; then
  dir=$(pkg-config --variable=pluginsdir gstreamer-1.0)
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO install -m 0644 build/gst/libgstdenoise.so "$dir/"
  echo "installed into $dir: gst-inspect-1.0 denoise" >&2
fi
