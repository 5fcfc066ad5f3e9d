#!/bin/sh
# layout.sh: BenchmarkInterleaved under the four placements of the kernels' code modulo 64
# bytes. Go and assembly functions are 32-byte aligned; a 32-byte pad function goes before
# the Go code, before the assembly, both or neither. On the Zen 5 this was measured on, the
# same loop runs up to ~1.6x slower at one placement than at the other, so one layout alone
# can mislead. Run in internal/dsp/avocmp: sh layout.sh [benchmark regexp]
set -e
pat=${1:-Interleaved}
trap 'rm -f apad_amd64.go apad_amd64.s' EXIT
for gopad in 0 1; do
	for asmpad in 0 1; do
		{
			echo '//go:build amd64'
			echo 'package avocmp'
			echo 'import "os"'
			echo 'func asmPad()'
			[ $gopad = 1 ] && printf '//go:noinline\nfunc goPad() { sink++ }\n'
			echo 'func init() {'
			echo 'if os.Getenv("AVOCMP_NEVER") == "x" {'
			[ $gopad = 1 ] && echo 'goPad()'
			echo 'asmPad()'
			echo '} }'
		} >apad_amd64.go
		gofmt -w apad_amd64.go
		{
			echo '#include "textflag.h"'
			echo 'TEXT ·asmPad(SB), NOSPLIT, $0-0'
			echo '	RET'
			[ $asmpad = 1 ] && printf '\tPCALIGN $32\n\tRET\n'
			true
		} >apad_amd64.s
		GOEXPERIMENT=simd go test -c -o /tmp/avocmp_layout.test .
		echo "== gopad=$gopad asmpad=$asmpad"
		go tool nm /tmp/avocmp_layout.test |
			awk 'function hex(s,  i, v) { v = 0; for (i = 1; i <= length(s); i++) v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1; return v }
				/avocmp\.(updateColsSIMD|updateColsAVO\.abi0|ssdSIMD|ssdAVO\.abi0)$/ {
				printf "   %s starts at %s (mod 64 = %d)\n", $3, $1, hex($1) % 64 }'
		/tmp/avocmp_layout.test -test.run XXX -test.bench "$pat" -test.benchtime 2000x -test.count 3 -test.cpu 1 |
			awk '/^Benchmark/ { printf "%s", $1
				for (i = 3; i <= NF; i += 2) if ($(i+1) ~ /-ns\/call/ && $(i+1) !~ /min/) printf "  %s %s", $(i+1), $i
				print "" }'
	done
done
