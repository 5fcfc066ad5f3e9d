// Package web is the denoiser's browser front end and its HTTP API (`denoise serve`): a
// person uploads an image, a short video or a stack (multi-page TIFF, DICOM, NIfTI), picks a
// mode and its parameters, optionally adds synthetic noise to a clean upload, and gets a
// before/after comparison, the estimated noise level, PSNR/SSIM against the clean upload,
// the processing time and a lossless download.
//
// Jobs take the command line's route, job.Run, with quality's noise models wrapped around its
// source and sink: decode.Open on the uploaded file (opened and checked before the job takes
// a slot) or package sci for a stack, the mode's stages, and the result at the source's bit
// depth (PNG for images, FFV1 in Matroska for video, a stack in its own format), with 8-bit
// PNG previews.
//
// The package also holds Live, the live preview of a running `denoise -i … --preview ADDR`
// pipeline: taps that snapshot the first and last stage, served as an MJPEG stream.
//
// Every page asset is embedded; nothing is loaded from the internet.
package web
