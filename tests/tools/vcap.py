#!/usr/bin/env python3
"""vcap: what a video receiver saw, from a pcap (python3 stdlib + ffmpeg).

Usage:
  vcap.py PCAP --dst-port P [--codec auto|vp8|h264|vp9] [--pt N] [--json]
          [--src-port S] [--palette name=R,G,B,...] [--threshold D]
          [--agree F] [--grid N] [--frames] [--keep DIR] [--no-sources]
  vcap.py PCAP --sip-port S|--sip-user NAME [same options]
  vcap.py PCAP --sip-port S|--sip-user NAME --print-port
  vcap.py PCAP --list-sdp
  vcap.py --selftest [--verbose]

Reads a classic pcap (tcpdump -i lo -w; Ethernet, Linux cooked v1/v2, BSD
loopback, raw IP), keeps the IPv4 UDP packets to port P that are RTP (version
2; RTCP, whose second byte & 0x7f is 64..95, is skipped, and so is any packet
that does not parse) of payload type --pt (default: the most common dynamic
payload type, 96..127, to that port).

Stream checks, in arrival order, per SSRC: sequence gaps (16-bit wrap
aware, with the number of missing packets), repeats, reordered packets,
timestamp decreases (32-bit serial arithmetic); the SSRCs seen and each
change of SSRC between consecutive packets.

Frames: the packets of one SSRC and RTP timestamp (sorted by sequence
number) make a frame; it is complete when its sequence numbers are
contiguous, it starts at a codec start (VP8 S=1 and PID 0, VP9 B=1, H.264
not inside an FU-A), ends with the marker bit (VP9 also E=1) and its payload
parses. Depacketizing: VP8 RFC 7741, H.264 RFC 6184 (single NAL 1-23,
STAP-A, FU-A; to Annex-B), VP9 RFC 9628. Keyframes: VP8 P bit of the
payload header = 0; H.264 an IDR slice (NAL 5) in the frame; VP9
frame_type = 0 in the uncompressed header (the descriptor's P bit as the
fallback). Incomplete frames are counted and not decoded.

Decoding: the complete frames go into one IVF file (fourcc VP80, VP90 or
H264; the pts is the frame's index), decoded by
    ffmpeg -i F.ivf -vf scale=G:G:flags=area,showinfo -fps_mode passthrough
           -f rawvideo -pix_fmt rgb24 -
showinfo's pts gives back, for every picture out, the frame it came from;
a frame ffmpeg drops (e.g. a delta frame with no keyframe before it) is
"undecoded". Each of the GxG cells (G = --grid, 8) is classified as the
nearest palette colour within --threshold (60, Euclidean RGB), else
"other"; the frame's colour is that of most cells, or "corrupt" when fewer
than --agree (0.75; 0 turns it off, e.g. for testsrc) of the cells have it.
A small marker (the 16x16 moving square bsv_setup draws) takes one or two
cells and does not change the frame's colour.

Runs: consecutive decoded frames of one class. For each run: start/end
(arrival time of its first frame's first packet and its last frame's last
packet, relative to the first packet in the capture, and start_abs/end_abs,
absolute pcap time), frames, keyframes, first_is_key (the first frame of
ANY status after the previous run, or the first frame in the capture for
the first run, is a keyframe) and skipped_before (frames between the
previous run and this one that were incomplete or undecoded). "changes"
lists each change of colour with its first_is_key. Mind: a switch onto a
delta frame of another source often decodes as the OLD colour (a delta of
a still picture carries next to nothing: seen with H.264 and VP9), so it
shows as the old colour lasting until the new source's next keyframe, and
the colour change then looks clean. The source check below sees it.

Sources: a forwarder rewrites RTP headers (and the VP8/VP9 picture ids in
the descriptor) but not the coded frames. Every other RTP stream in the
capture (not to P, not from P) that depacketizes as the codec is indexed
by its frames' bytes (sha1); each received frame is looked up: the
sender's frame that reached the forwarder in the 2 s before it (the
current source's next frame first). A stream most of whose frames (those
unique in it) came earlier in another stream is a forwarder's copy to
another receiver, not a sender ("copy" in "sources"), and is left out.
"source_runs" are runs of one sender (labelled with the SIP user whose SDP
offered that stream's source port as m=video, else "port N"), each with
first_is_key (the first forwarded frame of that sender is one of its
keyframes) and source_frames_skipped (frames of that sender not forwarded
inside the run); "source_changes" the switches; frames_unmatched the
decodable frames that are no sender's (only counted when some frame
matched: in a direct call nothing does). A colour
change inside one source run is the sender changing its picture: a delta
frame is right there ("same_source" in "changes"). Frames of identical
bytes (a still picture's deltas) can only be told apart by timing: give
each source some motion (bsv_setup's moving square does).

The receiver's port can come from the capture's SIP: --sip-port S takes the
SDP bodies of SIP messages sent from UDP port S, --sip-user NAME those that
NAME sent (the From user of a request, the To user of a response, or a
Contact user NAME or NAME-...); the last non-zero m=video port wins.
--codec auto (the default) takes the codec from the rtpmap of the chosen
payload type in an SDP whose m=video port is P, else VP8. --list-sdp
prints every SDP in the capture with its sender.

Output: a summary (or --json: one object; "problems" lists what is not
clean and "ok" is true when it is empty; "frame_list" with --frames).
"problems" holds: more than one SSRC, sequence gaps, repeats, reordering,
timestamp decreases, incomplete or undecoded frames, a first frame that is
no keyframe, a colour change not on a keyframe (unless within one source),
a change of SSRC or of source not on a keyframe, skipped source frames,
unmatched frames, other/corrupt frames. Exit status: 0 when at least one
frame was decoded, 1 when none (--print-port: 1 when no port), 2 on errors
(unreadable pcap, no ffmpeg). ffmpeg runs at most 120 s.

--selftest: encodes red and blue with ffmpeg, packetizes them itself
(VP8, H.264 with STAP-A and FU-A, VP9), writes pcaps of good and bad
streams (clean switch at a keyframe; switch onto a delta frame; first
keyframe missing; SSRC change; a lost and a repeated packet; timestamp
going back; the same with the senders' streams in the capture; garbage,
RTCP, a truncated file) and checks what this tool reports. No network;
about 10 s.
"""

import argparse
import hashlib
import json
import os
import random
import shutil
import signal
import struct
import subprocess
import sys
import tempfile

FFMPEG = os.environ.get('FFMPEG', 'ffmpeg')
FFMPEG_TIMEOUT = 120
MAX_CAPLEN = 262144
MAX_OPEN_FRAMES = 3

PALETTE = [
	('red', (255, 0, 0)), ('green', (0, 128, 0)), ('lime', (0, 255, 0)),
	('blue', (0, 0, 255)), ('yellow', (255, 255, 0)),
	('magenta', (255, 0, 255)), ('cyan', (0, 255, 255)),
	('white', (255, 255, 255)), ('black', (0, 0, 0)),
]


class VcapError(Exception):
	pass


# --- pcap ------------------------------------------------------------------

def read_pcap(path):
	"""Yield (time [s], linktype, frame) per record of a classic pcap
	(micro- or nanosecond, either byte order). A truncated last record
	ends the file quietly; a bad header raises VcapError."""
	try:
		f = open(path, 'rb')
	except OSError as e:
		raise VcapError('%s: %s' % (path, e))
	with f:
		hdr = f.read(24)
		if len(hdr) < 24:
			raise VcapError('%s: not a pcap file (short header)' % path)
		magic = hdr[:4]
		if magic in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1'):
			endian = '<'
		elif magic in (b'\xa1\xb2\xc3\xd4', b'\xa1\xb2\x3c\x4d'):
			endian = '>'
		elif magic == b'\x0a\x0d\x0d\x0a':
			raise VcapError('%s: pcapng, not classic pcap (tcpdump -w '
					'writes classic pcap)' % path)
		else:
			raise VcapError('%s: not a classic pcap file' % path)
		nano = magic in (b'\x4d\x3c\xb2\xa1', b'\xa1\xb2\x3c\x4d')
		linktype = struct.unpack(endian + 'I', hdr[20:24])[0] & 0xffff
		while True:
			rec = f.read(16)
			if len(rec) < 16:
				return
			sec, frac, caplen, _ = struct.unpack(endian + 'IIII', rec)
			if caplen > MAX_CAPLEN:
				return  # garbage: stop here
			frame = f.read(caplen)
			if len(frame) < caplen:
				return
			yield sec + frac / (1e9 if nano else 1e6), linktype, frame


def ip_offset(linktype, frame):
	"""Offset of the IPv4 header in a link-layer frame, or None."""
	if linktype == 1:  # Ethernet
		if len(frame) < 14:
			return None
		off, et = 12, struct.unpack_from('!H', frame, 12)[0]
		while et in (0x8100, 0x88a8) and len(frame) >= off + 6:
			off += 4
			et = struct.unpack_from('!H', frame, off)[0]
		return off + 2 if et == 0x0800 else None
	if linktype == 113:  # Linux cooked v1
		if len(frame) < 16:
			return None
		return 16 if struct.unpack_from('!H', frame, 14)[0] == 0x0800 \
			else None
	if linktype == 276:  # Linux cooked v2
		if len(frame) < 20:
			return None
		return 20 if struct.unpack_from('!H', frame, 0)[0] == 0x0800 \
			else None
	if linktype in (0, 108):  # BSD loopback (host / network order)
		return 4
	if linktype in (101, 228, 12, 14):  # raw IP / raw IPv4
		return 0
	return None


