// Package evaluate measures denoise modes and external competitor commands on clean images
// with seeded synthetic noise (PSNR, SSIM, time) and reports a table, CSV, JSON and a chart.
package evaluate
