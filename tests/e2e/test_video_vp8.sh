#!/bin/bash
# test_video_vp8: three VP8 video callers and an audio-only one follow the
# talker (see video_follow.sh)
VCODEC=vp8
BSV_CODECS=vp8
. "$(dirname "$0")/video_follow.sh"