def udp_packets(path):
	"""Yield (time, src_ip, sport, dst_ip, dport, payload) for each IPv4
	UDP packet (unfragmented) of the capture."""
	for t, lt, frame in read_pcap(path):
		off = ip_offset(lt, frame)
		if off is None or len(frame) < off + 28:
			continue
		ip = frame[off:]
		if ip[0] >> 4 != 4 or ip[9] != 17:
			continue
		ihl = (ip[0] & 0x0f) * 4
		total = struct.unpack_from('!H', ip, 2)[0]
		if ihl < 20 or total < ihl + 8:
			continue
		if struct.unpack_from('!H', ip, 6)[0] & 0x3fff:
			continue  # a fragment
		udp = ip[ihl:total]
		if len(udp) < 8:
			continue
		sport, dport, ulen = struct.unpack_from('!HHH', udp, 0)
		if ulen < 8 or ulen > len(udp):
			ulen = len(udp)
		yield (t, '.'.join(str(b) for b in ip[12:16]), sport,
		       '.'.join(str(b) for b in ip[16:20]), dport, udp[8:ulen])


def first_time(path):
	for t, _lt, _f in read_pcap(path):
		return t
	return None


# --- RTP -------------------------------------------------------------------

def rtp_parse(pkt):
	"""(marker, pt, seq, ts, ssrc, payload) of an RTP packet, None for
	anything else (RTCP included)."""
	if len(pkt) < 12 or pkt[0] >> 6 != 2:
		return None
	if 64 <= (pkt[1] & 0x7f) <= 95:
		return None  # RTCP (RFC 5761 4): 192..223 in the second byte
	cc = pkt[0] & 0x0f
	seq, ts, ssrc = struct.unpack_from('!HII', pkt, 2)
	off = 12 + 4 * cc
	if pkt[0] & 0x10:
		if len(pkt) < off + 4:
			return None
		off += 4 + 4 * struct.unpack_from('!H', pkt, off + 2)[0]
	end = len(pkt)
	if pkt[0] & 0x20:
		if pkt[-1] == 0:
			return None
		end -= pkt[-1]
	if off > end:
		return None
	return bool(pkt[1] & 0x80), pkt[1] & 0x7f, seq, ts, ssrc, pkt[off:end]


# --- SDP from SIP ------------------------------------------------------------

def sip_sdps(path):
	"""Every SDP body of a SIP message over UDP in the capture: list of
	dicts (t, sport, dport, first line, contact user, media list); a
	media is (kind, port, {pt: (encoding, clock)}, fmtps)."""
	out = []
	for t, _sip, sport, _dip, dport, data in udp_packets(path):
		if not (data.startswith(b'SIP/2.0 ') or b' SIP/2.0\r\n' in data[:300]):
			continue
		head, sep, body = data.partition(b'\r\n\r\n')
		if not sep or not body.lstrip().startswith(b'v=0'):
			continue
		lines = head.decode('utf-8', 'replace').split('\r\n')
		hdr = {}
		for ln in lines[1:]:
			name, _, val = ln.partition(':')
			name = {'m': 'contact', 'f': 'from', 't': 'to'}.get(
				name.strip().lower(), name.strip().lower())
			hdr.setdefault(name, uri_user(val))
		# the sender: From of a request, To of a response
		sender = hdr.get('to' if lines[0].startswith('SIP/2.0 ')
				 else 'from')
		user = hdr.get('contact')
		media = []
		cur = None
		for ln in body.decode('utf-8', 'replace').splitlines():
			ln = ln.strip()
			if ln.startswith('m='):
				f = ln[2:].split()
				try:
					port = int(f[1].split('/')[0])
				except (IndexError, ValueError):
					port = -1
				cur = {'kind': f[0] if f else '?', 'port': port,
				       'proto': f[2] if len(f) > 2 else '',
				       'pts': f[3:], 'rtpmap': {}, 'fmtp': {},
				       'lines': [ln]}
				media.append(cur)
			elif cur is not None:
				cur['lines'].append(ln)
				if ln.startswith('a=rtpmap:'):
					pt, _, enc = ln[9:].partition(' ')
					try:
						cur['rtpmap'][int(pt)] = enc.strip()
					except ValueError:
						pass
				elif ln.startswith('a=fmtp:'):
					pt, _, val = ln[7:].partition(' ')
					try:
						cur['fmtp'].setdefault(int(pt), []).append(val)
					except ValueError:
						pass
		out.append({'t': t, 'sport': sport, 'dport': dport,
			    'first': lines[0], 'contact_user': user,
			    'sender_user': sender, 'media': media})
	return out


def uri_user(val):
	"""The user part of the first sip:/sips: URI in a header value."""
	v = val.strip()
	i = v.find('sip:')
	if i < 0:
		return None
	u = v[i + 4:]
	for stop in '>;? ':
		u = u.split(stop, 1)[0]
	return u.split('@', 1)[0] if '@' in u else None


def user_matches(s, name):
	"""Did participant NAME send this SIP message? Its From (request) or
	To (response) user is NAME, or its Contact user is NAME or NAME-...
	(baresip 1.0.0 makes its Contact user NAME-0x<address>)."""
	c = s['contact_user'] or ''
	return s['sender_user'] == name or c == name or \
		c.startswith(name + '-')


def video_port_of(sdps, sip_port=None, sip_user=None):
	"""The last non-zero m=video port that the given sender advertised."""
	port = None
	for s in sdps:
		if sip_port is not None and s['sport'] != sip_port:
			continue
		if sip_user is not None and not user_matches(s, sip_user):
			continue
		for m in s['media']:
			if m['kind'] == 'video' and m['port'] > 0:
				port = m['port']
	return port


def codec_from_sdp(sdps, port, pt):
	"""vp8/vp9/h264 from the rtpmap of pt in an SDP with m=video port."""
	for s in reversed(sdps):
		for m in s['media']:
			if m['kind'] != 'video' or m['port'] != port:
				continue
			enc = m['rtpmap'].get(pt, '').split('/')[0].lower()
			if enc in ('vp8', 'vp9', 'h264'):
				return enc
	return None


# --- depacketizers -------------------------------------------------------------

class BadPayload(Exception):
	pass


def vp8_desc(p):
	"""RFC 7741 4.2: (start_of_partition_0, picture_id or None, data)."""
	if len(p) < 1:
		raise BadPayload('empty')
	b0 = p[0]
	off = 1
	picid = None
	if b0 & 0x80:
		if len(p) < 2:
			raise BadPayload('short X')
		b1 = p[1]
		off = 2
		if b1 & 0x80:
			if len(p) <= off:
				raise BadPayload('short I')
			if p[off] & 0x80:
				if len(p) < off + 2:
					raise BadPayload('short M')
				picid = ((p[off] & 0x7f) << 8) | p[off + 1]
				off += 2
			else:
				picid = p[off] & 0x7f
				off += 1
		if b1 & 0x40:
			off += 1
		if b1 & 0x30:
			off += 1
	if off > len(p):
		raise BadPayload('short descriptor')
	start = bool(b0 & 0x10) and (b0 & 0x07) == 0
	return start, picid, p[off:]


def vp8_frame(pkts):
	"""pkts: RTP payloads of one frame in order -> (data, key, info)"""
	data = bytearray()
	picid = None
	for i, p in enumerate(pkts):
		start, pid, d = vp8_desc(p)
		if i == 0:
			if not start:
				raise BadPayload('first packet is not a frame start')
			picid = pid
		elif start:
			raise BadPayload('second frame start in one timestamp')
		data += d
	if len(data) < 3:
		raise BadPayload('frame too short')
	key = (data[0] & 1) == 0
	info = {'picid': picid}
	if key:
		if len(data) < 10 or data[3:6] != b'\x9d\x01\x2a':
			raise BadPayload('keyframe without start code')
		info['w'] = struct.unpack_from('<H', data, 6)[0] & 0x3fff
		info['h'] = struct.unpack_from('<H', data, 8)[0] & 0x3fff
	return bytes(data), key, info


SC = b'\x00\x00\x00\x01'


def h264_frame(pkts):
	"""RFC 6184 (single NAL, STAP-A, FU-A) -> (Annex-B, key, info)"""
	out = bytearray()
	types = []
	in_fu = False
	for p in pkts:
		if len(p) < 1:
			raise BadPayload('empty')
		if p[0] & 0x80:
			raise BadPayload('F bit set')
		t = p[0] & 0x1f
		if 1 <= t <= 23:
			if in_fu:
				raise BadPayload('FU-A not ended')
			out += SC + p
			types.append(t)
		elif t == 24:
			if in_fu:
				raise BadPayload('FU-A not ended')
			off = 1
			while off < len(p):
				if off + 2 > len(p):
					raise BadPayload('STAP-A short size')
				n = struct.unpack_from('!H', p, off)[0]
				off += 2
				if n == 0 or off + n > len(p):
					raise BadPayload('STAP-A bad size')
				out += SC + p[off:off + n]
				types.append(p[off] & 0x1f)
				off += n
		elif t == 28:
			if len(p) < 3:
				raise BadPayload('FU-A short')
			s, e, nt = p[1] & 0x80, p[1] & 0x40, p[1] & 0x1f
			if s:
				if in_fu:
					raise BadPayload('FU-A restarted')
				out += SC + bytes([(p[0] & 0xe0) | nt]) + p[2:]
				types.append(nt)
				in_fu = True
			else:
				if not in_fu:
					raise BadPayload('FU-A without start')
				out += p[2:]
			if e:
				in_fu = False
		else:
			raise BadPayload('NAL type %d not supported' % t)
	if in_fu:
		raise BadPayload('FU-A not ended at frame end')
	if not any(t in (1, 5) for t in types):
		raise BadPayload('no slice in frame')
	return bytes(out), 5 in types, {'nals': types}


