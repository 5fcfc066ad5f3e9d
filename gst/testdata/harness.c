/* harness drives the denoise element in one process for the tests of package gst, with
 * GStreamer's own test harness (GstHarness):
 *
 *   harness run FORMAT W H FPS N IN OUT TIMES [prop=value ...]
 *       pushes N frames read from IN (tightly packed rows, as FFmpeg's rawvideo) with
 *       timestamps, durations, offsets and flags, sends EOS, and writes every output frame
 *       to OUT (tightly packed) and one line per output buffer to TIMES:
 *       "pts dts duration offset offset_end flags"; it prints "latency MIN_NS" (the latency
 *       query's answer, upstream being live with none) before the first buffer.
 *   harness flush FORMAT W H FPS N [prop=value ...]
 *       pushes N frames, a flushing seek's FLUSH_START/FLUSH_STOP, then N more and EOS, and
 *       prints "out K" (the buffers that came out after the flush) and "frames F".
 *   harness caps W1 H1 W2 H2 N [prop=value ...]
 *       pushes N I420 frames at W1×H1, new caps W2×H2, N frames more, EOS; prints one line
 *       "size W H PTS" per output buffer.
 *   harness live FORMAT W H N [prop=value ...]
 *       pushes N frames as fast as it can (faster than the element runs), then EOS; prints
 *       "out K frames F dropped D latency NS" (the buffers that came out and the element's
 *       statistics).
 *   harness lifecycle COUNT [prop=value ...]
 *       creates the element, runs four frames through it and destroys it COUNT times;
 *       prints "run K rss KB heap BYTES goroutines G" after each tenth of
 *       the runs (the Go heap after a collection, its goroutines).
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gst/gst.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>

static void die(const char *msg)
{
	fprintf(stderr, "harness: %s\n", msg);
	exit(1);
}

static GstHarness *make(int argc, char **argv, int first)
{
	/* the properties are set before the harness starts the element */
	GstElement *e = gst_element_factory_make("denoise", NULL);
	if (e == NULL)
		die("no element denoise (GST_PLUGIN_PATH?)");
	for (int i = first; i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		if (eq == NULL)
			die("want prop=value");
		*eq = 0;
		gst_util_set_object_arg(G_OBJECT(e), argv[i], eq + 1);
		*eq = '=';
	}
	GstHarness *h = gst_harness_new_with_element(e, "sink", "src");
	gst_object_unref(e);
	return h;
}

static void set_caps(GstHarness *h, GstVideoInfo *info)
{
	GstCaps *caps = gst_video_info_to_caps(info);
	gst_harness_set_src_caps(h, caps);
}

/* the tightly packed size of plane p of a frame of info */
static void plane_rows(GstVideoInfo *info, guint p, gsize *row, guint *rows)
{
	gint comp[GST_VIDEO_MAX_COMPONENTS];
	gst_video_format_info_component(info->finfo, p, comp);
	*row = (gsize)GST_VIDEO_INFO_COMP_WIDTH(info, comp[0]) * GST_VIDEO_INFO_COMP_PSTRIDE(info, comp[0]);
	*rows = GST_VIDEO_INFO_COMP_HEIGHT(info, comp[0]);
}

/* copy_rows moves a mapped frame's rows to (out) or from a file of tightly packed rows */
static void copy_rows(GstVideoFrame *vf, GstVideoInfo *info, FILE *f, gboolean out)
{
	for (guint p = 0; p < GST_VIDEO_INFO_N_PLANES(info); p++) {
		gsize row;
		guint rows;
		plane_rows(info, p, &row, &rows);
		for (guint y = 0; y < rows; y++) {
			guint8 *d = (guint8 *)GST_VIDEO_FRAME_PLANE_DATA(vf, p) + y * GST_VIDEO_FRAME_PLANE_STRIDE(vf, p);
			if (out)
				fwrite(d, 1, row, f);
			else if (fread(d, 1, row, f) != row)
				die("input file too short");
		}
	}
}

