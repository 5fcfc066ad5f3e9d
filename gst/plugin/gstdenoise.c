/* The denoise element: GStreamer's side. The pads, properties, events and queries live
 * here; the frames go to the Go side (plugin.go, package gst), which runs the command's
 * stages on its own goroutines and pushes the outputs back through denoise_out_begin and
 * denoise_out_push. */

#include <stdlib.h>
#include <string.h>
#include "gstdenoise.h"
#include "_cgo_export.h"

GST_DEBUG_CATEGORY_STATIC(denoise_debug);
#define GST_CAT_DEFAULT denoise_debug

#define FORMATS "{ GRAY8, GRAY16_LE, I420, NV12, Y42B, Y444, I420_10LE, RGB, BGR, RGBA, BGRA }"

static GstStaticPadTemplate sink_template =
	GST_STATIC_PAD_TEMPLATE("sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS(GST_VIDEO_CAPS_MAKE(FORMATS)));
static GstStaticPadTemplate src_template =
	GST_STATIC_PAD_TEMPLATE("src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS(GST_VIDEO_CAPS_MAKE(FORMATS)));

enum {
	PROP_0,
	PROP_MODE,
	PROP_PRESET,
	PROP_SIGMA,
	PROP_STRENGTH,
	PROP_RADIUS,
	PROP_CAUSAL,
	PROP_MODEL,
	PROP_THREADS,
	PROP_IMPULSE_KIND,
	PROP_LIVE,
	PROP_FRAMES,
	PROP_DROPPED,
	PROP_ESTIMATED_SIGMA,
	PROP_LATENCY,
};

G_DEFINE_TYPE(GstDenoise, gst_denoise, GST_TYPE_ELEMENT);

/* The buffer flags an output keeps from its input: not the memory-tagging ones. */
#define KEPT_FLAGS (~(guint32)(GST_BUFFER_FLAG_TAG_MEMORY))

static void post_error(GstDenoise *self, char *msg)
{
	GST_ELEMENT_ERROR(self, STREAM, FAILED, ("%s", msg), (NULL));
	free(msg);
}

/* The Go element for the current properties; FALSE (error posted) when they are refused. */
static gboolean open_handle(GstDenoise *self)
{
	char *err = NULL;
	g_mutex_lock(&self->lock);
	if (self->refused != NULL) {
		GST_ELEMENT_ERROR(self, LIBRARY, SETTINGS, ("%s", self->refused), (NULL));
		g_mutex_unlock(&self->lock);
		return FALSE;
	}
	uintptr_t h = godenOpen(self, &self->props, &err);
	self->handle = h;
	g_mutex_unlock(&self->lock);
	if (h == 0) {
		GST_ELEMENT_ERROR(self, LIBRARY, SETTINGS, ("%s", err), (NULL));
		free(err);
		return FALSE;
	}
	return TRUE;
}

static void close_handle(GstDenoise *self)
{
	g_mutex_lock(&self->lock);
	uintptr_t h = self->handle;
	self->handle = 0;
	g_mutex_unlock(&self->lock);
	if (h != 0)
		godenClose(h);
}

/* ---- output, called from the Go side ---- */

void *denoise_out_begin(GstDenoise *self, uint8_t **planes, int *strides)
{
	GstBuffer *buf = gst_buffer_new_allocate(NULL, GST_VIDEO_INFO_SIZE(&self->info), NULL);
	if (buf == NULL)
		return NULL;
	GstVideoFrame *vf = g_new0(GstVideoFrame, 1);
	if (!gst_video_frame_map(vf, &self->info, buf, GST_MAP_WRITE)) {
		g_free(vf);
		gst_buffer_unref(buf);
		return NULL;
	}
	gst_buffer_unref(buf); /* the mapping holds it */
	for (guint i = 0; i < 4; i++) {
		planes[i] = i < GST_VIDEO_FRAME_N_PLANES(vf) ? GST_VIDEO_FRAME_PLANE_DATA(vf, i) : NULL;
		strides[i] = i < GST_VIDEO_FRAME_N_PLANES(vf) ? GST_VIDEO_FRAME_PLANE_STRIDE(vf, i) : 0;
	}
	return vf;
}

int denoise_out_push(GstDenoise *self, void *vframe, uint64_t pts, uint64_t dts, uint64_t duration,
		     uint64_t offset, uint64_t offset_end, uint32_t flags)
{
	GstVideoFrame *vf = vframe;
	GstBuffer *buf = gst_buffer_ref(vf->buffer);
	gst_video_frame_unmap(vf);
	g_free(vf);
	GST_BUFFER_PTS(buf) = pts;
	GST_BUFFER_DTS(buf) = dts;
	GST_BUFFER_DURATION(buf) = duration;
	GST_BUFFER_OFFSET(buf) = offset;
	GST_BUFFER_OFFSET_END(buf) = offset_end;
	GST_MINI_OBJECT_FLAGS(buf) |= flags & KEPT_FLAGS;
	return gst_pad_push(self->srcpad, buf);
}

void denoise_event(GstDenoise *self, void *event, int push)
{
	if (push)
		gst_pad_push_event(self->srcpad, GST_EVENT(event));
	else
		gst_event_unref(GST_EVENT(event));
}

void denoise_qos(GstDenoise *self, uint64_t pts, uint64_t duration, uint64_t processed, uint64_t dropped)
{
	GstClockTime running = gst_segment_to_running_time(&self->segment, GST_FORMAT_TIME, pts);
	GstClockTime stream = gst_segment_to_stream_time(&self->segment, GST_FORMAT_TIME, pts);
	GstMessage *m = gst_message_new_qos(GST_OBJECT(self), TRUE, running, stream, pts, duration);
	gst_message_set_qos_stats(m, GST_FORMAT_BUFFERS, processed, dropped);
	gst_element_post_message(GST_ELEMENT(self), m);
}

/* ---- streaming ---- */

/* start_run starts the Go run for the negotiated format, live when upstream is. */
static GstFlowReturn start_run(GstDenoise *self)
{
	gboolean live = FALSE;
	g_mutex_lock(&self->lock);
	const gchar *policy = self->props.live ? self->props.live : "auto";
	if (!strcmp(policy, "true")) {
		live = TRUE;
	} else if (strcmp(policy, "false") != 0) {
		GstQuery *q = gst_query_new_latency();
		if (gst_pad_peer_query(self->sinkpad, q))
			gst_query_parse_latency(q, &live, NULL, NULL);
		gst_query_unref(q);
	}
	g_mutex_unlock(&self->lock);
	char *err = NULL;
	const char *fmt = gst_video_format_to_string(GST_VIDEO_INFO_FORMAT(&self->info));
	if (!godenStart(self->handle, (char *)fmt, GST_VIDEO_INFO_WIDTH(&self->info),
			GST_VIDEO_INFO_HEIGHT(&self->info), live, &err)) {
		post_error(self, err);
		return GST_FLOW_NOT_NEGOTIATED;
	}
	GST_DEBUG_OBJECT(self, "started a run for %s %dx%d, live %d", fmt, GST_VIDEO_INFO_WIDTH(&self->info),
			 GST_VIDEO_INFO_HEIGHT(&self->info), live);
	self->started = TRUE;
	return GST_FLOW_OK;
}

/* drain emits every frame of the run and what was held behind them. */
static GstFlowReturn drain(GstDenoise *self)
{
	if (!self->started)
		return GST_FLOW_OK;
	self->started = FALSE;
	char *err = NULL;
	int flow = godenDrain(self->handle, &err);
	if (err != NULL)
		post_error(self, err);
	return flow;
}

static GstFlowReturn gst_denoise_chain(GstPad *pad, GstObject *parent, GstBuffer *buf)
{
	GstDenoise *self = GST_DENOISE(parent);
	if (!self->have_info) {
		gst_buffer_unref(buf);
		GST_ELEMENT_ERROR(self, CORE, NEGOTIATION, ("a buffer before the caps"), (NULL));
		return GST_FLOW_NOT_NEGOTIATED;
	}
	if (!self->started) {
		GstFlowReturn r = start_run(self);
		if (r != GST_FLOW_OK) {
			gst_buffer_unref(buf);
			return r;
		}
	}
	GstVideoFrame vf;
	if (!gst_video_frame_map(&vf, &self->info, buf, GST_MAP_READ)) {
		gst_buffer_unref(buf);
		GST_ELEMENT_ERROR(self, STREAM, FORMAT, ("a buffer smaller than its caps say"), (NULL));
		return GST_FLOW_ERROR;
	}
	uint8_t *planes[4] = {0};
	int strides[4] = {0};
	for (guint i = 0; i < GST_VIDEO_FRAME_N_PLANES(&vf) && i < 4; i++) {
		planes[i] = GST_VIDEO_FRAME_PLANE_DATA(&vf, i);
		strides[i] = GST_VIDEO_FRAME_PLANE_STRIDE(&vf, i);
	}
	char *err = NULL;
	int flow = godenPush(self->handle, planes, strides, GST_BUFFER_PTS(buf), GST_BUFFER_DTS(buf),
			     GST_BUFFER_DURATION(buf), GST_BUFFER_OFFSET(buf), GST_BUFFER_OFFSET_END(buf),
			     GST_MINI_OBJECT_FLAGS(buf), &err);
	gst_video_frame_unmap(&vf);
	gst_buffer_unref(buf);
	if (g_atomic_int_get(&self->flushing))
		return GST_FLOW_FLUSHING;
	if (err != NULL)
		post_error(self, err);
	return flow;
}

static gboolean set_caps(GstDenoise *self, GstEvent *event)
{
	GstCaps *caps;
	GstVideoInfo info;
	gst_event_parse_caps(event, &caps);
	if (!gst_video_info_from_caps(&info, caps)) {
		GST_ELEMENT_ERROR(self, CORE, NEGOTIATION, ("caps %" GST_PTR_FORMAT " are not raw video", caps), (NULL));
		gst_event_unref(event);
		return FALSE;
	}
	if (self->started && !gst_video_info_is_equal(&info, &self->info)) {
		/* a new format: the frames of the old one go out under the old caps first, and
		 * the temporal window starts again */
		if (drain(self) != GST_FLOW_OK)
			GST_WARNING_OBJECT(self, "draining before new caps failed");
	}
	self->info = info;
	self->have_info = TRUE;
	return gst_pad_push_event(self->srcpad, event);
}

static gboolean gst_denoise_sink_event(GstPad *pad, GstObject *parent, GstEvent *event)
{
	GstDenoise *self = GST_DENOISE(parent);
	switch (GST_EVENT_TYPE(event)) {
	case GST_EVENT_CAPS:
		return set_caps(self, event);
	case GST_EVENT_EOS:
		drain(self);
		return gst_pad_push_event(self->srcpad, event);
	case GST_EVENT_FLUSH_START: {
		g_atomic_int_set(&self->flushing, 1);
		/* downstream flushes first, so that an output being pushed returns */
		gboolean r = gst_pad_push_event(self->srcpad, event);
		godenDiscard(self->handle);
		return r;
	}
	case GST_EVENT_FLUSH_STOP:
		godenDiscard(self->handle);
		self->started = FALSE;
		g_atomic_int_set(&self->flushing, 0);
		gst_segment_init(&self->segment, GST_FORMAT_TIME);
		return gst_pad_push_event(self->srcpad, event);
	case GST_EVENT_SEGMENT:
		gst_event_copy_segment(event, &self->segment);
		break;
	default:
		break;
	}
	if (GST_EVENT_IS_SERIALIZED(event) && self->started) {
		godenHold(self->handle, event); /* behind the frames before it */
		return TRUE;
	}
	return gst_pad_event_default(pad, parent, event);
}

static gboolean gst_denoise_src_query(GstPad *pad, GstObject *parent, GstQuery *query)
{
	GstDenoise *self = GST_DENOISE(parent);
	if (GST_QUERY_TYPE(query) != GST_QUERY_LATENCY)
		return gst_pad_query_default(pad, parent, query);
	if (!gst_pad_peer_query(self->sinkpad, query))
		return FALSE;
	gboolean live;
	GstClockTime min, max;
	gst_query_parse_latency(query, &live, &min, &max);
	g_mutex_lock(&self->lock);
	int ahead = self->handle ? godenLookahead(self->handle) : 0;
	g_mutex_unlock(&self->lock);
	GstClockTime add = 0;
	if (ahead > 0 && self->have_info && GST_VIDEO_INFO_FPS_N(&self->info) > 0)
		add = gst_util_uint64_scale_int(ahead * GST_SECOND, GST_VIDEO_INFO_FPS_D(&self->info),
						GST_VIDEO_INFO_FPS_N(&self->info));
	min += add;
	if (max != GST_CLOCK_TIME_NONE)
		max += add;
	GST_DEBUG_OBJECT(self, "latency: %d frames ahead, adding %" GST_TIME_FORMAT, ahead, GST_TIME_ARGS(add));
	gst_query_set_latency(query, live, min, max);
	return TRUE;
}

static GstStateChangeReturn gst_denoise_change_state(GstElement *element, GstStateChange transition)
{
	GstDenoise *self = GST_DENOISE(element);
	if (transition == GST_STATE_CHANGE_READY_TO_PAUSED) {
		if (!open_handle(self))
			return GST_STATE_CHANGE_FAILURE;
		self->have_info = FALSE;
		self->started = FALSE;
		gst_segment_init(&self->segment, GST_FORMAT_TIME);
	}
	GstStateChangeReturn ret = GST_ELEMENT_CLASS(gst_denoise_parent_class)->change_state(element, transition);
	if (transition == GST_STATE_CHANGE_PAUSED_TO_READY) {
		close_handle(self); /* the streaming thread has stopped: nothing runs any more */
		self->started = FALSE;
		self->have_info = FALSE;
	}
	return ret;
}

/* ---- properties ---- */

static void gst_denoise_set_property(GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
	GstDenoise *self = GST_DENOISE(object);
	g_mutex_lock(&self->lock);
	if (self->handle != 0) {
		g_mutex_unlock(&self->lock);
		GST_ELEMENT_WARNING(self, LIBRARY, SETTINGS,
			("property %s can only be changed in the NULL or READY state: not changed", pspec->name), (NULL));
		return;
	}
	DenoiseProps p = self->props; /* the settings with this one changed, checked before it is kept */
	gchar **slot = NULL;
	switch (id) {
	case PROP_MODE:
		slot = &self->props.mode;
		p.mode = (gchar *)g_value_get_string(value);
		break;
	case PROP_PRESET:
		slot = &self->props.preset;
		p.preset = (gchar *)g_value_get_string(value);
		break;
	case PROP_MODEL:
		slot = &self->props.model;
		p.model = (gchar *)g_value_get_string(value);
		break;
	case PROP_IMPULSE_KIND:
		slot = &self->props.impulse_kind;
		p.impulse_kind = (gchar *)g_value_get_string(value);
		break;
	case PROP_LIVE:
		slot = &self->props.live;
		p.live = (gchar *)g_value_get_string(value);
		break;
	case PROP_SIGMA:
		p.sigma = g_value_get_double(value);
		break;
	case PROP_STRENGTH:
		p.strength = g_value_get_double(value);
		break;
	case PROP_RADIUS:
		p.radius = g_value_get_int(value);
		break;
	case PROP_THREADS:
		p.threads = g_value_get_int(value);
		break;
	case PROP_CAUSAL:
		p.causal = g_value_get_boolean(value);
		break;
	default:
		G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
		g_mutex_unlock(&self->lock);
		return;
	}
	char *err = NULL;
	if (!godenCheck(&p, &err)) {
		/* refused: the element keeps the value it had, says which property and why, and
		 * will not start until the property is set again to a value it takes (set from
		 * gst-launch, before there is a bus, the error is only seen then) */
		g_free(self->refused);
		self->refused = g_strdup(err);
		self->refused_id = id;
		g_mutex_unlock(&self->lock);
		GST_ELEMENT_ERROR(self, LIBRARY, SETTINGS, ("%s", err), (NULL));
		free(err);
		return;
	}
	if (self->refused_id == id) {
		g_clear_pointer(&self->refused, g_free);
		self->refused_id = 0;
	}
	if (slot != NULL) {
		g_free(*slot);
		*slot = g_value_dup_string(value);
	} else {
		self->props = p;
	}
	g_mutex_unlock(&self->lock);
}

static void gst_denoise_get_property(GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
	GstDenoise *self = GST_DENOISE(object);
	g_mutex_lock(&self->lock);
	uint64_t frames = 0, dropped = 0, latency = 0;
	double sigma = 0;
	if (self->handle)
		godenStats(self->handle, &frames, &dropped, &sigma, &latency);
	DenoiseProps *p = &self->props;
	switch (id) {
	case PROP_MODE:
		g_value_set_string(value, p->mode);
		break;
	case PROP_PRESET:
		g_value_set_string(value, p->preset);
		break;
	case PROP_MODEL:
		g_value_set_string(value, p->model);
		break;
	case PROP_IMPULSE_KIND:
		g_value_set_string(value, p->impulse_kind);
		break;
	case PROP_LIVE:
		g_value_set_string(value, p->live ? p->live : "auto");
		break;
	case PROP_SIGMA:
		g_value_set_double(value, p->sigma);
		break;
	case PROP_STRENGTH:
		g_value_set_double(value, p->strength);
		break;
	case PROP_RADIUS:
		g_value_set_int(value, p->radius);
		break;
	case PROP_THREADS:
		g_value_set_int(value, p->threads);
		break;
	case PROP_CAUSAL:
		g_value_set_boolean(value, p->causal);
		break;
	case PROP_FRAMES:
		g_value_set_uint64(value, frames);
		break;
	case PROP_DROPPED:
		g_value_set_uint64(value, dropped);
		break;
	case PROP_ESTIMATED_SIGMA:
		g_value_set_double(value, sigma);
		break;
	case PROP_LATENCY:
		g_value_set_uint64(value, latency);
		break;
	default:
		G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
		break;
	}
	g_mutex_unlock(&self->lock);
}

static void gst_denoise_finalize(GObject *object)
{
	GstDenoise *self = GST_DENOISE(object);
	close_handle(self);
	g_free(self->props.mode);
	g_free(self->props.preset);
	g_free(self->props.model);
	g_free(self->props.impulse_kind);
	g_free(self->props.live);
	g_free(self->refused);
	g_mutex_clear(&self->lock);
	G_OBJECT_CLASS(gst_denoise_parent_class)->finalize(object);
}

static void gst_denoise_class_init(GstDenoiseClass *klass)
{
	GObjectClass *oc = G_OBJECT_CLASS(klass);
	GstElementClass *ec = GST_ELEMENT_CLASS(klass);
	oc->set_property = gst_denoise_set_property;
	oc->get_property = gst_denoise_get_property;
	oc->finalize = gst_denoise_finalize;
	ec->change_state = gst_denoise_change_state;

	const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY;
	const GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;
	g_object_class_install_property(oc, PROP_MODE,
		g_param_spec_string("mode", "Mode",
			"Denoising mode, as the command's --mode (auto, copy, average, median, nlm, impulse, "
			"impulse+nlm, stnlm, impulse+stnlm, cnn, impulse+cnn, nlm+cnn, full); empty: the preset's",
			NULL, rw));
	g_object_class_install_property(oc, PROP_PRESET,
		g_param_spec_string("preset", "Preset",
			"Built-in preset (default, live, quality, archive, mri, fluorescence) or a YAML file, as --preset",
			NULL, rw));
	g_object_class_install_property(oc, PROP_SIGMA,
		g_param_spec_double("sigma", "Sigma",
			"Noise level of the luma on the 0-255 scale, whatever the bit depth; 0 estimates it from the frames",
			0, 255, 0, rw));
	g_object_class_install_property(oc, PROP_STRENGTH,
		g_param_spec_double("strength", "Strength",
			"Non-local means filtering parameter h relative to sigma (--nlm-h); 0 chooses it from the noise level",
			0, 10, 0, rw));
	g_object_class_install_property(oc, PROP_RADIUS,
		g_param_spec_int("radius", "Radius",
			"Frames on each side the spatio-temporal modes combine (--radius); 0: the preset's",
			0, 8, 0, rw));
	g_object_class_install_property(oc, PROP_CAUSAL,
		g_param_spec_boolean("causal", "Causal",
			"Use past frames only, so that no frame waits for later ones: no added latency (--causal)",
			FALSE, rw));
	g_object_class_install_property(oc, PROP_MODEL,
		g_param_spec_string("model", "Model",
			"CNN of the modes that end in one: an ONNX file or a built-in name (--model); empty: the default",
			NULL, rw));
	g_object_class_install_property(oc, PROP_THREADS,
		g_param_spec_int("threads", "Threads",
			"Frames a per-frame stage filters at once (--workers); 0: one per core",
			0, 256, 0, rw));
	g_object_class_install_property(oc, PROP_IMPULSE_KIND,
		g_param_spec_string("impulse-kind", "Impulse kind",
			"Impulses the impulse stage looks for: auto, sp (salt and pepper) or rv (random-valued); empty: the preset's",
			NULL, rw));
	g_object_class_install_property(oc, PROP_LIVE,
		g_param_spec_string("live", "Live",
			"The command's live policy, which drops the newest frame rather than hold up a source the filter "
			"cannot keep up with (each drop counted and posted as a QoS message): auto (when upstream is live), "
			"true or false",
			"auto", rw));
	g_object_class_install_property(oc, PROP_FRAMES,
		g_param_spec_uint64("frames", "Frames", "Frames output so far", 0, G_MAXUINT64, 0, ro));
	g_object_class_install_property(oc, PROP_DROPPED,
		g_param_spec_uint64("dropped", "Dropped",
			"Frames the live policy dropped so far (a live source faster than the filter)", 0, G_MAXUINT64, 0, ro));
	g_object_class_install_property(oc, PROP_ESTIMATED_SIGMA,
		g_param_spec_double("estimated-sigma", "Estimated sigma",
			"Noise level (0-255) the last frame was filtered with, estimated or given", 0, G_MAXDOUBLE, 0, ro));
	g_object_class_install_property(oc, PROP_LATENCY,
		g_param_spec_uint64("latency", "Latency",
			"Nanoseconds from the last output buffer's arrival to its output", 0, G_MAXUINT64, 0, ro));

	gst_element_class_set_static_metadata(ec, "Denoise", "Filter/Effect/Video",
		"Removes noise from video: impulse detection, motion-compensated spatio-temporal non-local means "
		"and CNN refinement, as the denoise command",
		"denoise <https://github.com/denoise-go/denoise>");
	gst_element_class_add_static_pad_template(ec, &sink_template);
	gst_element_class_add_static_pad_template(ec, &src_template);
}

static void gst_denoise_init(GstDenoise *self)
{
	g_mutex_init(&self->lock);
	self->sinkpad = gst_pad_new_from_static_template(&sink_template, "sink");
	gst_pad_set_chain_function(self->sinkpad, GST_DEBUG_FUNCPTR(gst_denoise_chain));
	gst_pad_set_event_function(self->sinkpad, GST_DEBUG_FUNCPTR(gst_denoise_sink_event));
	GST_PAD_SET_PROXY_CAPS(self->sinkpad);
	gst_element_add_pad(GST_ELEMENT(self), self->sinkpad);

	self->srcpad = gst_pad_new_from_static_template(&src_template, "src");
	gst_pad_set_query_function(self->srcpad, GST_DEBUG_FUNCPTR(gst_denoise_src_query));
	GST_PAD_SET_PROXY_CAPS(self->srcpad);
	gst_element_add_pad(GST_ELEMENT(self), self->srcpad);
	gst_segment_init(&self->segment, GST_FORMAT_TIME);
}

static gboolean plugin_init(GstPlugin *plugin)
{
	GST_DEBUG_CATEGORY_INIT(denoise_debug, "denoise", 0, "denoise element");
	return gst_element_register(plugin, "denoise", GST_RANK_NONE, GST_TYPE_DENOISE);
}

#define PACKAGE "denoise"
GST_PLUGIN_DEFINE(GST_VERSION_MAJOR, GST_VERSION_MINOR, denoise,
		  "Video denoising: impulse detection, spatio-temporal non-local means, CNN refinement",
		  plugin_init, "0.1.0", "unknown", "denoise", "https://github.com/denoise-go/denoise")