def h264_start(p):
	"""A packet that can begin a frame (not an FU-A continuation)."""
	return len(p) >= 1 and ((p[0] & 0x1f) != 28 or
				 (len(p) >= 2 and p[1] & 0x80))


def vp9_desc(p):
	"""RFC 9628 4.2: (flags dict, data)"""
	if len(p) < 1:
		raise BadPayload('empty')
	b = p[0]
	fl = {'I': b & 0x80, 'P': b & 0x40, 'L': b & 0x20, 'F': b & 0x10,
	      'B': b & 0x08, 'E': b & 0x04, 'V': b & 0x02, 'Z': b & 0x01}
	off = 1
	try:
		if fl['I']:
			if p[off] & 0x80:
				fl['picid'] = ((p[off] & 0x7f) << 8) | p[off + 1]
				off += 2
			else:
				fl['picid'] = p[off] & 0x7f
				off += 1
		if fl['L']:
			fl['sid'] = (p[off] >> 1) & 7
			off += 1
			if not fl['F']:
				off += 1  # TL0PICIDX
		if fl['F'] and fl['P']:
			for _ in range(3):
				n = p[off] & 1
				off += 1
				if not n:
					break
		if fl['V']:
			ss = p[off]
			off += 1
			ns = (ss >> 5) + 1
			if ss & 0x10:
				off += 4 * ns
			if ss & 0x08:
				ng = p[off]
				off += 1
				for _ in range(ng):
					r = (p[off] >> 2) & 3
					off += 1 + r
	except IndexError:
		raise BadPayload('short descriptor')
	if off > len(p):
		raise BadPayload('short descriptor')
	return fl, p[off:]


def vp9_key_bits(d):
	"""frame_type from the VP9 uncompressed header: True key, False
	inter, None unknown (RFC/VP9 spec 6.2)."""
	if not d:
		return None
	bits = ''.join('{:08b}'.format(x) for x in d[:2])
	if bits[0:2] != '10':
		return None
	profile = int(bits[3]) * 2 + int(bits[2])
	i = 4 + (1 if profile == 3 else 0)
	if bits[i] == '1':
		return False  # show_existing_frame
	return bits[i + 1] == '0'


def vp9_frame(pkts):
	data = bytearray()
	first = None
	for i, p in enumerate(pkts):
		fl, d = vp9_desc(p)
		if i == 0:
			if not fl['B']:
				raise BadPayload('first packet without B')
			first = fl
		elif fl['B'] and fl.get('sid', 0) == first.get('sid', 0):
			raise BadPayload('second B in one timestamp')
		if i == len(pkts) - 1 and not fl['E']:
			raise BadPayload('last packet without E')
		data += d
	if not data:
		raise BadPayload('empty frame')
	key = vp9_key_bits(bytes(data))
	desc_key = not first['P'] and first.get('sid', 0) == 0
	if key is None:
		key = desc_key
	return bytes(data), key, {'picid': first.get('picid'),
				  'desc_key': desc_key}


CODECS = {
	'vp8': (vp8_frame, lambda p: len(p) >= 1 and vp8_desc_start(p),
		b'VP80'),
	'h264': (h264_frame, h264_start, b'H264'),
	'vp9': (vp9_frame, lambda p: len(p) >= 1 and bool(p[0] & 0x08),
		b'VP90'),
}


def vp8_desc_start(p):
	try:
		return vp8_desc(p)[0]
	except BadPayload:
		return False


# --- stream analysis -----------------------------------------------------------

def collect(pcap, dst_port, src_port=None, want_pt=None):
	"""The RTP packets to dst_port: dict with 'pkts' (t, m, pt, seq, ts,
	ssrc, payload) of the chosen PT, counts of the others."""
	allp = []
	rtcp = nonrtp = 0
	for t, _sip, sport, _dip, dport, data in udp_packets(pcap):
		if dport != dst_port:
			continue
		if src_port is not None and sport != src_port:
			continue
		r = rtp_parse(data)
		if r is None:
			if len(data) >= 2 and data[0] >> 6 == 2 and \
			   64 <= (data[1] & 0x7f) <= 95:
				rtcp += 1
			else:
				nonrtp += 1
			continue
		allp.append((t,) + r)
	counts = {}
	for p in allp:
		counts[p[2]] = counts.get(p[2], 0) + 1
	pt = want_pt
	if pt is None and counts:
		dyn = [(n, q) for q, n in counts.items() if 96 <= q <= 127]
		pt = max(dyn or [(n, q) for q, n in counts.items()])[1]
	pkts = [p for p in allp if p[2] == pt]
	return {'pkts': pkts, 'pt': pt, 'pt_counts': counts,
		'rtcp': rtcp, 'non_rtp': nonrtp,
		'other_pt': len(allp) - len(pkts)}


def stream_checks(pkts, t0):
	"""Per-SSRC sequence and timestamp checks in arrival order."""
	st = {}
	order = []
	changes = []
	res = {'seq_gaps': 0, 'seq_missing': 0, 'seq_repeats': 0,
	       'seq_reordered': 0, 'ts_decreases': 0, 'ts_max_step': 0,
	       'events': []}
	prev_ssrc = None
	for i, (t, _m, _pt, seq, ts, ssrc, _pl) in enumerate(pkts):
		if ssrc != prev_ssrc and prev_ssrc is not None:
			changes.append({'pkt': i, 'at': t - t0, 'at_abs': t,
					'from': '%08x' % prev_ssrc,
					'to': '%08x' % ssrc})
		prev_ssrc = ssrc
		s = st.get(ssrc)
		if s is None:
			st[ssrc] = {'max': seq, 'seen': {seq}, 'ts': ts,
				    'n': 1, 'first': t - t0}
			order.append(ssrc)
			continue
		s['n'] += 1
		hi = s['max']
		d = (seq - (hi & 0xffff)) & 0xffff
		ext = hi + d if d < 0x8000 else hi + d - 0x10000
		if ext == hi + 1:
			s['max'] = ext
		elif ext > hi + 1:
			res['seq_gaps'] += 1
			res['seq_missing'] += ext - hi - 1
			res['events'].append('seq gap %d->%d at %.3fs' % (
				hi & 0xffff, seq, t - t0))
			s['max'] = ext
		elif ext in s['seen']:
			res['seq_repeats'] += 1
			res['events'].append('seq repeat %d at %.3fs' % (seq, t - t0))
		else:
			res['seq_reordered'] += 1
			res['seq_missing'] -= 1
		s['seen'].add(ext)
		if len(s['seen']) > 4096:
			s['seen'] = {x for x in s['seen'] if x > s['max'] - 2048}
		dt = (ts - s['ts']) & 0xffffffff
		if dt >= 0x80000000:
			res['ts_decreases'] += 1
			res['events'].append('ts decrease %d->%d at %.3fs' % (
				s['ts'], ts, t - t0))
		else:
			res['ts_max_step'] = max(res['ts_max_step'], dt)
		s['ts'] = ts
	res['seq_missing'] = max(res['seq_missing'], 0)
	res['ssrcs'] = [{'ssrc': '%08x' % x, 'packets': st[x]['n'],
			 'first': round(st[x]['first'], 3)} for x in order]
	res['ssrc_changes'] = changes
	del res['events'][50:]
	return res