static GstBuffer *read_frame(FILE *f, GstVideoInfo *info)
{
	GstBuffer *buf = gst_buffer_new_allocate(NULL, GST_VIDEO_INFO_SIZE(info), NULL);
	GstVideoFrame vf;
	if (!gst_video_frame_map(&vf, info, buf, GST_MAP_WRITE))
		die("cannot map an input buffer");
	copy_rows(&vf, info, f, FALSE);
	gst_video_frame_unmap(&vf);
	return buf;
}

static void write_frame(FILE *f, GstVideoInfo *info, GstBuffer *buf)
{
	GstVideoFrame vf;
	if (!gst_video_frame_map(&vf, info, buf, GST_MAP_READ))
		die("cannot map an output buffer");
	copy_rows(&vf, info, f, TRUE);
	gst_video_frame_unmap(&vf);
}

/* stamp gives buffer i its times and a flag pattern the output must keep */
static void stamp(GstBuffer *buf, guint i, GstClockTime dur)
{
	GST_BUFFER_PTS(buf) = 1000 * GST_MSECOND + i * dur;
	GST_BUFFER_DTS(buf) = GST_CLOCK_TIME_NONE;
	GST_BUFFER_DURATION(buf) = dur;
	GST_BUFFER_OFFSET(buf) = i;
	GST_BUFFER_OFFSET_END(buf) = i + 1;
	if (i == 0)
		GST_BUFFER_FLAG_SET(buf, GST_BUFFER_FLAG_DISCONT);
	if (i % 5 != 0)
		GST_BUFFER_FLAG_SET(buf, GST_BUFFER_FLAG_DELTA_UNIT);
	if (i % 7 == 3)
		GST_BUFFER_FLAG_SET(buf, GST_BUFFER_FLAG_MARKER);
}

static void info_for(GstVideoInfo *info, const char *format, int w, int h, int fps)
{
	gst_video_info_set_format(info, gst_video_format_from_string(format), w, h);
	GST_VIDEO_INFO_FPS_N(info) = fps;
	GST_VIDEO_INFO_FPS_D(info) = 1;
}

static int cmd_run(int argc, char **argv)
{
	if (argc < 10)
		die("run FORMAT W H FPS N IN OUT TIMES [prop=value ...]");
	GstVideoInfo info;
	int fps = atoi(argv[5]), n = atoi(argv[6]);
	info_for(&info, argv[2], atoi(argv[3]), atoi(argv[4]), fps);
	GstHarness *h = make(argc, argv, 10);
	set_caps(h, &info);
	GstQuery *q = gst_query_new_latency();
	if (gst_pad_peer_query(h->sinkpad, q)) {
		gboolean live;
		GstClockTime min, max;
		gst_query_parse_latency(q, &live, &min, &max);
		printf("latency %" G_GUINT64_FORMAT "\n", min);
	}
	gst_query_unref(q);
	FILE *in = fopen(argv[7], "rb"), *out = fopen(argv[8], "wb"), *times = fopen(argv[9], "w");
	if (!in || !out || !times)
		die("cannot open a file");
	GstClockTime dur = gst_util_uint64_scale_int(GST_SECOND, 1, fps);
	for (int i = 0; i < n; i++) {
		GstBuffer *buf = read_frame(in, &info);
		stamp(buf, i, dur);
		GstFlowReturn r = gst_harness_push(h, buf);
		if (r != GST_FLOW_OK) {
			fprintf(stderr, "harness: push %d: %s\n", i, gst_flow_get_name(r));
			return 1;
		}
	}
	gst_harness_push_event(h, gst_event_new_eos());
	GstBuffer *buf;
	while ((buf = gst_harness_try_pull(h)) != NULL) {
		write_frame(out, &info, buf);
		fprintf(times, "%" G_GUINT64_FORMAT " %" G_GINT64_FORMAT " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT
			       " %" G_GUINT64_FORMAT " %u\n",
			GST_BUFFER_PTS(buf), (gint64)GST_BUFFER_DTS(buf), GST_BUFFER_DURATION(buf),
			GST_BUFFER_OFFSET(buf), GST_BUFFER_OFFSET_END(buf),
			GST_BUFFER_FLAGS(buf) & ~(guint)GST_BUFFER_FLAG_TAG_MEMORY);
		gst_buffer_unref(buf);
	}
	fclose(in);
	fclose(out);
	fclose(times);
	gst_harness_teardown(h);
	return 0;
}

