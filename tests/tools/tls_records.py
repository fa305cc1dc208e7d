#!/usr/bin/env python3
"""tls_records: check that the TCP streams on one port of a pcap are TLS.

Usage: tls_records.py PCAP PORT

Reads a classic pcap (as written by tcpdump -w; see rtp_pcap.py for the
link types), reassembles each direction of every IPv4 TCP connection to or
from PORT by sequence number, and parses the bytes as TLS records
(RFC 8446 5.1: type, legacy version 0x03xx, 16-bit length). Prints one line:

    connections C records R (handshake H, application_data A, alert L,
    change_cipher_spec S) bytes B

Exit status 0 when there is at least one connection, every stream is whole
TLS records of known types with at least one handshake record and one
application data record, and no stream holds SIP in the clear ("SIP/2.0"
or "INVITE sip:"); 1 otherwise, with the reason on stdout; 2 on errors.
"""

import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rtp_pcap import link_header_len, read_pcap  # noqa: E402

TYPES = {20: 'change_cipher_spec', 21: 'alert', 22: 'handshake',
	 23: 'application_data'}


def tcp_segments(path, port):
	"""Yield (flow, seq, flags, payload) of IPv4 TCP segments on port."""
	for _, linktype, frame in read_pcap(path):
		off = link_header_len(linktype, frame)
		if off is None or len(frame) < off + 20:
			continue
		ip = frame[off:]
		if ip[0] >> 4 != 4 or ip[9] != 6:
			continue
		ihl = (ip[0] & 15) * 4
		total = struct.unpack_from('!H', ip, 2)[0]
		tcp = ip[ihl:total]
		if len(tcp) < 20:
			continue
		sport, dport, seq = struct.unpack_from('!HHI', tcp, 0)
		if port not in (sport, dport):
			continue
		doff = (tcp[12] >> 4) * 4
		flow = (bytes(ip[12:16]), sport, bytes(ip[16:20]), dport)
		yield flow, seq, tcp[13], bytes(tcp[doff:])


def streams(path, port):
	"""Each direction's bytes, in sequence order, from its SYN on."""
	isn, segs = {}, {}
	for flow, seq, flags, data in tcp_segments(path, port):
		if flags & 0x02:  # SYN: the data starts at seq + 1
			isn[flow] = (seq + 1) & 0xffffffff
		if data:
			segs.setdefault(flow, {})[seq] = data
	out = {}
	for flow, by_seq in segs.items():
		if flow not in isn:
			raise ValueError('stream %r: no SYN captured' % (flow,))
		buf, nxt = bytearray(), isn[flow]
		pending = dict(by_seq)
		while pending:
			# the segment that covers nxt (retransmissions may overlap)
			hit = None
			for s, d in pending.items():
				rel = (nxt - s) & 0xffffffff
				if rel < len(d):
					hit = (s, d, rel)
					break
			if hit is None:
				if all(((s - nxt) & 0xffffffff) > 0x7fffffff
				       for s in pending):
					break  # only old data left
				raise ValueError('stream %r: gap at %u' % (flow, nxt))
			s, d, rel = hit
			buf += d[rel:]
			nxt = (nxt + len(d) - rel) & 0xffffffff
			del pending[s]
		out[flow] = bytes(buf)
	return out


def main():
	if len(sys.argv) != 3:
		print(__doc__.strip().splitlines()[2])
		return 2
	port = int(sys.argv[2])
	try:
		st = streams(sys.argv[1], port)
	except (OSError, ValueError, struct.error) as e:
		print('tls_records: %s' % e)
		return 2

	conns = {frozenset([(f[0], f[1]), (f[2], f[3])]) for f in st}
	count = dict.fromkeys(TYPES.values(), 0)
	nbytes = 0
	for flow, data in st.items():
		name = '%d->%d' % (flow[1], flow[3])
		for plain in (b'SIP/2.0', b'INVITE sip:'):
			if plain in data:
				print('%s: %r in the clear' % (name, plain.decode()))
				return 1
		i = 0
		while i < len(data):
			if len(data) - i < 5:
				print('%s: %d bytes after the last record' %
				      (name, len(data) - i))
				return 1
			typ, major, _, length = struct.unpack_from('!BBBH', data, i)
			if typ not in TYPES or major != 3:
				print('%s: offset %d: not a TLS record (%02x %02x)' %
				      (name, i, typ, major))
				return 1
			count[TYPES[typ]] += 1
			i += 5 + length
		if i > len(data):
			# the capture may end inside the last record
			pass
		nbytes += len(data)

	print('connections %d records %d (handshake %d, application_data %d, '
	      'alert %d, change_cipher_spec %d) bytes %d' %
	      (len(conns), sum(count.values()), count['handshake'],
	       count['application_data'], count['alert'],
	       count['change_cipher_spec'], nbytes))
	if not conns:
		return 1
	if not count['handshake'] or not count['application_data']:
		return 1
	return 0


if __name__ == '__main__':
	sys.exit(main())