def assemble(pkts, codec):
	"""Group packets into frames (SSRC + timestamp), in order of their
	first packet; depacketize each. A picture that starts after the
	marker of one with the same timestamp is a frame of its own: a
	sender that restarts its stream (baresip after a new video source)
	may send two pictures under one timestamp, and the forwarder may
	rightly pass the second (a keyframe) alone."""
	depack, is_start, _fourcc = CODECS[codec]
	frames = []
	open_by_ssrc = {}
	for i, (t, m, _pt, seq, ts, ssrc, pl) in enumerate(pkts):
		lst = open_by_ssrc.setdefault(ssrc, [])
		fr = None
		for f in reversed(lst):   # the latest picture of that ts
			if f['ts'] == ts and not (
					f.get('marker_seq') is not None and
					0 < (seq - f['marker_seq']) & 0xffff < 0x8000
					and is_start(pl)):
				fr = f
				break
		if fr is None:
			fr = {'ssrc': ssrc, 'ts': ts, 'pkts': [], 't_first': t}
			frames.append(fr)
			lst.append(fr)
			if len(lst) > MAX_OPEN_FRAMES:
				lst.pop(0)
		fr['pkts'].append((seq, m, pl, t))
		if m:
			fr['marker_seq'] = seq
	# sequence numbers extended per SSRC, to sort and check contiguity
	last_ext = {}
	for fr in frames:
		prev = last_ext.get(fr['ssrc'])
		ext = []
		for seq, m, pl, t in fr['pkts']:
			ref = prev if prev is not None else seq
			d = (seq - (ref & 0xffff)) & 0xffff
			e = ref + d if d < 0x8000 else ref + d - 0x10000
			ext.append((e, m, pl, t))
			if prev is None or e > prev:
				prev = e
		last_ext[fr['ssrc']] = prev
		dedup = {}
		for e, m, pl, t in ext:
			dedup.setdefault(e, (e, m, pl, t))
		ps = sorted(dedup.values())
		fr['seq_first'] = ps[0][0] & 0xffff
		fr['seq_last'] = ps[-1][0] & 0xffff
		fr['npkts'] = len(ps)
		fr['t_last'] = max(p[3] for p in ps)
		fr['marker'] = ps[-1][1]
		fr['ext_first'] = ps[0][0]
		fr['ext_last'] = ps[-1][0]
		fr['key'] = False
		fr['data'] = None
		reason = None
		if ps[-1][0] - ps[0][0] + 1 != len(ps):
			reason = 'sequence gap inside the frame'
		elif not is_start(ps[0][2]):
			reason = 'does not begin at a frame start'
		elif not fr['marker']:
			reason = 'no marker on its last packet'
		if reason is None:
			try:
				data, key, info = depack([p[2] for p in ps])
				fr['data'], fr['key'], fr['info'] = data, key, info
			except (BadPayload, IndexError, struct.error) as e:
				reason = 'payload: %s' % e
		else:
			# still tell a keyframe that lost packets (for first_is_key)
			try:
				if codec == 'vp8':
					s, _pid, d = vp8_desc(ps[0][2])
					fr['key'] = s and len(d) > 0 and not d[0] & 1
				elif codec == 'vp9':
					fl, d = vp9_desc(ps[0][2])
					k = vp9_key_bits(d) if fl['B'] else None
					fr['key'] = bool(k) if k is not None else False
				elif codec == 'h264':
					fr['key'] = any(
						len(p[2]) > 1 and ((p[2][0] & 0x1f) == 5 or
						((p[2][0] & 0x1f) == 28 and (p[2][1] & 0x1f) == 5))
						for p in ps)
			except (BadPayload, IndexError):
				pass
		fr['complete'] = reason is None
		fr['reason'] = reason
		del fr['pkts']
	# a whole frame lost before this one (sequence jump between frames)
	last = {}
	for fr in frames:
		p = last.get(fr['ssrc'])
		fr['after_gap'] = p is not None and fr['ext_first'] > p + 1
		last[fr['ssrc']] = max(fr['ext_last'], p if p is not None
				       else fr['ext_last'])
	return frames


def source_index(pcap, codec, exclude_port, sdps):
	"""Frames of every other RTP stream in the capture (not to or from
	exclude_port, the receiver's; not a forwarder's copy) that
	depacketizes as codec: sha1 of the frame data -> list of (label,
	frame index, arrival time, key). The label is the
	SIP user whose SDP offered the stream's source port as m=video (the
	sender's own port: symmetric RTP), else 'port S' (S: UDP source port)."""
	streams = {}
	for t, _sip, sport, _dip, dport, data in udp_packets(pcap):
		if dport == exclude_port:
			continue  # the receiver's own stream
		r = rtp_parse(data)
		if r is None:
			continue
		streams.setdefault((sport, dport, r[4], r[1]), []).append((t,) + r)
	names = {}
	for sd in sdps or []:
		for m in sd['media']:
			if m['kind'] == 'video' and m['port'] > 0:
				names[m['port']] = sd['sender_user'] or \
					(sd['contact_user'] or '').split('-0x')[0] or None
	cand = []
	for (sport, dport, ssrc, _pt), pk in sorted(streams.items(),
						    key=lambda x: x[1][0][0]):
		if len(pk) < 3:
			continue
		frames = assemble(pk, codec)
		good = sum(1 for f in frames if f['data'])
		if not good or good * 2 < len(frames):
			continue
		fr = [(hashlib.sha1(f['data']).digest(), i, f['t_first'], f['key'])
		      for i, f in enumerate(frames) if f['data']]
		cand.append({'sport': sport, 'dport': dport, 'ssrc': ssrc,
			     'frames': len(frames), 'keys': sum(
				     1 for f in frames if f['key']), 'fr': fr})
	# a forwarder's copies (to the other receivers) are no sources: most of
	# a copy's frames that are unique in it came earlier in another stream
	first_seen = {}
	for c in cand:
		for h, _i, t, _k in c['fr']:
			first_seen.setdefault(h, []).append((t, id(c)))
	for c in cand:
		own = {}
		for h, _i, _t, _k in c['fr']:
			own[h] = own.get(h, 0) + 1
		uniq = [(h, t) for h, _i, t, _k in c['fr'] if own[h] == 1]
		earlier = sum(1 for h, t in uniq if any(
			o != id(c) and t - 2.0 <= t2 < t for t2, o in first_seen[h]))
		c['copy'] = len(uniq) >= 3 and earlier * 2 > len(uniq)
	index = {}
	info = []
	for c in cand:
		if c['sport'] == exclude_port:
			continue  # what the receiver sends: only to spot copies
		label = names.get(c['sport']) or 'port %d' % c['sport']
		if any(x['label'] == label for x in info):
			label = '%s/%08x' % (label, c['ssrc'])
		info.append({'label': label, 'src_port': c['sport'],
			     'dst_port': c['dport'], 'ssrc': '%08x' % c['ssrc'],
			     'frames': c['frames'], 'keyframes': c['keys'],
			     'copy': c['copy']})
		if c['copy']:
			continue
		for h, i, t, k in c['fr']:
			index.setdefault(h, []).append((label, i, t, k))
	return index, info


def attribute(frames, index):
	"""Name the source frame each received frame is (same payload bytes).
	A forwarded frame reached the forwarder before it left (candidates:
	sent at most 2 s before and 5 ms after it arrived). The current
	source's next frame wins, else the latest candidate. Frames of
	identical bytes in two sources (the empty deltas of two still
	pictures) are told apart by nothing but timing, so they stay with
	the current source; a source whose every frame differs (add temporal
	noise to it) makes the attribution exact."""
	cur, last = None, None
	for f in frames:
		f['src'] = None
		if not f['data']:
			continue
		c = [x for x in index.get(hashlib.sha1(f['data']).digest(), [])
		     if f['t_first'] - 2.0 <= x[2] <= f['t_first'] + 0.005]
		if not c:
			continue
		nxt = [x for x in c if x[0] == cur and x[1] == last + 1]
		best = nxt[0] if nxt else max(c, key=lambda x: x[2])
		f['src'], f['src_i'], f['src_key'] = best[0], best[1], best[3]
		cur, last = best[0], best[1]


def source_runs(frames, t0):
	runs = []
	last = None
	for f in frames:
		if f.get('src') is None:
			continue
		if runs and runs[-1]['source'] == f['src']:
			r = runs[-1]
			if f['src_i'] != last + 1:
				r['source_frames_skipped'] += max(f['src_i'] - last - 1, 0)
				r['jumps'] += 1
		else:
			r = {'source': f['src'], 'frames': 0, 'jumps': 0,
			     'source_frames_skipped': 0,
			     'start': round(f['t_first'] - t0, 3),
			     'start_abs': f['t_first'], 'first_is_key': f['src_key'],
			     'first_source_frame': f['src_i']}
			runs.append(r)
		r['frames'] += 1
		r['end'] = round(f['t_last'] - t0, 3)
		r['end_abs'] = f['t_last']
		last = f['src_i']
	return runs


def write_ivf(path, fourcc, frames, w=320, h=240):
	with open(path, 'wb') as f:
		f.write(b'DKIF' + struct.pack('<HH4sHHIIII', 0, 32, fourcc, w, h,
						  30, 1, len(frames), 0))
		for pts, data in frames:
			f.write(struct.pack('<IQ', len(data), pts))
			f.write(data)


def decode(frames, codec, grid, keep=None):
	"""Decode the complete frames with ffmpeg; set fr['rgb'] (mean) and
	fr['cells'] (the GxG cell colours) on those that
	came out. Returns (error lines of ffmpeg, ffmpeg status)."""
	todo = [(i, fr) for i, fr in enumerate(frames) if fr['data']]
	if not todo:
		return [], None
	w, h = 320, 240
	for _i, fr in todo:
		if fr.get('info', {}).get('w'):
			w, h = fr['info']['w'], fr['info']['h']
			break
	tmp = tempfile.mkdtemp(prefix='vcap.')
	try:
		ivf = os.path.join(tmp, 'video.ivf')
		write_ivf(ivf, CODECS[codec][2], [(i, fr['data']) for i, fr in todo],
			  w, h)
		if keep:
			os.makedirs(keep, exist_ok=True)
			shutil.copy(ivf, os.path.join(keep, 'video-%s.ivf' % codec))
			if codec == 'h264':
				with open(os.path.join(keep, 'video.h264'), 'wb') as f:
					for _i, fr in todo:
						f.write(fr['data'])
		cmd = [FFMPEG, '-nostdin', '-hide_banner', '-loglevel', 'info',
		       '-i', ivf, '-vf',
		       'scale=%d:%d:flags=area,showinfo' % (grid, grid),
		       '-fps_mode', 'passthrough', '-f', 'rawvideo',
		       '-pix_fmt', 'rgb24', '-']
		try:
			p = subprocess.run(cmd, stdout=subprocess.PIPE,
					   stderr=subprocess.PIPE,
					   timeout=FFMPEG_TIMEOUT)
		except FileNotFoundError:
			raise VcapError('ffmpeg not found (%s)' % FFMPEG)
		except subprocess.TimeoutExpired:
			raise VcapError('ffmpeg took over %d s' % FFMPEG_TIMEOUT)
	finally:
		shutil.rmtree(tmp, ignore_errors=True)
	pts_list = []
	errs = []
	for ln in p.stderr.decode('utf-8', 'replace').splitlines():
		if 'Parsed_showinfo' in ln and ' n:' in ln and 'pts:' in ln:
			try:
				pts_list.append(int(ln.split('pts:')[1].split()[0]))
			except (ValueError, IndexError):
				pts_list.append(None)
		elif ('rror' in ln or 'nvalid' in ln or 'iscard' in ln or
		      'not available' in ln or 'concealing' in ln or
		      'missing' in ln or 'corrupt' in ln) and \
			'Parsed_showinfo' not in ln:
			errs.append(ln.strip())
	n = grid * grid * 3
	out = p.stdout
	for k, pts in enumerate(pts_list):
		if (k + 1) * n > len(out) or pts is None or \
		   not 0 <= pts < len(frames):
			continue
		px = out[k * n:(k + 1) * n]
		cells = [tuple(px[j:j + 3]) for j in range(0, n, 3)]
		mean = tuple(sum(c[q] for c in cells) / len(cells)
			     for q in range(3))
		frames[pts]['rgb'] = [round(x, 1) for x in mean]
		frames[pts]['cells'] = cells
	return errs, p.returncode


