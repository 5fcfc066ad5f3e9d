#!/usr/bin/env bash
# test.sh — set everything up and run the checks CI runs: gofmt, go vet, staticcheck,
# the race detector on the concurrent packages, then every test with the real FFmpeg
# libraries (and ../shared datasets where present).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export DENOISE_ORT_LIBRARY="$PWD/third_party/onnxruntime/libonnxruntime.so"

unformatted=$(gofmt -l $(git ls-files '*.go'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change: $unformatted" >&2
  exit 1
fi
go vet ./...
go run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...
go test -race -count=1 ./pipeline/... ./temporal/... ./frame/... ./modes/... ./filter/cnn/...
go test -count=1 -timeout 25m ./...
