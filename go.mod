module github.com/denoise-go/denoise

go 1.26.0