def dist(a, b):
	return ((a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2 +
		(a[2] - b[2]) ** 2) ** 0.5


def nearest(rgb, palette, threshold):
	best, bd = None, None
	for name, c in palette:
		d = dist(rgb, c)
		if bd is None or d < bd:
			best, bd = name, d
	return best if bd is not None and bd <= threshold else 'other'


def classify(cells, palette, threshold, agree):
	"""(colour of most cells or 'corrupt', fraction of cells with it)"""
	n = {}
	for c in cells:
		k = nearest(c, palette, threshold)
		n[k] = n.get(k, 0) + 1
	best = max(n.items(), key=lambda x: x[1])
	frac = best[1] / len(cells)
	return ('corrupt' if agree and frac < agree else best[0]), frac


def analyze(pcap, dst_port, codec='auto', pt=None, src_port=None,
	    palette=None, threshold=60.0, agree=0.75, grid=8, keep=None,
	    sdps=None, sources=True):
	palette = palette or PALETTE
	t0 = first_time(pcap)
	c = collect(pcap, dst_port, src_port, pt)
	pkts = c['pkts']
	codec_from = 'option'
	if codec == 'auto':
		if sdps is None:
			sdps = sip_sdps(pcap)
		codec = codec_from_sdp(sdps, dst_port, c['pt'])
		codec_from = 'sdp'
		if codec is None:
			codec, codec_from = 'vp8', 'default'
	if codec not in CODECS:
		raise VcapError('unknown codec %s' % codec)
	if t0 is None:
		t0 = 0.0
	res = {'pcap': pcap, 'dst_port': dst_port, 'pt': c['pt'],
	       'codec': codec, 'codec_from': codec_from,
	       'capture_start': t0, 'packets': len(pkts),
	       'bytes': sum(len(p[6]) for p in pkts),
	       'other_pt_packets': c['other_pt'], 'rtcp_skipped': c['rtcp'],
	       'non_rtp_skipped': c['non_rtp'],
	       'pt_counts': {str(k): v for k, v in sorted(c['pt_counts'].items())}}
	res.update(stream_checks(pkts, t0))
	if pkts:
		res['first_packet'] = round(pkts[0][0] - t0, 3)
		res['last_packet'] = round(pkts[-1][0] - t0, 3)
	frames = assemble(pkts, codec)
	if sources:
		if sdps is None:
			sdps = sip_sdps(pcap)
		index, res['sources'] = source_index(pcap, codec, dst_port, sdps)
	else:
		index, res['sources'] = {}, []
	attribute(frames, index)
	errs, rc = decode(frames, codec, grid, keep)
	res['ffmpeg_errors'] = len(errs)
	res['ffmpeg_error_lines'] = errs[:20]
	res['ffmpeg_status'] = rc
	for fr in frames:
		if 'rgb' in fr:
			fr['colour'], fr['agree'] = classify(fr.pop('cells'), palette,
							     threshold, agree)
		elif fr['complete']:
			fr['colour'] = None
			fr['reason'] = 'not decoded by ffmpeg'
		else:
			fr['colour'] = None
	res['frames'] = len(frames)
	res['frames_complete'] = sum(1 for f in frames if f['complete'])
	# the capture's last frame may be cut off by the call's end (its last
	# packet never came): that is not the forwarder's doing
	cut = 1 if frames and not frames[-1]['complete'] and \
		frames[-1]['reason'] == 'no marker on its last packet' else 0
	res['frames_cut_at_end'] = cut
	res['frames_incomplete'] = sum(1 for f in frames
				       if not f['complete']) - cut
	res['frames_decoded'] = sum(1 for f in frames if f['colour'])
	res['frames_undecoded'] = res['frames_complete'] - res['frames_decoded']
	res['frames_after_gap'] = sum(1 for f in frames if f['after_gap'])
	res['keyframes'] = sum(1 for f in frames if f['key'])
	res['keyframe_times'] = [round(f['t_first'] - t0, 3)
				 for f in frames if f['key']][:200]
	res['first_frame_is_key'] = frames[0]['key'] if frames else None
	gaps = [b['t_first'] - a['t_first'] for a, b in zip(frames, frames[1:])]
	res['max_frame_interval'] = round(max(gaps), 3) if gaps else None
	# SSRC changes between frames: is the new SSRC's first frame a key?
	for ch in res['ssrc_changes']:
		ch['at'] = round(ch['at'], 3)
		nf = next((f for f in frames if '%08x' % f['ssrc'] == ch['to'] and
			   f['t_first'] >= ch['at_abs']), None)
		ch['first_is_key'] = nf['key'] if nf else None
		del ch['pkt']
	# runs of one colour over the decoded frames
	runs = []
	prev_end = -1
	for i, f in enumerate(frames):
		if not f['colour']:
			continue
		if runs and runs[-1]['colour'] == f['colour']:
			r = runs[-1]
		else:
			lead = frames[prev_end + 1] if prev_end + 1 < len(frames) \
				else f
			r = {'colour': f['colour'], 'frames': 0, 'keyframes': 0,
			     'start': round(f['t_first'] - t0, 3),
			     'start_abs': f['t_first'],
			     'first_is_key': lead['key'],
			     'first_decoded_is_key': f['key'],
			     'skipped_before': i - prev_end - 1,
			     'ts_first': f['ts'], '_rgb': [0.0, 0.0, 0.0],
			     '_ssrcs': [], 'source': f.get('src'),
			     'prev_source': runs[-1]['_last_src'] if runs else None}
			runs.append(r)
		r['frames'] += 1
		r['keyframes'] += 1 if f['key'] else 0
		r['end'] = round(f['t_last'] - t0, 3)
		r['end_abs'] = f['t_last']
		r['ts_last'] = f['ts']
		r['_last_src'] = f.get('src')
		for q in range(3):
			r['_rgb'][q] += f['rgb'][q]
		s = '%08x' % f['ssrc']
		if s not in r['_ssrcs']:
			r['_ssrcs'].append(s)
		prev_end = i
	for r in runs:
		r['rgb'] = [round(x / r['frames'], 1) for x in r.pop('_rgb')]
		r['ssrcs'] = r.pop('_ssrcs')
		del r['_last_src']
	res['runs'] = runs
	res['trailing_undecoded'] = len(frames) - prev_end - 1 if runs else \
		len(frames)
	res['source_runs'] = source_runs(frames, t0)
	res['source_changes'] = [
		{'from': a['source'], 'to': b['source'], 'at': b['start'],
		 'first_is_key': b['first_is_key']}
		for a, b in zip(res['source_runs'], res['source_runs'][1:])]
	# unmatched frames count only when some did match: with no source
	# of this receiver in the capture (a direct call) nothing matches
	res['frames_matched'] = sum(1 for f in frames if f['src'])
	res['frames_unmatched'] = sum(1 for f in frames if f['data'] and
				      f['src'] is None) \
		if res['frames_matched'] else None
	# the receiver's very first frame, a keyframe that decoded, may be
	# part of a source's access unit (an H.264 IDR whose parameter sets
	# came before the receiver was mapped): reported, not a problem
	res['first_frame_partial'] = bool(
		res['frames_unmatched'] and frames[0]['data'] and
		frames[0]['src'] is None and frames[0]['key'] and
		frames[0]['colour'])
	if res['first_frame_partial']:
		res['frames_unmatched'] -= 1
	# same_source: the frames on both sides of the change came from one
	# source stream (its sender changed its picture: a delta frame is
	# right then); None when no source is known
	res['changes'] = [{'from': a['colour'], 'to': b['colour'],
			   'at': b['start'], 'first_is_key': b['first_is_key'],
			   'same_source': (b['source'] == b['prev_source'])
			   if b['source'] and b['prev_source'] else None}
			  for a, b in zip(runs, runs[1:])]
	res['frame_list'] = [{
		'i': i, 't': round(f['t_first'] - t0, 3),
		't_abs': f['t_first'], 'ts': f['ts'], 'ssrc': '%08x' % f['ssrc'],
		'seq': f['seq_first'], 'pkts': f['npkts'], 'key': f['key'],
		'complete': f['complete'], 'after_gap': f['after_gap'],
		'colour': f['colour'], 'rgb': f.get('rgb'),
		'agree': round(f['agree'], 2) if 'agree' in f else None,
		'reason': f['reason'],
		'picid': f.get('info', {}).get('picid'),
		'source': f.get('src'), 'source_frame': f.get('src_i')}
		for i, f in enumerate(frames)]
	res['problems'] = problems(res)
	res['ok'] = not res['problems']
	return res


def problems(r):
	p = []
	if r['packets'] == 0:
		p.append('no RTP packets')
	if len(r['ssrcs']) > 1:
		p.append('%d SSRCs' % len(r['ssrcs']))
	for k in ('seq_gaps', 'seq_repeats', 'seq_reordered', 'ts_decreases',
		  'frames_incomplete', 'frames_undecoded'):
		if r[k]:
			p.append('%s %d' % (k, r[k]))
	if r['first_frame_is_key'] is False:
		p.append('first frame is not a keyframe')
	for ch in r['changes']:
		if not ch['first_is_key'] and not ch['same_source']:
			p.append('%s->%s at %.2fs not on a keyframe' % (
				ch['from'], ch['to'], ch['at']))
	for ch in r['ssrc_changes']:
		if not ch['first_is_key']:
			p.append('SSRC %s->%s at %.2fs not on a keyframe' % (
				ch['from'], ch['to'], ch['at']))
	for ch in r['source_changes']:
		if not ch['first_is_key']:
			p.append('source %s->%s at %.2fs not on a keyframe' % (
				ch['from'], ch['to'], ch['at']))
	skipped = sum(u['source_frames_skipped'] for u in r['source_runs'])
	if skipped:
		p.append('%d source frames skipped' % skipped)
	if r['frames_unmatched']:
		p.append('%d frames match no source' % r['frames_unmatched'])
	bad = sum(ru['frames'] for ru in r['runs']
		  if ru['colour'] in ('other', 'corrupt'))
	if bad:
		p.append('%d frames other/corrupt' % bad)
	if r['packets'] and not r['frames_decoded']:
		p.append('no frame decoded')
	return p


def summary(r):
	out = []
	out.append('packets %d pt %s codec %s (%s) bytes %d; skipped: rtcp %d '
		   'other-pt %d non-rtp %d' % (
			   r['packets'], r['pt'], r['codec'], r['codec_from'],
			   r['bytes'], r['rtcp_skipped'], r['other_pt_packets'],
			   r['non_rtp_skipped']))
	out.append('ssrcs %d (%s) ssrc_changes %d' % (
		len(r['ssrcs']), ' '.join('%s:%d' % (s['ssrc'], s['packets'])
					 for s in r['ssrcs']) or '-',
		len(r['ssrc_changes'])))
	out.append('seq_gaps %d (missing %d) repeats %d reordered %d '
		   'ts_decreases %d' % (r['seq_gaps'], r['seq_missing'],
					r['seq_repeats'], r['seq_reordered'],
					r['ts_decreases']))
	out.append('frames %d complete %d incomplete %d decoded %d '
		   'undecoded %d keyframes %d first_is_key %s' % (
			   r['frames'], r['frames_complete'],
			   r['frames_incomplete'], r['frames_decoded'],
			   r['frames_undecoded'], r['keyframes'],
			   yn(r['first_frame_is_key'])))
	out.append('runs: ' + (' | '.join(
		'%s %.2f-%.2fs (%d frames)' % (u['colour'], u['start'], u['end'],
					     u['frames'])
		for u in r['runs']) or '-'))
	for ch in r['changes']:
		out.append('change %s->%s at %.2fs: first frame key %s' % (
			ch['from'], ch['to'], ch['at'], yn(ch['first_is_key'])))
	if r['frames_matched']:
		out.append('sources: ' + ', '.join(
			'%s (%d->%d %s, %d frames)' % (x['label'], x['src_port'],
						     x['dst_port'], x['ssrc'],
						     x['frames'])
			for x in r['sources'] if not x['copy']) +
			'; copies left out: %d' % sum(1 for x in r['sources']
						      if x['copy']))
		out.append('source runs: ' + (' | '.join(
			'%s %.2f-%.2fs (%d frames%s)' % (
				u['source'], u['start'], u['end'], u['frames'],
				', %d skipped' % u['source_frames_skipped']
				if u['source_frames_skipped'] else '')
			for u in r['source_runs']) or '-') +
			'; unmatched %d' % r['frames_unmatched'])
		for ch in r['source_changes']:
			out.append('source change %s->%s at %.2fs: first frame key '
				   '%s' % (ch['from'], ch['to'], ch['at'],
					   yn(ch['first_is_key'])))
	for ch in r['ssrc_changes']:
		out.append('ssrc change %s->%s at %.2fs: first frame key %s' % (
			ch['from'], ch['to'], ch['at'], yn(ch['first_is_key'])))
	for e in r['events'][:10]:
		out.append('  ' + e)
	if r['ffmpeg_errors']:
		out.append('ffmpeg: %d error lines, e.g. %s' % (
			r['ffmpeg_errors'], r['ffmpeg_error_lines'][0]))
	out.append('ok' if r['ok'] else 'problems: ' + '; '.join(r['problems']))
	return '\n'.join(out)


def yn(v):
	return {True: 'yes', False: 'NO', None: '-'}[v]


def parse_palette(s):
	pal = []
	for item in s.split(';') if ';' in s else split_palette(s):
		name, _, rgb = item.partition('=')
		v = [int(x) for x in rgb.split(',')]
		if len(v) != 3 or not name:
			raise ValueError(item)
		pal.append((name.strip(), tuple(v)))
	return pal


def split_palette(s):
	"""'red=255,0,0,blue=0,0,255' -> ['red=255,0,0', 'blue=0,0,255']"""
	items, cur = [], []
	for tok in s.split(','):
		if '=' in tok and cur:
			items.append(','.join(cur))
			cur = []
		cur.append(tok)
	if cur:
		items.append(','.join(cur))
	return items


# --- self-test ---------------------------------------------------------------

def st_encode(tmp, codec, colour, n, keyint, noise=False):
	"""ffmpeg-encoded frames of a solid colour: list of (data, key)"""
	src = 'color=c=%s:size=320x240:rate=15' % colour
	if noise:
		src += ',noise=alls=12:allf=t'
		colour += '-noise'
	common = [FFMPEG, '-nostdin', '-hide_banner', '-loglevel', 'error',
		  '-f', 'lavfi', '-i', src,
		  '-frames:v', str(n), '-pix_fmt', 'yuv420p', '-g', str(keyint),
		  '-keyint_min', str(keyint)]
	if codec == 'vp8':
		path = os.path.join(tmp, '%s.ivf' % colour)
		args = ['-c:v', 'libvpx', '-deadline', 'realtime',
			'-auto-alt-ref', '0', '-b:v', '300k', '-f', 'ivf', path]
	elif codec == 'vp9':
		path = os.path.join(tmp, '%s9.ivf' % colour)
		args = ['-c:v', 'libvpx-vp9', '-deadline', 'realtime',
			'-cpu-used', '8', '-b:v', '300k', '-f', 'ivf', path]
	else:
		path = os.path.join(tmp, '%s.h264' % colour)
		args = ['-c:v', 'libx264', '-preset', 'ultrafast', '-tune',
			'zerolatency', '-bf', '0', '-profile:v', 'baseline',
			'-x264-params', 'scenecut=0:repeat-headers=1',
			'-bsf:v', 'h264_metadata=aud=insert', '-f', 'h264', path]
	subprocess.run(common + args, check=True, timeout=60)
	with open(path, 'rb') as f:
		raw = f.read()
	if codec in ('vp8', 'vp9'):
		out, off = [], 32
		while off + 12 <= len(raw):
			sz = struct.unpack_from('<I', raw, off)[0]
			d = raw[off + 12:off + 12 + sz]
			off += 12 + sz
			if codec == 'vp8':
				out.append((d, not d[0] & 1))
			else:
				out.append((d, bool(vp9_key_bits(d))))
		return out
	# H.264: split Annex-B into NALs, access units at each AUD
	nals, i = [], 0
	starts = []
	while True:
		j = raw.find(b'\x00\x00\x01', i)
		if j < 0:
			break
		starts.append(j + 3)
		i = j + 3
	for k, s in enumerate(starts):
		e = starts[k + 1] - 3 if k + 1 < len(starts) else len(raw)
		nal = raw[s:e]
		while nal.endswith(b'\x00') and k + 1 < len(starts):
			nal = nal[:-1]
		nals.append(nal)
	aus = []
	for nal in nals:
		if not nal:
			continue
		if nal[0] & 0x1f == 9:
			aus.append([])
			continue
		if not aus:
			aus.append([])
		aus[-1].append(nal)
	return [(au, any(x[0] & 0x1f == 5 for x in au)) for au in aus if au]


def st_packetize(codec, frame, picid, mtu=40):
	"""One frame -> list of RTP payloads (our own packetizer)."""
	data, key = frame
	if codec == 'vp8':
		out = []
		for k in range(0, len(data), mtu):
			s = 0x10 if k == 0 else 0
			out.append(bytes([0x80 | s, 0x80, 0x80 | (picid >> 8 & 0x7f),
					  picid & 0xff]) + data[k:k + mtu])
		return out
	if codec == 'vp9':
		out = []
		chunks = [data[k:k + mtu] for k in range(0, len(data), mtu)]
		for k, ch in enumerate(chunks):
			b = 0x80 | (0 if key else 0x40)
			b |= 0x08 if k == 0 else 0
			b |= 0x04 if k == len(chunks) - 1 else 0
			out.append(bytes([b, 0x80 | (picid >> 8 & 0x7f),
					  picid & 0xff]) + ch)
		return out
	out = []
	small = [n for n in data if len(n) < 100]
	big = [n for n in data if len(n) >= 100]
	if len(small) > 1:  # SPS+PPS (and small slices) in one STAP-A
		out.append(bytes([24]) + b''.join(struct.pack('!H', len(n)) + n
						  for n in small))
	else:
		out += small
	for n in big:
		if len(n) <= mtu:
			out.append(n)
			continue
		hdr, body = n[0], n[1:]
		chunks = [body[k:k + mtu] for k in range(0, len(body), mtu)]
		for k, ch in enumerate(chunks):
			fh = hdr & 0x1f
			fh |= 0x80 if k == 0 else 0
			fh |= 0x40 if k == len(chunks) - 1 else 0
			out.append(bytes([(hdr & 0xe0) | 28, fh]) + ch)
	return out


def st_rtp(frames, seq0=1000, ts0=90000, ssrc=0x11223344, t0=100.0,
	   pt=96):
	"""frames: list of payload lists -> list of (time, rtp bytes),
	15 fps, consecutive seq and ts (both wrap)."""
	out = []
	seq = seq0
	for i, pls in enumerate(frames):
		ts = (ts0 + 6000 * i) & 0xffffffff
		for k, pl in enumerate(pls):
			m = 0x80 if k == len(pls) - 1 else 0
			out.append((t0 + i / 15.0 + k * 0.00002,
				    struct.pack('!BBHII', 0x80, m | pt, seq & 0xffff,
						ts, ssrc) + pl))
			seq += 1
	return out


def st_forward(segments, seq0=500, ts0=1234, ssrc=0x99aabbcc, lat=0.0003):
	"""A forwarder's output: the packets of each (source packets, from
	frame) segment in turn, with one SSRC, consecutive sequence numbers
	and timestamps going on 1/15 s after the last, lat s later."""
	out = []
	seq, ts_next = seq0, ts0
	for pk, _ in segments:
		base = None
		for t, b in pk:
			ts = struct.unpack_from('!I', b, 4)[0]
			if base is None:
				base = ts
			nts = (ts_next + ts - base) & 0xffffffff
			out.append((t + lat, b[:2] + struct.pack(
				'!HII', seq & 0xffff, nts, ssrc) + b[12:]))
			seq += 1
		ts_next = (nts + 6000) & 0xffffffff
	return out


def st_pcap(path, pkts, dport=40000, sport=30000):
	"""Write (time, udp payload[, sport, dport]) as Ethernet/IPv4/UDP on
	127.0.0.1."""
	with open(path, 'wb') as f:
		f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
		for x in sorted(pkts, key=lambda x: x[0]):
			t, pl = x[0], x[1]
			sport, dport = x[2:4] if len(x) >= 4 else (30000, 40000)
			udp = struct.pack('!HHHH', sport, dport, 8 + len(pl), 0) + pl
			ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(udp), 0, 0,
					 64, 17, 0, b'\x7f\0\0\1', b'\x7f\0\0\1')
			fr = b'\0' * 12 + b'\x08\x00' + ip + udp
			f.write(struct.pack('<IIII', int(t), int((t % 1) * 1e6),
					    len(fr), len(fr)))
			f.write(fr)


