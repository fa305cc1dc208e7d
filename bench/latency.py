#!/usr/bin/env python3
"""latency.py: tone-onset latency through chorusd, from one loopback pcap.

python3 stdlib only (3.11: audioop for G.711 u-law).

Usage: latency.py PCAP --in-port P --out-port Q [--src-port R]
                  [--jitter MS] [--freq HZ] [--json FILE]
       latency.py --merge OUT.json IN.json...

The pcap (tcpdump -i lo -w) holds three PCMU (payload type 0, 8 kHz) RTP
streams:
  in   the talker's packets arriving at chorusd: UDP to --in-port
       (chorusd's RTP port for the talker)
  out  chorusd's packets to the listener: UDP to --out-port
  src  (optional) the talker's packets before the impairment relay: UDP to
       --src-port (the relay was asked for --jitter MS)

Each stream is decoded and laid out by RTP timestamp (so reordering and
jitter do not move the audio), then every tone onset is found: the first
10 ms window whose Goertzel power at --freq (default 440) rises within
20 dB of the steady tone after at least 50 ms below it, refined to the
first sample whose magnitude reaches half the tone's amplitude. The onset's
time is the capture time of the packet that carries that sample plus the
sample's offset in the packet (both sides alike, so a relay that forwarded
packets unchanged would show 0).

Each input onset is paired with the first output onset after it (within
1 s); the latency is out - in. Each onset also gets the capture's host
stall: how far the talker's or chorusd's packet spacing went beyond 20 ms,
or the relay held a packet beyond the jitter asked for. A stall makes
chorusd's jitter buffer see more jitter than the network had, and it may
then raise its delay for a while. Prints one line per onset and a summary:

    onsets N median_ms M p90_ms P min_ms A max_ms B src_median_ms S
    src_p90_ms S9 quiet_onsets Q quiet_median_ms QM quiet_p90_ms Q9
    stall_max_ms X

src_*: the same measured from the relay's input (the relay's delay
included); quiet_*: only the onsets of captures with no host stall over
10 ms. Median: mean of the middle two when even; p90: nearest rank. With
--json, the onsets and the summary go to FILE too. --merge joins the
onsets of several such files (e.g. one per call) into OUT.json and prints
the summary of them all. Exit status 0, 1 if no onset could be paired, 2
on errors.
"""

import argparse
import bisect
import json
import math
import statistics
import struct
import sys
import warnings
from os.path import dirname, join

# the pcap reader the e2e tests use (tests/tools/rtp_pcap.py)
sys.path.insert(0, join(dirname(__file__), '..', 'tests', 'tools'))
from rtp_pcap import link_header_len, read_pcap  # noqa: E402

with warnings.catch_warnings():
	warnings.simplefilter('ignore', DeprecationWarning)
	import audioop  # pylint: disable=deprecated-module

SRATE = 8000
WIN = 80                 # 10 ms at 8 kHz
ON_BELOW_DB = 20         # a window is on within this of the steady tone
QUIET_WINS = 5           # windows off before an onset (50 ms)
PTIME_MS = 20            # both sides send a packet every 20 ms
STALL_MAX_MS = 10        # a quiet call: no host stall longer than this


def rtp_streams(path, ports):
	"""{dst port: [(time, seq, ts, payload)]} for PCMU RTP to ports."""
	out = {p: [] for p in ports}
	for t, lt, fr in read_pcap(path):
		off = link_header_len(lt, fr)
		if off is None or len(fr) < off + 20 or fr[off] >> 4 != 4:
			continue
		ihl = (fr[off] & 0x0f) * 4
		if fr[off + 9] != 17:
			continue
		u = off + ihl
		dport = struct.unpack_from('!H', fr, u + 2)[0]
		if dport not in out:
			continue
		r = fr[u + 8:]
		if len(r) < 12 or r[0] >> 6 != 2 or (r[1] & 0x7f) != 0:
			continue
		seq, ts = struct.unpack_from('!HI', r, 2)
		po = 12 + 4 * (r[0] & 0x0f)
		if r[0] & 0x10:
			po += 4 + 4 * struct.unpack_from('!H', r, po + 2)[0]
		end = len(r) - (r[-1] if r[0] & 0x20 else 0)
		out[dport].append((t, seq, ts, bytes(r[po:end])))
	return out


