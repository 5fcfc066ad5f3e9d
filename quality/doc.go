// Package quality measures and makes image degradation: PSNR and SSIM computed as
// scikit-image 0.19 computes them, and seeded synthetic noise (Gaussian, impulses,
// Poisson-Gaussian, Rician and their mixtures) added in code values of a bit depth.
package quality