def selftest(verbose=False):
	tmp = tempfile.mkdtemp(prefix='vcap-selftest.')
	fails = []
	ran = 0

	def check(name, cond, r):
		nonlocal ran
		ran += 1
		if verbose or not cond:
			print('%s %s' % ('ok  ' if cond else 'FAIL', name))
			if not cond or verbose:
				print('     ' + summary(r).replace('\n', '\n     '))
		if not cond:
			fails.append(name)

	def run(name, pkts, codec):
		path = os.path.join(tmp, name + '.pcap')
		st_pcap(path, pkts)
		return analyze(path, 40000, codec=codec)

	try:
		for codec in ('vp8', 'h264', 'vp9'):
			try:
				red = st_encode(tmp, codec, 'red', 40, 20)
				blue = st_encode(tmp, codec, 'blue', 40, 20)
			except (subprocess.SubprocessError, OSError) as e:
				print('FAIL %s: cannot encode: %s' % (codec, e))
				fails.append(codec + ' encode')
				continue
			kr = [i for i, f in enumerate(red) if f[1]]
			kb = [i for i, f in enumerate(blue) if f[1]]
			if kr[:2] != [0, 20] or kb[:2] != [0, 20]:
				print('FAIL %s: keyframes at %s / %s, want 0, 20' % (
					codec, kr, kb))
				fails.append(codec + ' keyint')
				continue
			R = [st_packetize(codec, f, i) for i, f in enumerate(red)]
			B = [st_packetize(codec, f, i) for i, f in enumerate(blue)]
			rd = lambda r: [u['colour'] for u in r['runs']]

			# 1 clean switch at blue's keyframe, one SSRC, seq wraps
			r = run(codec + '-good', st_rtp(R[:20] + B[20:], seq0=65500,
							ts0=0xffffd000), codec)
			check(codec + ': clean switch red->blue at a keyframe',
			      rd(r) == ['red', 'blue'] and r['ok'] and
			      r['runs'][0]['frames'] == 20 and
			      r['runs'][1]['frames'] == 20 and
			      r['changes'][0]['first_is_key'] and
			      r['seq_gaps'] == 0 and r['ts_decreases'] == 0, r)

			# 2 switch onto a delta frame (blue 10..19 decode on red's
			# picture): red lasts until blue's keyframe 20
			r = run(codec + '-delta', st_rtp(R[:10] + B[10:]), codec)
			check(codec + ': switch on a delta frame: flagged, or red '
			      'lasts until the keyframe',
			      rd(r)[:1] == ['red'] and not any(
				      u['colour'] == 'blue' and u['first_is_key'] and
				      u['start'] < 100 - r['capture_start'] + 19 / 15.0
				      for u in r['runs']) and
			      (not r['ok'] or r['runs'][0]['frames'] >= 19), r)

			# 3 first keyframe missing: first frame not key, frames
			# undecoded until the keyframe at 20
			r = run(codec + '-nokey', st_rtp(R[1:]), codec)
			check(codec + ': no keyframe at the start',
			      r['first_frame_is_key'] is False and
			      r['runs'] and r['runs'][0]['first_is_key'] is False and
			      not r['ok'], r)

			# 4 new SSRC on a delta frame (seq/ts jump)
			pk = st_rtp(R[:10]) + st_rtp(B[10:], seq0=7, ts0=5,
						      ssrc=0x55667788,
						      t0=100.0 + 10 / 15.0)
			r = run(codec + '-ssrc', pk, codec)
			check(codec + ': SSRC change onto a delta frame',
			      len(r['ssrcs']) == 2 and r['ssrc_changes'] and
			      r['ssrc_changes'][0]['first_is_key'] is False and
			      not r['ok'], r)

			# 5 a packet lost inside frame 5 (and a repeat, reorder)
			R2 = [st_packetize(codec, f, i, 12) for i, f in enumerate(red)]
			B2 = [st_packetize(codec, f, i, 12) for i, f in enumerate(blue)]
			pk = st_rtp(R2[:20] + B2[20:])
			nf0 = len(R2[0])
			big = [k for k, (t, b) in enumerate(pk)
			       if b[1] & 0x80 == 0 and k >= nf0 and
			       pk[k - 1][1][4:8] == b[4:8]]  # mid-frame
			lost = big[0]
			dup = pk[lost + 3]
			pk = pk[:lost] + pk[lost + 1:]
			pk.append((dup[0] + 0.0001, dup[1]))
			r = run(codec + '-loss', pk, codec)
			check(codec + ': a lost packet and a repeat',
			      r['seq_gaps'] == 1 and r['seq_missing'] == 1 and
			      r['seq_repeats'] == 1 and r['frames_incomplete'] == 1
			      and not r['ok'], r)

			# 6 timestamp going back at the switch
			pk = st_rtp(R[:20]) + [
				(t, b[:4] + struct.pack('!I', (struct.unpack_from(
					'!I', b, 4)[0] - 400000) & 0xffffffff) + b[8:])
				for t, b in st_rtp(B[20:], seq0=1000 + sum(
					len(x) for x in R[:20]), t0=100 + 20 / 15.0)]
			r = run(codec + '-tsback', pk, codec)
			check(codec + ': timestamp decrease',
			      r['ts_decreases'] == 1 and rd(r) == ['red', 'blue']
			      and not r['ok'], r)

			# the same with the sources in the capture (temporal noise
			# makes every frame's bytes differ): which source frame
			# each forwarded frame is
			try:
				red = st_encode(tmp, codec, 'red', 40, 20, True)
				blue = st_encode(tmp, codec, 'blue', 40, 20, True)
			except (subprocess.SubprocessError, OSError) as e:
				print('FAIL %s: cannot encode: %s' % (codec, e))
				fails.append(codec + ' encode noise')
				continue
			R = [st_packetize(codec, f, i, 1100) for i, f in enumerate(red)]
			B = [st_packetize(codec, f, i, 1100) for i, f in enumerate(blue)]
			rs = st_rtp(R, ssrc=0xaaaa0001, t0=100.0)
			bs = st_rtp(B, ssrc=0xbbbb0002, t0=100.031)
			nr = [sum(len(x) for x in R[:k]) for k in range(41)]
			nb = [sum(len(x) for x in B[:k]) for k in range(41)]
			srcs = [x + (31000, 41000) for x in rs] + \
				[x + (31002, 41002) for x in bs]
			su = lambda r: [u['source'] for u in r['source_runs']]
			for name, segs, want_key, want_skip in (
				('clean switch at blue\'s keyframe',
				 [(rs[:nr[20]], 0), (bs[nb[20]:], 20)], True, 0),
				('switch on blue\'s delta frame 10',
				 [(rs[:nr[10]], 0), (bs[nb[10]:], 10)], False, 0),
				('red frames 5-7 not forwarded',
				 [(rs[:nr[5]], 0), (rs[nr[8]:nr[20]], 8),
				  (bs[nb[20]:], 20)], True, 3)):
				copy = [x + (20002, 40002) for x in
					st_forward(segs, ssrc=0x12121212, lat=0.0001)]
				r = run(codec + '-src', srcs + copy + st_forward(segs),
					codec)
				ok = su(r) == ['port 31000', 'port 31002'] and \
					[x['dst_port'] for x in r['sources']
					 if x['copy']] == [40002] and \
					r['source_changes'][0]['first_is_key'] is want_key \
					and r['frames_unmatched'] == 0 and sum(
						u['source_frames_skipped']
						for u in r['source_runs']) == want_skip and \
					r['ok'] is (want_key and not want_skip)
				check('%s: sources in the capture: %s' % (codec, name),
				      ok, r)

		# one sender changing its own picture (red, then blue on a delta
		# frame), forwarded: a colour change within one source is fine
		path = os.path.join(tmp, 'redblue.ivf')
		subprocess.run([
			FFMPEG, '-nostdin', '-hide_banner', '-loglevel', 'error',
			'-f', 'lavfi', '-i',
			'color=c=red:s=320x240:r=15:d=1[a];color=c=blue:s=320x240:'
			'r=15:d=1[b];[a][b]concat=n=2:v=1,noise=alls=12:allf=t,'
			'format=yuv420p', '-c:v', 'libvpx', '-deadline', 'realtime',
			'-g', '100', '-auto-alt-ref', '0', '-b:v', '300k', '-f', 'ivf',
			path], check=True, timeout=60)
		with open(path, 'rb') as f:
			raw = f.read()
		fr, off = [], 32
		while off + 12 <= len(raw):
			sz = struct.unpack_from('<I', raw, off)[0]
			d = raw[off + 12:off + 12 + sz]
			off += 12 + sz
			fr.append((d, not d[0] & 1))
		rs = st_rtp([st_packetize('vp8', f, i, 1100)
			     for i, f in enumerate(fr)], ssrc=0xaaaa0001)
		r = run('vp8-picture', [x + (31000, 41000) for x in rs] +
			st_forward([(rs, 0)]), 'vp8')
		check('vp8: a sender changes its own picture on a delta frame',
		      [u['colour'] for u in r['runs']][::len(r['runs']) - 1] ==
		      ['red', 'blue'] and r['changes'] and
		      r['changes'][-1]['first_is_key'] is False and
		      r['changes'][-1]['same_source'] is True and
		      len(r['source_runs']) == 1 and r['ok'], r)

		# garbage, RTCP, truncation: no crash, skipped
		pk = st_rtp([st_packetize('vp8', f, i) for i, f in
			     enumerate(st_encode(tmp, 'vp8', 'lime', 10, 20))])
		junk = [(101.0, b''), (101.0, b'\x80'), (101.1, b'\x80\xc8' + b'\0' * 26),
			(101.2, b'\x81\xc9\x00\x07' + b'\1' * 28),
			(101.3, b'\x90\x60\x00\x01' + b'\0' * 8 + b'\0\0\xff\xff'),
			(101.4, b'\xa0\x60\x00\x02' + b'\0' * 8 + b'\x00'),
			(101.5, bytes(range(256)) * 3),
			(101.6, b'\x80\x60\x00\x03\0\0\0\0\0\0\0\0\x10'),
			(101.7, b'\x80\xe0\x00\x04\0\0\0\1\0\0\0\0\xff\x00\x9d')]
		r = run('junk', pk + junk, 'vp8')
		check('garbage and RTCP packets skipped, lime decoded',
		      [u['colour'] for u in r['runs']] == ['lime'] and
		      r['rtcp_skipped'] == 2 and r['runs'][0]['frames'] == 10, r)
		for i in range(300):
			rnd = random.Random(i)
			b = bytearray(pk[rnd.randrange(len(pk))][1])
			for _ in range(rnd.randrange(1, 8)):
				b[rnd.randrange(len(b))] = rnd.randrange(256)
			b = b[:rnd.randrange(1, len(b) + 1)]
			for codec in ('vp8', 'h264', 'vp9'):
				try:
					CODECS[codec][0]([bytes(b[12:])])
				except (BadPayload, IndexError, struct.error):
					pass
		path = os.path.join(tmp, 'trunc.pcap')
		st_pcap(path, pk)
		with open(path, 'rb') as f:
			raw = f.read()
		with open(path, 'wb') as f:
			f.write(raw[:len(raw) - 7])
		r = analyze(path, 40000, codec='vp8')
		check('truncated pcap read up to the cut', r['packets'] ==
		      len(pk) - 1, r)
	finally:
		shutil.rmtree(tmp, ignore_errors=True)
	print('selftest: %d checks, %d failed%s' % (
		ran, len(fails), (': ' + ', '.join(fails)) if fails else ''))
	return 1 if fails else 0


