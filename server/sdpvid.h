/**
 * @file sdpvid.h  The video m-line of a dialog (private to sdpneg.c)
 */

#ifndef CHORUS_SDPVID_H
#define CHORUS_SDPVID_H

#include <re.h>
#include "sdpneg.h"

int  sdpvid_add(struct sdp_media **mp, struct sdp_session *sess,
		uint16_t port);
int  sdpvid_fb_set(struct sdp_media *m, bool nack, bool pli, bool fir);
int  sdpvid_answer(struct sdp_media *m, const struct sdpneg_vwant *w,
		   struct sdpneg_video *v);
void sdpvid_take(struct sdp_media *m, struct sdpneg_video *v);
int  sdpvid_offer(struct sdp_media *m, const struct sdpneg_vwant *w);

#endif
