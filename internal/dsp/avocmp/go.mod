module github.com/denoise-go/denoise/internal/dsp/avocmp

go 1.26.0

require (
	github.com/mmcloughlin/avo v0.5.0
	golang.org/x/sys v0.50.0
)

require (
	golang.org/x/mod v0.6.0 // indirect
	golang.org/x/tools v0.2.0 // indirect
)
