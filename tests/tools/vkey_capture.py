#!/usr/bin/env python3
"""vkey_capture.py: record real VP8, H.264 and VP9 RTP packets for
tests/test_vkey.c.

FFmpeg encodes a test pattern with a keyframe every KEYINT frames and
sends it as RTP to a loopback port; this script receives the packets and
writes one line per packet:

    FRAME FIRST KEY LEN HEX

FRAME is the frame's index (a new RTP timestamp starts a frame), FIRST 1
for the first packet of a frame, KEY 1 if the frame is a keyframe: the
truth comes from the encoder's schedule (frame index % KEYINT == 0, no
B-frames), not from any parser. HEX is the payload, cut to 64 bytes when
longer than 300 (the detectors read only the first few bytes; an H.264
STAP-A is kept whole). Needs ffmpeg (Debian package ffmpeg); the output
is committed, so the unit test does not need it.

usage: tests/tools/vkey_capture.py OUTDIR
"""

import os
import socket
import subprocess
import sys

FRAMES = 40
KEYINT = 10

CODECS = {
    "vp8": ["-c:v", "libvpx", "-deadline", "realtime", "-b:v", "300k",
            "-g", str(KEYINT), "-keyint_min", str(KEYINT), "-auto-alt-ref", "0"],
    "h264": ["-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency",
             "-g", str(KEYINT), "-keyint_min", str(KEYINT), "-bf", "0",
             "-x264-params", "repeat-headers=1:scenecut=0",
             "-profile:v", "baseline"],
    "vp9": ["-c:v", "libvpx-vp9", "-deadline", "realtime", "-b:v", "300k",
            "-g", str(KEYINT), "-keyint_min", str(KEYINT), "-strict",
            "experimental"],
}


def payload(pkt):
    """RTP payload (RFC 3550 5.1: CSRCs, extension, padding)"""
    cc = pkt[0] & 0x0F
    off = 12 + 4 * cc
    if pkt[0] & 0x10:
        off += 4 + 4 * int.from_bytes(pkt[off + 2:off + 4], "big")
    end = len(pkt)
    if pkt[0] & 0x20:
        end -= pkt[-1]
    return pkt[off:end]


def capture(name, args, outdir):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(3.0)
    port = sock.getsockname()[1]
    cmd = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-f",
           "lavfi", "-i", "testsrc=size=320x240:rate=15",
           "-frames:v", str(FRAMES), "-pix_fmt", "yuv420p"] + args + [
           "-payload_type", "96", "-f", "rtp",
           "rtp://127.0.0.1:%d?pkt_size=1200" % port]
    proc = subprocess.Popen(cmd)
    lines, frame, ts_prev = [], -1, None
    try:
        while True:
            pkt, _ = sock.recvfrom(2048)
            if len(pkt) < 12 or pkt[1] & 0x7F != 96:
                continue
            ts = int.from_bytes(pkt[4:8], "big")
            first = ts != ts_prev
            if first:
                frame += 1
                ts_prev = ts
            pl = payload(pkt)
            keep = pl if len(pl) <= 300 else pl[:64]
            lines.append("%d %d %d %d %s" % (frame, int(first),
                                              int(frame % KEYINT == 0),
                                              len(keep), keep.hex()))
    except socket.timeout:
        pass
    proc.wait()
    if frame + 1 < FRAMES:
        sys.exit("%s: %d frames of %d" % (name, frame + 1, FRAMES))
    with open(os.path.join(outdir, name + ".txt"), "w") as f:
        f.write("# %s: %s\n" % (name, " ".join(args)))
        f.write("\n".join(lines) + "\n")
    print("%s: %d packets, %d frames" % (name, len(lines), frame + 1))


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    for name, args in CODECS.items():
        capture(name, args, sys.argv[1])


if __name__ == "__main__":
    main()
