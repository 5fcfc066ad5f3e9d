#!/usr/bin/env bash
# test.sh — set everything up and run the checks CI runs: gofmt, go vet, staticcheck,
# the race detector on the concurrent packages, then every test with the real FFmpeg
# libraries (and ../shared datasets where present), once on the fast kernels and once on the
# portable ones (DENOISE_CPU=generic).
set -euo pipefail
cd "$(dirname "$0")/.."
export GOEXPERIMENT=simd # the AVX2 kernels (internal/dsp); without it only the portable ones are built
bash scripts/setup.sh
export DENOISE_ORT_LIBRARY="$PWD/third_party/onnxruntime/libonnxruntime.so"

unformatted=$(gofmt -l $(git ls-files '*.go'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change: $unformatted" >&2
  exit 1
fi
go vet ./...
GOEXPERIMENT= go vet ./internal/dsp/... # the build without the fast kernels
go run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...
go test -race -count=1 . ./job/... ./pipeline/... ./temporal/... ./frame/... ./modes/... ./filter/cnn/... ./cluster/...
go test -count=1 -timeout 25m ./...
# The whole suite again on the portable kernels (internal/dsp), as a CPU without AVX2 runs it.
DENOISE_CPU=generic go test -count=1 -timeout 25m ./...