static GstBuffer *gray_frame(GstVideoInfo *info, guint i)
{
	GstBuffer *buf = gst_buffer_new_allocate(NULL, GST_VIDEO_INFO_SIZE(info), NULL);
	GstMapInfo m;
	gst_buffer_map(buf, &m, GST_MAP_WRITE);
	for (gsize k = 0; k < m.size; k++)
		m.data[k] = (guint8)((k * 7 + i * 13 + (k * k) % 17) & 0xff);
	gst_buffer_unmap(buf, &m);
	return buf;
}

static int cmd_flush(int argc, char **argv)
{
	if (argc < 7)
		die("flush FORMAT W H FPS N [prop=value ...]");
	GstVideoInfo info;
	int fps = atoi(argv[5]), n = atoi(argv[6]);
	info_for(&info, argv[2], atoi(argv[3]), atoi(argv[4]), fps);
	GstHarness *h = make(argc, argv, 7);
	set_caps(h, &info);
	GstClockTime dur = gst_util_uint64_scale_int(GST_SECOND, 1, fps);
	for (int i = 0; i < n; i++) {
		GstBuffer *buf = gray_frame(&info, i);
		stamp(buf, i, dur);
		gst_harness_push(h, buf);
	}
	gst_harness_push_event(h, gst_event_new_flush_start());
	gst_harness_push_event(h, gst_event_new_flush_stop(TRUE));
	/* what came out before the flush is not counted */
	GstBuffer *buf;
	while ((buf = gst_harness_try_pull(h)) != NULL)
		gst_buffer_unref(buf);
	GstSegment seg;
	gst_segment_init(&seg, GST_FORMAT_TIME);
	gst_harness_push_event(h, gst_event_new_segment(&seg));
	for (int i = 0; i < n; i++) {
		GstBuffer *b = gray_frame(&info, i);
		stamp(b, 100 + i, dur);
		gst_harness_push(h, b);
	}
	gst_harness_push_event(h, gst_event_new_eos());
	int out = 0;
	GstClockTime first = GST_CLOCK_TIME_NONE;
	while ((buf = gst_harness_try_pull(h)) != NULL) {
		if (out == 0)
			first = GST_BUFFER_PTS(buf);
		out++;
		gst_buffer_unref(buf);
	}
	guint64 frames = 0;
	g_object_get(h->element, "frames", &frames, NULL);
	printf("out %d first %" G_GUINT64_FORMAT " frames %" G_GUINT64_FORMAT "\n", out, first, frames);
	gst_harness_teardown(h);
	return 0;
}

static int cmd_caps(int argc, char **argv)
{
	if (argc < 7)
		die("caps W1 H1 W2 H2 N [prop=value ...]");
	int n = atoi(argv[6]);
	GstHarness *h = make(argc, argv, 7);
	GstClockTime dur = GST_SECOND / 25;
	for (int part = 0; part < 2; part++) {
		GstVideoInfo info;
		info_for(&info, "I420", atoi(argv[2 + 2 * part]), atoi(argv[3 + 2 * part]), 25);
		set_caps(h, &info);
		for (int i = 0; i < n; i++) {
			GstBuffer *buf = gray_frame(&info, i);
			stamp(buf, part * n + i, dur);
			if (gst_harness_push(h, buf) != GST_FLOW_OK)
				die("push refused");
		}
	}
	gst_harness_push_event(h, gst_event_new_eos());
	GstBuffer *buf;
	while ((buf = gst_harness_try_pull(h)) != NULL) {
		printf("size %" G_GSIZE_FORMAT " pts %" G_GUINT64_FORMAT "\n", gst_buffer_get_size(buf), GST_BUFFER_PTS(buf));
		gst_buffer_unref(buf);
	}
	gst_harness_teardown(h);
	return 0;
}

