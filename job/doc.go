// Package job is the one route from an input to an output that every front end takes: the
// command line (`denoise -i IN -o OUT`), the web server's jobs and the evaluation of stacks.
//
// A job is "an input, an output and settings" — a *configs.Config whose Input and Output
// name the files — and Run turns it into a run:
//
//   - it picks the reader: package sci for the scientific formats (multi-page TIFF stacks
//     and ImageJ hyperstacks, DICOM files and series folders, NIfTI volumes; IsScientific
//     tells them apart), FFmpeg (package decode) for everything else. A malformed TIFF is
//     refused with the TIFF parser's words before FFmpeg sees it;
//   - it builds the mode's stages once (modes.BuildWith), or once per channel of a stack
//     (Channels), with hooks that log the noise level and noise model they use;
//   - it decides whether the job runs live (a source that cannot wait, or Options.Live),
//     and adapts the queue depth to the frame size when asked (Options.AdaptQueue);
//   - it owns the job's cancellation: ctx, and with Options.Signals the first SIGINT or
//     SIGTERM (NotifyStop), after which the frames in flight are written and the output
//     finalised;
//   - it serves /metrics on Config.MetricsAddr, and keeps serving after the job until one
//     more scrape (Options.MetricsLinger), so that a short job's final counts are seen;
//   - it draws the progress bar or the live status line (Config.Progress) and calls
//     Options.OnFrame;
//   - it reports: a *Result (frames in and out, dropped, σ, damage, stall, elapsed, the
//     mode resolved) and an error, of which *Interrupted, *Stalled and *Damaged still
//     leave a finalised output.
//
// A front end adds what is its own around this: Options.WrapSource, WrapSink and
// WrapStages wrap the job's ends and stages (the web page keeps its references and
// previews there, the command line its --preview taps), and Options.Source hands Run a
// decode.Source the front end has already opened and checked.
//
// The smallest job:
//
//	cfg, err := configs.Load(configs.Sources{}) // the defaults
//	cfg.Input, cfg.Output = "noisy.mp4", "clean.mp4"
//	res, err := job.Run(ctx, job.Options{Config: cfg, Logger: log})
package job