# --- main --------------------------------------------------------------------

def main():
	ap = argparse.ArgumentParser(
		description=__doc__.split('\n')[0],
		formatter_class=argparse.RawDescriptionHelpFormatter,
		epilog=__doc__.split('\n', 2)[2])
	ap.add_argument('pcap', nargs='?')
	ap.add_argument('--dst-port', type=int)
	ap.add_argument('--src-port', type=int)
	ap.add_argument('--sip-port', type=int)
	ap.add_argument('--sip-user')
	ap.add_argument('--print-port', action='store_true')
	ap.add_argument('--list-sdp', action='store_true')
	ap.add_argument('--codec', default='auto',
			choices=['auto', 'vp8', 'h264', 'vp9'])
	ap.add_argument('--pt', type=int)
	ap.add_argument('--palette')
	ap.add_argument('--threshold', type=float, default=60.0)
	ap.add_argument('--agree', type=float, default=0.75)
	ap.add_argument('--grid', type=int, default=8)
	ap.add_argument('--json', action='store_true')
	ap.add_argument('--frames', action='store_true',
			help='keep frame_list in the JSON / print it')
	ap.add_argument('--keep', metavar='DIR')
	ap.add_argument('--no-sources', action='store_true')
	ap.add_argument('--selftest', action='store_true')
	ap.add_argument('--verbose', action='store_true')
	a = ap.parse_args()

	if a.selftest:
		try:
			return selftest(a.verbose)
		except VcapError as e:
			print('vcap: %s' % e, file=sys.stderr)
			return 2
	if not a.pcap:
		ap.error('PCAP is needed')
	if not 1 <= a.grid <= 64:
		ap.error('--grid 1..64')
	try:
		palette = parse_palette(a.palette) if a.palette else None
	except ValueError as e:
		ap.error('--palette: bad item %s' % e)
	try:
		sdps = None
		if a.list_sdp or a.sip_port is not None or a.sip_user or \
		   a.codec == 'auto':
			sdps = sip_sdps(a.pcap)
		if a.list_sdp:
			for s in sdps:
				print('%.6f %d->%d sender %s contact %s: %s' % (
					s['t'], s['sport'], s['dport'], s['sender_user'],
					s['contact_user'], s['first']))
				for m in s['media']:
					for ln in m['lines']:
						print('    ' + ln)
			return 0
		port = a.dst_port
		if a.sip_port is not None or a.sip_user:
			vp = video_port_of(sdps, a.sip_port, a.sip_user)
			if a.print_port:
				if vp is None:
					return 1
				print(vp)
				return 0
			if port is None:
				port = vp
			if port is None:
				print('vcap: no m=video port from that sender in the '
				      'capture', file=sys.stderr)
				return 1
		if port is None:
			ap.error('--dst-port (or --sip-port/--sip-user) is needed')
		r = analyze(a.pcap, port, a.codec, a.pt, a.src_port, palette,
			    a.threshold, a.agree, a.grid, a.keep, sdps,
			    not a.no_sources)
	except VcapError as e:
		print('vcap: %s' % e, file=sys.stderr)
		return 2
	if not a.frames:
		del r['frame_list']
	if a.json:
		print(json.dumps(r, indent=1))
	else:
		print(summary(r))
		for f in r.get('frame_list', []):
			print('  %4d %7.3fs ts %10d seq %5d pkts %2d %s %-8s %s %s%s' % (
				f['i'], f['t'], f['ts'], f['seq'], f['pkts'],
				'K' if f['key'] else '-', f['colour'] or '(none)',
				f['rgb'], f['agree'],
				' ' + f['reason'] if f['reason'] else ''))
	return 0 if r['frames_decoded'] else 1


if __name__ == '__main__':
	signal.signal(signal.SIGPIPE, signal.SIG_DFL)
	try:
		sys.exit(main())
	except KeyboardInterrupt:
		sys.exit(2)
