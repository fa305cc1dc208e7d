#!/bin/bash
# test_video_h264: the same with H.264 (baresip's avcodec, libx264): the
# callers offer their whole list and the room forwards H.264 only
VCODEC=h264
. "$(dirname "$0")/video_follow.sh"
