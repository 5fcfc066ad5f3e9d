#ifndef GST_DENOISE_H
#define GST_DENOISE_H

#include <stdint.h>
#include <gst/gst.h>
#include <gst/video/video.h>

G_BEGIN_DECLS

/* The settings, as the command's flags of the same names. */
typedef struct {
	gchar *mode, *preset, *model, *impulse_kind, *live;
	gdouble sigma, strength;
	gint radius, threads;
	gboolean causal;
} DenoiseProps;

#define GST_TYPE_DENOISE (gst_denoise_get_type())
G_DECLARE_FINAL_TYPE(GstDenoise, gst_denoise, GST, DENOISE, GstElement)

struct _GstDenoise {
	GstElement parent;
	GstPad *sinkpad, *srcpad;

	GMutex lock; /* the properties and handle */
	DenoiseProps props;
	guint refused_id;    /* the property whose last setting was refused, or 0 */
	gchar *refused;      /* why; the element will not start while it stands */

	uintptr_t handle; /* the Go element, from PAUSED down to READY; 0 otherwise */

	/* the streaming thread's */
	GstVideoInfo info;
	gboolean have_info; /* caps negotiated */
	gboolean started;   /* the Go run was started for info */
	GstSegment segment;
	volatile gint flushing;
};

/* Called by the Go side (plugin.go). */
void *denoise_out_begin(GstDenoise *self, uint8_t **planes, int *strides);
int denoise_out_push(GstDenoise *self, void *vframe, uint64_t pts, uint64_t dts, uint64_t duration,
		     uint64_t offset, uint64_t offset_end, uint32_t flags);
void denoise_event(GstDenoise *self, void *event, int push);
void denoise_qos(GstDenoise *self, uint64_t pts, uint64_t duration, uint64_t processed, uint64_t dropped);

G_END_DECLS

#endif
