#!/usr/bin/env python3
"""rtp_pcap: pull one RTP stream out of a pcap file (python3 stdlib only).

Usage: rtp_pcap.py PCAP DST_PORT [--src-range LO-HI] [--pt N] [--out RAW]

Reads a classic pcap (as written by tcpdump -w) captured on a Linux loopback
or "any" interface, keeps the IPv4/UDP packets to DST_PORT (and, with
--src-range, from a source port in LO..HI), parses their RTP headers
(RFC 3550 5.1: CSRCs and header extension skipped, padding removed) and
prints one summary line:

    packets N pt P[,P..] ssrc S seq_gaps G bytes B

With --out, the payloads of payload type --pt (default: the first packet's)
are written one after the other, in arrival order, to RAW, e.g. raw u-law
to be turned into WAV with `sox -t ul -r 8000 -c 1 RAW out.wav`.
Exit status 0 when at least one RTP packet matched, 1 when none, 2 on errors.
"""

import argparse
import struct
import sys

LINKTYPE_NULL = 0
LINKTYPE_EN10MB = 1
LINKTYPE_RAW = 101
LINKTYPE_LINUX_SLL = 113
LINKTYPE_LINUX_SLL2 = 276


def link_header_len(linktype, frame):
	"""Length of the link-layer header before the IPv4 header, or None."""
	if linktype == LINKTYPE_EN10MB:
		off, ethertype = 12, struct.unpack_from('!H', frame, 12)[0]
		while ethertype == 0x8100 and len(frame) >= off + 6:
			off += 4
			ethertype = struct.unpack_from('!H', frame, off)[0]
		return off + 2 if ethertype == 0x0800 else None
	if linktype == LINKTYPE_LINUX_SLL:
		proto = struct.unpack_from('!H', frame, 14)[0]
		return 16 if proto == 0x0800 else None
	if linktype == LINKTYPE_LINUX_SLL2:
		proto = struct.unpack_from('!H', frame, 0)[0]
		return 20 if proto == 0x0800 else None
	if linktype == LINKTYPE_NULL:
		return 4
	if linktype == LINKTYPE_RAW:
		return 0
	return None


def read_pcap(path):
	"""Yield (time [s], linktype, frame bytes) for each record of a
	classic pcap (micro- or nanosecond timestamps)."""
	with open(path, 'rb') as f:
		hdr = f.read(24)
		if len(hdr) < 24:
			return
		magic = hdr[:4]
		if magic in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1'):
			endian = '<'
		elif magic in (b'\xa1\xb2\xc3\xd4', b'\xa1\xb2\x3c\x4d'):
			endian = '>'
		else:
			raise ValueError('not a classic pcap file')
		nano = magic in (b'\x4d\x3c\xb2\xa1', b'\xa1\xb2\x3c\x4d')
		linktype = struct.unpack(endian + 'I', hdr[20:24])[0] & 0xffff
		while True:
			rec = f.read(16)
			if len(rec) < 16:
				return
			sec, frac, caplen, _ = struct.unpack(endian + 'IIII', rec)
			frame = f.read(caplen)
			if len(frame) < caplen:
				return
			yield sec + frac / (1e9 if nano else 1e6), linktype, frame


def udp_payloads(path, dst_port, src_lo, src_hi):
	"""Yield (src_port, payload) of IPv4 UDP packets to dst_port."""
	for _t, linktype, frame in read_pcap(path):
		off = link_header_len(linktype, frame)
		if off is None or len(frame) < off + 20:
			continue
		ip = frame[off:]
		if ip[0] >> 4 != 4 or ip[9] != 17:
			continue
		ihl = (ip[0] & 0x0f) * 4
		total = struct.unpack_from('!H', ip, 2)[0]
		frag = struct.unpack_from('!H', ip, 6)[0]
		if frag & 0x1fff:
			continue
		udp = ip[ihl:total]
		if len(udp) < 8:
			continue
		sport, dport, ulen = struct.unpack_from('!HHH', udp, 0)
		if dport != dst_port or not src_lo <= sport <= src_hi:
			continue
		yield sport, udp[8:ulen]


def rtp_parse(pkt):
	"""Return (pt, seq, ssrc, payload) of an RTP packet, or None."""
	if len(pkt) < 12 or pkt[0] >> 6 != 2:
		return None
	cc = pkt[0] & 0x0f
	pt = pkt[1] & 0x7f
	if 72 <= pt <= 76:
		return None  # RTCP (RFC 5761 4), not RTP
	seq, _ts, ssrc = struct.unpack_from('!HII', pkt, 2)
	off = 12 + 4 * cc
	if pkt[0] & 0x10:
		if len(pkt) < off + 4:
			return None
		off += 4 + 4 * struct.unpack_from('!H', pkt, off + 2)[0]
	end = len(pkt)
	if pkt[0] & 0x20:
		end -= pkt[-1]
	if off > end:
		return None
	return pt, seq, ssrc, pkt[off:end]


def main():
	ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
	ap.add_argument('pcap')
	ap.add_argument('dst_port', type=int)
	ap.add_argument('--src-range', default='0-65535')
	ap.add_argument('--pt', type=int)
	ap.add_argument('--out')
	a = ap.parse_args()

	lo, hi = (int(x) for x in a.src_range.split('-'))
	count, nbytes, gaps = 0, 0, 0
	pts, ssrcs = [], []
	last_seq = {}
	out = bytearray()
	want_pt = a.pt

	try:
		for _sport, payload in udp_payloads(a.pcap, a.dst_port, lo, hi):
			r = rtp_parse(payload)
			if r is None:
				continue
			pt, seq, ssrc, data = r
			count += 1
			nbytes += len(data)
			if pt not in pts:
				pts.append(pt)
			if ssrc not in ssrcs:
				ssrcs.append(ssrc)
			prev = last_seq.get(ssrc)
			if prev is not None and (seq - prev) & 0xffff != 1:
				gaps += 1
			last_seq[ssrc] = seq
			if want_pt is None:
				want_pt = pt
			if pt == want_pt:
				out += data
	except (OSError, ValueError, struct.error) as e:
		print('rtp_pcap: %s: %s' % (a.pcap, e), file=sys.stderr)
		return 2

	print('packets %d pt %s ssrc %s seq_gaps %d bytes %d' % (
		count, ','.join(str(p) for p in pts) or '-',
		','.join('%08x' % s for s in ssrcs) or '-', gaps, nbytes))
	if a.out:
		with open(a.out, 'wb') as f:
			f.write(out)
	return 0 if count else 1


if __name__ == '__main__':
	sys.exit(main())