class Timeline:
	"""A stream's audio laid out by RTP timestamp, with packet times."""

	def __init__(self, pkts):
		ts0 = pkts[0][2]
		seen = {}
		for t, _, ts, pl in pkts:
			rel = (ts - ts0) & 0xffffffff
			if rel >= 1 << 31:
				rel -= 1 << 32
			if rel not in seen:          # first copy of a packet
				seen[rel] = (t, pl)
		lo = min(seen)
		self.starts = sorted(r - lo for r in seen)
		self.times = [seen[r + lo][0] for r in self.starts]
		self.lens = [len(seen[r + lo][1]) for r in self.starts]
		n = self.starts[-1] + self.lens[-1]
		sig = [0] * n
		for r in self.starts:
			pcm = audioop.ulaw2lin(seen[r + lo][1], 2)
			v = struct.unpack('<%dh' % (len(pcm) // 2), pcm)
			sig[r:r + len(v)] = v
		self.sig = sig

	def time_of(self, n):
		"""Capture time of sample n: its packet's time + offset."""
		i = bisect.bisect_right(self.starts, n) - 1
		if i < 0 or n >= self.starts[i] + self.lens[i]:
			return None
		return self.times[i] + (n - self.starts[i]) / SRATE


def goertzel(x, freq):
	k = 2 * math.cos(2 * math.pi * freq / SRATE)
	s1 = s2 = 0.0
	for v in x:
		s1, s2 = v + k * s1 - s2, s1
	return s1 * s1 + s2 * s2 - k * s1 * s2


def onsets(sig, freq):
	"""Sample indices of the tone onsets in sig."""
	nw = len(sig) // WIN
	pw = [goertzel(sig[i * WIN:(i + 1) * WIN], freq) for i in range(nw)]
	if not nw:
		return []
	ref = sorted(pw)[int(nw * 0.9)]
	if ref <= 0:
		return []
	thr = ref * 10 ** (-ON_BELOW_DB / 10)
	on = [p > thr for p in pw]
	out = []
	for i in range(QUIET_WINS, nw):
		if not on[i] or any(on[i - QUIET_WINS:i]):
			continue
		# the tone's amplitude, 20-60 ms after the window
		steady = [abs(v) for v in sig[(i + 2) * WIN:(i + 6) * WIN]]
		if not steady:
			continue
		amp = sorted(steady)[int(len(steady) * 0.95)]
		lo = max(0, (i - 1) * WIN)
		for n in range(lo, min(len(sig), (i + 2) * WIN)):
			if abs(sig[n]) >= amp / 2:
				out.append(n)
				break
	return out


def pctl(v, q):
	"""Nearest-rank percentile of a sorted list."""
	return v[max(0, math.ceil(q * len(v)) - 1)]


def summary(rows, stall_max=STALL_MAX_MS):
	"""Median, p90 etc. of all onsets, and of those in quiet calls."""
	def stats(rs, pre):
		lat = sorted(r['latency_ms'] for r in rs)
		if not lat:
			return {pre + 'onsets': 0}
		out = {pre + 'onsets': len(lat),
		       pre + 'median_ms': round(statistics.median(lat), 1),
		       pre + 'p90_ms': round(pctl(lat, 0.9), 1)}
		if not pre:
			out.update(min_ms=lat[0], max_ms=lat[-1])
		src = sorted(r['from_src_ms'] for r in rs if 'from_src_ms' in r)
		if src and not pre:
			out['src_median_ms'] = round(statistics.median(src), 1)
			out['src_p90_ms'] = round(pctl(src, 0.9), 1)
		return out

	summ = stats(rows, '')
	summ.update(stats([r for r in rows
			   if r.get('stall_ms', 0) <= stall_max], 'quiet_'))
	summ['stall_max_ms'] = max(r.get('stall_ms', 0) for r in rows)
	print(' '.join('%s %s' % kv for kv in summ.items()))
	return summ


def merge(out, ins):
	rows = []
	for p in ins:
		try:
			with open(p) as f:
				rows += json.load(f)['onsets']
		except (OSError, ValueError, KeyError) as e:
			print('latency.py: %s: %s' % (p, e), file=sys.stderr)
	if not rows:
		print('no onsets')
		return 1
	with open(out, 'w') as f:
		json.dump({'summary': summary(rows), 'onsets': rows}, f,
			  indent=1)
	return 0


def longest_pause(pkts):
	"""Longest time between two packets of a stream [ms]."""
	return max(((b[0] - a[0]) * 1000 for a, b in zip(pkts, pkts[1:])),
		   default=0.0)


def main():
	if len(sys.argv) >= 3 and sys.argv[1] == '--merge':
		return merge(sys.argv[2], sys.argv[3:])
	ap = argparse.ArgumentParser()
	ap.add_argument('pcap')
	ap.add_argument('--in-port', type=int, required=True)
	ap.add_argument('--out-port', type=int, required=True)
	ap.add_argument('--src-port', type=int)
	ap.add_argument('--jitter', type=float, default=0.0)
	ap.add_argument('--freq', type=float, default=440.0)
	ap.add_argument('--json')
	a = ap.parse_args()

	ports = [a.in_port, a.out_port] + ([a.src_port] if a.src_port else [])
	try:
		st = rtp_streams(a.pcap, ports)
	except (OSError, ValueError) as e:
		print('latency.py: %s' % e, file=sys.stderr)
		return 2
	for p in ports:
		if not st[p]:
			print('latency.py: no PCMU RTP to port %d' % p,
			      file=sys.stderr)
			return 1

	# how far the host kept its pace in this capture: the talker's and
	# chorusd's packet spacing beyond 20 ms, the relay's hold beyond the
	# jitter asked for
	stall = longest_pause(st[a.out_port]) - PTIME_MS
	if a.src_port:
		sent = {}
		for t, seq, _, _ in st[a.src_port]:
			sent.setdefault(seq, t)
		held = [t - sent[seq] for t, seq, _, _ in st[a.in_port]
			if seq in sent]
		stall = max(stall, longest_pause(st[a.src_port]) - PTIME_MS,
			    max(held, default=0) * 1000 - a.jitter)
	stall = round(max(stall, 0.0), 1)

	tl_in = Timeline(st[a.in_port])
	tl_out = Timeline(st[a.out_port])
	tl_src = Timeline(st[a.src_port]) if a.src_port else None
	on_in = [(n, tl_in.time_of(n)) for n in onsets(tl_in.sig, a.freq)]
	on_out = [tl_out.time_of(n) for n in onsets(tl_out.sig, a.freq)]
	on_out = [t for t in on_out if t is not None]

	rows = []
	for n, t_in in on_in:
		if t_in is None:
			continue
		later = [t for t in on_out if t_in - 0.005 < t < t_in + 1.0]
		if not later:
			print('onset at %.3f s: no output onset' % (t_in -
				tl_in.times[0]))
			continue
		t_src = tl_src.time_of(n) if tl_src else None
		row = {'at_s': round(t_in - tl_in.times[0], 3),
		       'latency_ms': round((later[0] - t_in) * 1000, 2),
		       'stall_ms': stall}
		if t_src is not None:
			row['from_src_ms'] = round((later[0] - t_src) * 1000, 2)
			row['relay_ms'] = round((t_in - t_src) * 1000, 2)
		rows.append(row)
		print('onset at %7.3f s: %6.2f ms%s  (host stall %.1f ms)' % (
			row['at_s'], row['latency_ms'],
			'  (from the relay input %6.2f ms)' % row['from_src_ms']
			if 'from_src_ms' in row else '', stall))

	if not rows:
		print('no onsets paired (in %d, out %d)' % (len(on_in),
							   len(on_out)))
		return 1
	summ = summary(rows)
	if a.json:
		with open(a.json, 'w') as f:
			json.dump({'summary': summ, 'onsets': rows}, f, indent=1)
	return 0


if __name__ == '__main__':
	sys.exit(main())
