// Package web is the denoiser's browser front end and its HTTP API (`denoise serve`): a
// person uploads an image or a short video, picks a mode and its parameters, optionally adds
// synthetic noise to a clean upload, and gets a before/after comparison, the estimated noise
// level, PSNR/SSIM against the clean upload, the processing time and a lossless download.
//
// Jobs run the product's own code: decode.Open on the uploaded file, quality's noise models,
// modes.Build stages through pipeline.Run, and package encode for the result (PNG at the
// source's bit depth for images, FFV1 in Matroska for video) and for 8-bit previews.
//
// The package also holds Live, the live preview of a running `denoise -i … --preview ADDR`
// pipeline: taps that snapshot the first and last stage, served as an MJPEG stream.
//
// Every page asset is embedded; nothing is loaded from the internet.
package web