static int cmd_live(int argc, char **argv)
{
	if (argc < 6)
		die("live FORMAT W H N [prop=value ...]");
	GstVideoInfo info;
	int n = atoi(argv[5]);
	info_for(&info, argv[2], atoi(argv[3]), atoi(argv[4]), 25);
	GstHarness *h = make(argc, argv, 6);
	set_caps(h, &info);
	GstBuffer *frame = gray_frame(&info, 0);
	int out = 0;
	for (int i = 0; i < n; i++) {
		GstBuffer *buf = gst_buffer_copy_deep(frame);
		stamp(buf, i, GST_SECOND / 25);
		if (gst_harness_push(h, buf) != GST_FLOW_OK)
			die("push refused");
		GstBuffer *o;
		while ((o = gst_harness_try_pull(h)) != NULL) {
			out++;
			gst_buffer_unref(o);
		}
	}
	gst_buffer_unref(frame);
	gst_harness_push_event(h, gst_event_new_eos());
	GstBuffer *o;
	while ((o = gst_harness_try_pull(h)) != NULL) {
		out++;
		gst_buffer_unref(o);
	}
	guint64 frames = 0, dropped = 0, latency = 0;
	g_object_get(h->element, "frames", &frames, "dropped", &dropped, "latency", &latency, NULL);
	printf("out %d frames %" G_GUINT64_FORMAT " dropped %" G_GUINT64_FORMAT " latency %" G_GUINT64_FORMAT "\n", out,
	       frames, dropped, latency);
	gst_harness_teardown(h);
	return 0;
}

static long rss_kb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = -1;
	while (f && fgets(line, sizeof line, f))
		if (sscanf(line, "VmRSS: %ld", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb;
}

static int cmd_lifecycle(int argc, char **argv)
{
	if (argc < 3)
		die("lifecycle COUNT [prop=value ...]");
	int count = atoi(argv[2]);
	int (*goroutines)(void) = NULL;
	gint64 (*heap)(void) = NULL;
	GstVideoInfo info;
	info_for(&info, "I420", 64, 48, 25);
	for (int k = 1; k <= count; k++) {
		GstHarness *h = make(argc, argv, 3);
		set_caps(h, &info);
		for (int i = 0; i < 4; i++) {
			GstBuffer *buf = gray_frame(&info, i);
			stamp(buf, i, GST_SECOND / 25);
			gst_harness_push(h, buf);
		}
		gst_harness_push_event(h, gst_event_new_eos());
		GstBuffer *buf;
		while ((buf = gst_harness_try_pull(h)) != NULL)
			gst_buffer_unref(buf);
		gst_harness_teardown(h);
		if (goroutines == NULL) {
			GstPlugin *p = gst_registry_find_plugin(gst_registry_get(), "denoise");
			void *lib = p ? dlopen(gst_plugin_get_filename(p), RTLD_NOW | RTLD_NOLOAD) : NULL;
			goroutines = lib ? (int (*)(void))dlsym(lib, "denoise_goroutines") : NULL;
			heap = lib ? (gint64(*)(void))dlsym(lib, "denoise_heap_bytes") : NULL;
			if (p)
				gst_object_unref(p);
			if (goroutines == NULL || heap == NULL)
				die("the plugin's denoise_goroutines or denoise_heap_bytes is not found");
		}
		if (k % (count / 10 > 0 ? count / 10 : 1) == 0)
			printf("run %d rss %ld heap %" G_GINT64_FORMAT " goroutines %d\n", k, rss_kb(), heap(), goroutines());
	}
	return 0;
}

int main(int argc, char **argv)
{
	gst_init(&argc, &argv);
	if (argc < 2)
		die("want a command: run, flush, caps, live, lifecycle");
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(argv[1], "run"))
		return cmd_run(argc, argv);
	if (!strcmp(argv[1], "flush"))
		return cmd_flush(argc, argv);
	if (!strcmp(argv[1], "caps"))
		return cmd_caps(argc, argv);
	if (!strcmp(argv[1], "live"))
		return cmd_live(argc, argv);
	if (!strcmp(argv[1], "lifecycle"))
		return cmd_lifecycle(argc, argv);
	die("unknown command");
	return 1;
}
