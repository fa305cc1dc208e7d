#!/usr/bin/env python3
"""rtp_caller: a minimal SIP/RTP caller for the end-to-end tests and benches.

python3 stdlib only (3.11: audioop for G.711 u-law).

Usage: rtp_caller.py [options] URI

Sends an INVITE over UDP for URI (e.g. sip:demo@127.0.0.1:5060) with an SDP
offer of PCMU/8000 (payload type 0, ptime 20) on its own RTP port, reads the
200 OK (To tag, Contact, the server's c= address and m= port), ACKs it and
streams PCMU RTP in 20 ms packets (continuous seq and timestamp, own SSRC)
of a sine tone, or of silence, for --secs seconds; then sends BYE and waits
for its 200.

The RTP goes to the server's address from the SDP answer, or to --send-to
(an impairment relay placed in front of the server). To let a test start
that relay once the server's RTP port is known, --media-file gets
"ADDR PORT" of the server's RTP as soon as the 200 OK is in, and with
--wait-file the caller waits (at most 10 s) for that file to exist before
it sends the first packet.

Options:
  --local ADDR        local address (default 127.0.0.1)
  --sip-port N        local SIP port (default 5100)
  --rtp-port N        local RTP port, even (default 12000); RTCP on N+1 is
                      bound and drained
  --send-to ADDR:PORT send RTP here instead of to the server's address
  --media-file FILE   write "ADDR PORT" of the server's RTP here
  --wait-file FILE    wait for this file before streaming (at most 10 s)
  --done-file FILE    write "done" here when streaming has ended
  --tone HZ           tone frequency (default 440; 0: silence only)
  --level DBFS        tone level (default -12)
  --lead SECS         silence before the first tone onset (default 0)
  --on SECS           tone bursts: on for SECS ...
  --off SECS          ... then off for SECS, repeated (default: no bursts,
                      the tone runs without a break after --lead)
  --secs SECS         streaming time (default 10)
  --linger SECS       stay in the call this long after streaming, before
                      the BYE (default 0)
  --record WAV        write the PCMU audio received (in arrival order) as
                      an 8 kHz 16-bit mono WAV
  --name USER         user part of From/Contact (default rtpcaller)
  --rt                stream with real-time priority (SCHED_FIFO 10) if
                      allowed, so that a busy host does not stall the pace

SIGTERM or SIGINT end the streaming (or the lingering) early: BYE, exit.

Prints progress lines to stdout (flushed): "media ADDR PORT", "onsets ..."
(the tone onset times [s] from the first packet), "sent N late_max_ms L"
(L: the most a packet went out after its time), "bye STATUS".
Exit status: 0 done; 1 the call failed (no 200 OK, no answer to the BYE, no
PCMU in the answer); 2 usage; 3 the server hung up during the call.
"""

import argparse
import bisect
import gc
import math
import os
import random
import select
import signal
import socket
import struct
import sys
import threading
import time
import warnings
import wave

with warnings.catch_warnings():
	warnings.simplefilter('ignore', DeprecationWarning)
	import audioop  # pylint: disable=deprecated-module

PTIME = 0.020
SRATE = 8000
SPP = int(SRATE * PTIME)        # samples per packet
T1 = 0.5                        # SIP timer T1 [s] (RFC 3261 17.1.1.1)
INVITE_TIMEOUT = 8.0            # give up on the INVITE after this [s]
BYE_TIMEOUT = 4.0
WAIT_FILE_MAX = 10.0

COMPACT = {'v': 'via', 'f': 'from', 't': 'to', 'i': 'call-id',
	   'm': 'contact', 'l': 'content-length', 'c': 'content-type'}


def say(*a):
	print(*a, flush=True)


def rand_token(n=10):
	return '%0*x' % (n, random.getrandbits(4 * n))


def parse_msg(data):
	"""SIP message -> (first line, {lower name: [values]}, body) or None."""
	try:
		text = data.decode('utf-8', 'replace')
	except Exception:  # pylint: disable=broad-except
		return None
	head, _, body = text.partition('\r\n\r\n')
	lines = head.split('\r\n')
	if not lines or not lines[0]:
		return None
	hdrs = {}
	name = None
	for ln in lines[1:]:
		if ln[:1] in (' ', '\t') and name:   # folded line
			hdrs[name][-1] += ' ' + ln.strip()
			continue
		n, sep, v = ln.partition(':')
		if not sep:
			continue
		name = n.strip().lower()
		name = COMPACT.get(name, name)
		hdrs.setdefault(name, []).append(v.strip())
	return lines[0], hdrs, body


def hdr(hdrs, name, default=''):
	v = hdrs.get(name)
	return v[0] if v else default


def uri_of(nameaddr):
	"""The URI inside <...> of a name-addr, or the addr-spec itself."""
	if '<' in nameaddr and '>' in nameaddr:
		return nameaddr[nameaddr.index('<') + 1:nameaddr.index('>')]
	return nameaddr.split(';')[0].strip()


def tag_of(nameaddr):
	rest = nameaddr.split('>', 1)[1] if '>' in nameaddr else nameaddr
	for p in rest.split(';')[1:]:
		k, _, v = p.strip().partition('=')
		if k.lower() == 'tag':
			return v
	return ''


def host_port(uri, default_port=5060):
	"""sip:user@host:port;params -> (host, port)."""
	u = uri.split(':', 1)[1] if uri.lower().startswith('sip:') else uri
	u = u.split(';')[0].split('?')[0]
	u = u.rsplit('@', 1)[-1]
	if ':' in u:
		h, p = u.rsplit(':', 1)
		return h, int(p)
	return u, default_port


def parse_sdp(body):
	"""-> (c= address, audio port, [payload types])."""
	addr, port, pts = None, None, []
	for ln in body.splitlines():
		ln = ln.strip()
		if ln.startswith('c=') and addr is None:
			parts = ln[2:].split()
			if len(parts) >= 3:
				addr = parts[2].split('/')[0]
		elif ln.startswith('m=audio'):
			parts = ln[2:].split()
			port = int(parts[1])
			pts = [int(x) for x in parts[3:] if x.isdigit()]
			# a media-level c= overrides the session one; keep the
			# first one seen (the answer has one c=)
	return addr, port, pts


class Caller:
	def __init__(self, a):
		self.a = a
		self.local = a.local
		self.sip = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
		self.sip.bind((a.local, a.sip_port))
		self.rtp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
		self.rtp.bind((a.local, a.rtp_port))
		self.rtcp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
		self.rtcp.bind((a.local, a.rtp_port + 1))
		self.uri = a.uri
		self.server = host_port(a.uri)
		self.call_id = rand_token(16) + '@' + a.local
		self.ftag = rand_token(8)
		self.ttag = ''
		self.cseq = 1
		self.remote_target = a.uri
		self.from_hdr = '<sip:%s@%s:%d>;tag=%s' % (a.name, a.local,
							   a.sip_port, self.ftag)
		self.contact = '<sip:%s@%s:%d>' % (a.name, a.local, a.sip_port)
		self.ok200 = None
		self.ack = None
		self.bye_status = None
		self.hungup = threading.Event()
		self.quit = threading.Event()     # SIGTERM, SIGINT
		self.stopping = threading.Event()
		self.bye_done = threading.Event()
		self.rx = []            # received PCMU payloads
		self.lock = threading.Lock()

	# --- SIP -----------------------------------------------------------

	def via(self, branch):
		return 'SIP/2.0/UDP %s:%d;branch=z9hG4bK%s;rport' % (
			self.local, self.a.sip_port, branch)

	def request(self, method, ruri, cseq, branch, body='', extra=()):
		to = '<%s>' % self.a.uri
		if self.ttag:
			to += ';tag=' + self.ttag
		lines = ['%s %s SIP/2.0' % (method, ruri),
			 'Via: ' + self.via(branch),
			 'Max-Forwards: 70',
			 'From: ' + self.from_hdr,
			 'To: ' + to,
			 'Call-ID: ' + self.call_id,
			 'CSeq: %d %s' % (cseq, method),
			 'Contact: ' + self.contact,
			 'User-Agent: rtp_caller']
		lines += list(extra)
		if body:
			lines.append('Content-Type: application/sdp')
		lines.append('Content-Length: %d' % len(body.encode()))
		return ('\r\n'.join(lines) + '\r\n\r\n' + body).encode()

	def sdp_offer(self):
		sid = random.randint(1, 2**31)
		return ('v=0\r\n'
			'o=- %d %d IN IP4 %s\r\n'
			's=rtp_caller\r\n'
			'c=IN IP4 %s\r\n'
			't=0 0\r\n'
			'm=audio %d RTP/AVP 0\r\n'
			'a=rtpmap:0 PCMU/8000\r\n'
			'a=ptime:20\r\n'
			'a=sendrecv\r\n') % (sid, sid, self.local, self.local,
					     self.a.rtp_port)

	def send_sip(self, data, dest=None):
		self.sip.sendto(data, dest or self.server)

	def respond(self, first, hdrs, code, reason, src):
		lines = ['SIP/2.0 %d %s' % (code, reason)]
		for v in hdrs.get('via', []):
			lines.append('Via: ' + v)
		for n in ('from', 'to', 'call-id', 'cseq'):
			lines.append('%s: %s' % ({'call-id': 'Call-ID',
						  'cseq': 'CSeq'}.get(
				n, n.capitalize()), hdr(hdrs, n)))
		lines.append('Content-Length: 0')
		self.sip.sendto(('\r\n'.join(lines) + '\r\n\r\n').encode(), src)

	def invite(self):
		body = self.sdp_offer()
		branch = rand_token(12)
		msg = self.request('INVITE', self.a.uri, self.cseq, branch, body)
		start = time.monotonic()
		next_tx, interval, provisional = start, T1, False
		while True:
			now = time.monotonic()
			if now - start > INVITE_TIMEOUT:
				say('invite timeout')
				return False
			if now >= next_tx and not provisional:
				self.send_sip(msg)
				next_tx = now + interval
				interval = min(interval * 2, 4.0)
			r, _, _ = select.select([self.sip], [], [],
						max(0.01, min(next_tx - now, 0.5)))
			if not r:
				continue
			data, src = self.sip.recvfrom(65535)
			m = parse_msg(data)
			if not m or not m[0].startswith('SIP/2.0 '):
				continue
			first, hdrs, rbody = m
			if hdr(hdrs, 'call-id') != self.call_id:
				continue
			code = int(first.split()[1])
			if code < 200:
				provisional = True
				continue
			to = hdr(hdrs, 'to')
			self.ttag = tag_of(to)
			if code >= 300:
				# ACK for a non-2xx final: same branch (RFC 3261
				# 17.1.1.3)
				ack = self.request('ACK', self.a.uri, self.cseq,
						   branch)
				self.send_sip(ack)
				say('invite failed %s' % first)
				return False
			self.ok200 = (hdrs, rbody)
			ct = hdr(hdrs, 'contact')
			if ct:
				self.remote_target = uri_of(ct)
			self.ack = self.request('ACK', self.remote_target,
						self.cseq, rand_token(12))
			self.send_sip(self.ack)
			return True

	def bye(self):
		self.cseq += 1
		branch = rand_token(12)
		msg = self.request('BYE', self.remote_target, self.cseq, branch)
		start = time.monotonic()
		interval = T1
		while time.monotonic() - start < BYE_TIMEOUT:
			self.send_sip(msg)
			if self.bye_done.wait(interval):
				return self.bye_status
			interval = min(interval * 2, 4.0)
		return None

	def sip_loop(self):
		"""In-dialog traffic while the call is up."""
		while not self.stopping.is_set():
			r, _, _ = select.select([self.sip, self.rtp, self.rtcp],
						[], [], 0.1)
			for s in r:
				data, src = s.recvfrom(65535)
				if s is self.rtp:
					self.rtp_in(data)
				elif s is self.sip:
					self.sip_in(data, src)

	def sip_in(self, data, src):
		m = parse_msg(data)
		if not m:
			return
		first, hdrs, _ = m
		if hdr(hdrs, 'call-id') != self.call_id:
			return
		if first.startswith('SIP/2.0 '):
			code = int(first.split()[1])
			method = hdr(hdrs, 'cseq').split()[-1].upper()
			if method == 'INVITE' and 200 <= code < 300:
				self.send_sip(self.ack)     # 2xx retransmitted
			elif method == 'BYE' and code >= 200:
				self.bye_status = code
				self.bye_done.set()
			return
		method = first.split()[0].upper()
		if method == 'BYE':
			self.respond(first, hdrs, 200, 'OK', src)
			say('server hung up')
			self.hungup.set()
		elif method == 'ACK':
			pass
		elif method in ('OPTIONS', 'INFO', 'NOTIFY', 'UPDATE'):
			self.respond(first, hdrs, 200, 'OK', src)
		else:
			self.respond(first, hdrs, 488, 'Not Acceptable Here', src)

	def rtp_in(self, data):
		if not self.a.record or len(data) < 12:
			return
		b0, b1 = data[0], data[1]
		if b0 >> 6 != 2 or (b1 & 0x7f) != 0:
			return
		off = 12 + 4 * (b0 & 0x0f)
		if b0 & 0x10 and len(data) >= off + 4:
			off += 4 + 4 * struct.unpack_from('!H', data, off + 2)[0]
		end = len(data)
		if b0 & 0x20 and end > off:
			end -= data[-1]
		with self.lock:
			self.rx.append(bytes(data[off:end]))

	# --- RTP -----------------------------------------------------------

	def tone_on(self, t):
		"""Whether the tone sounds at t [s] from the stream's start."""
		a = self.a
		if not a.tone or t < a.lead:
			return False
		if not a.on:
			return True
		return (t - a.lead) % (a.on + a.off) < a.on

	def onsets(self):
		a = self.a
		if not a.tone:
			return []
		if not a.on:
			return [a.lead] if a.lead < a.secs else []
		out, t = [], a.lead
		while t < a.secs:
			out.append(t)
			t += a.on + a.off
		return out

	def packets(self):
		"""All payloads of the stream, computed before it starts."""
		a = self.a
		amp = 32767 * 10 ** (a.level / 20.0)
		w = 2 * math.pi * a.tone / SRATE if a.tone else 0
		npkt = int(round(a.secs / PTIME))
		onsets = [int(round(o * SRATE)) for o in self.onsets()]
		silence = audioop.lin2ulaw(bytes(2 * SPP), 2)
		if not a.tone:
			return [silence] * npkt
		out = []
		for k in range(npkt):
			pcm = bytearray(2 * SPP)
			loud = False
			for i in range(SPP):
				n = k * SPP + i
				if not self.tone_on(n / SRATE):
					continue
				# phase 0 at the last onset
				o = onsets[bisect.bisect_right(onsets, n) - 1]
				v = int(amp * math.sin(w * (n - o)))
				struct.pack_into('<h', pcm, 2 * i, v)
				loud = True
			out.append(audioop.lin2ulaw(bytes(pcm), 2) if loud
				   else silence)
		say('onsets ' + ' '.join('%.4f' % (o / SRATE) for o in onsets))
		return out

	def stream(self, dest, pls):
		"""Send pls every 20 ms; returns (sent, latest [s])."""
		seq = random.randint(0, 65535)
		ts = random.getrandbits(32)
		ssrc = random.getrandbits(32)
		if self.a.rt:
			# the pace must hold on a busy host: real-time priority
			# for this thread, if allowed
			try:
				os.sched_setscheduler(0, os.SCHED_FIFO,
						      os.sched_param(10))
			except (OSError, AttributeError) as e:
				say('no real-time priority: %s' % e)
		gc.disable()
		t0 = time.monotonic()
		sent, late = 0, 0.0
		for k, pl in enumerate(pls):
			if self.hungup.is_set() or self.quit.is_set():
				break
			hdr_ = struct.pack('!BBHII', 0x80, 0x80 if k == 0 else 0,
					   (seq + k) & 0xffff,
					   (ts + k * SPP) & 0xffffffff, ssrc)
			due = t0 + k * PTIME
			d = due - time.monotonic()
			if d > 0:
				time.sleep(d)
			self.rtp.sendto(hdr_ + pl, dest)
			late = max(late, time.monotonic() - due)
			sent += 1
		gc.enable()
		if self.a.rt:
			try:
				os.sched_setscheduler(0, os.SCHED_OTHER,
						      os.sched_param(0))
			except (OSError, AttributeError):
				pass
		return sent, late

	def write_record(self):
		with self.lock:
			pcm = b''.join(audioop.ulaw2lin(p, 2) for p in self.rx)
		with wave.open(self.a.record, 'wb') as wf:
			wf.setnchannels(1)
			wf.setsampwidth(2)
			wf.setframerate(SRATE)
			wf.writeframes(pcm)


def wait_file(path):
	end = time.monotonic() + WAIT_FILE_MAX
	while time.monotonic() < end:
		if os.path.exists(path):
			return True
		time.sleep(0.02)
	return False


def addr_port(s):
	h, _, p = s.rpartition(':')
	return h.strip('[]'), int(p)


def main():
	ap = argparse.ArgumentParser(description=__doc__,
				     formatter_class=argparse.RawDescriptionHelpFormatter)
	ap.add_argument('uri')
	ap.add_argument('--local', default='127.0.0.1')
	ap.add_argument('--sip-port', type=int, default=5100)
	ap.add_argument('--rtp-port', type=int, default=12000)
	ap.add_argument('--send-to', type=addr_port)
	ap.add_argument('--media-file')
	ap.add_argument('--wait-file')
	ap.add_argument('--done-file')
	ap.add_argument('--tone', type=float, default=440.0)
	ap.add_argument('--level', type=float, default=-12.0)
	ap.add_argument('--lead', type=float, default=0.0)
	ap.add_argument('--on', type=float, default=0.0)
	ap.add_argument('--off', type=float, default=0.0)
	ap.add_argument('--secs', type=float, default=10.0)
	ap.add_argument('--linger', type=float, default=0.0)
	ap.add_argument('--record')
	ap.add_argument('--name', default='rtpcaller')
	ap.add_argument('--rt', action='store_true')
	a = ap.parse_args()
	if a.rtp_port % 2 or not 0 < a.secs <= 600 or a.linger < 0 or \
	   a.on < 0 or a.off < 0 or (a.on > 0) != (a.off > 0):
		ap.error('bad --rtp-port, --secs, --linger, --on or --off')

	c = Caller(a)
	for sig in (signal.SIGTERM, signal.SIGINT):
		signal.signal(sig, lambda *_: c.quit.set())
	pls = c.packets()
	if not c.invite():
		return 1
	hdrs, body = c.ok200
	maddr, mport, pts = parse_sdp(body)
	say('media %s %s' % (maddr, mport))
	if a.media_file:
		tmp = a.media_file + '.tmp'
		with open(tmp, 'w') as f:
			f.write('%s %s\n' % (maddr, mport))
		os.rename(tmp, a.media_file)
	rc = 0
	th = threading.Thread(target=c.sip_loop, daemon=True)
	th.start()
	if not maddr or not mport or 0 not in pts:
		say('answer without PCMU: %r' % body)
		rc = 1
	elif a.wait_file and not wait_file(a.wait_file):
		say('no %s within %.0f s' % (a.wait_file, WAIT_FILE_MAX))
		rc = 1
	else:
		sent, late = c.stream(a.send_to or (maddr, mport), pls)
		say('sent %d late_max_ms %.1f' % (sent, late * 1000))
	if a.done_file:
		with open(a.done_file, 'w') as f:
			f.write('done\n')
	end = time.monotonic() + a.linger
	while time.monotonic() < end and not c.hungup.is_set() and \
	      not c.quit.is_set():
		c.hungup.wait(min(0.1, max(0.0, end - time.monotonic())))
	if c.hungup.is_set():
		rc = 3
	else:
		st = c.bye()
		say('bye %s' % st)
		if st != 200:
			rc = rc or 1
	c.stopping.set()
	th.join(1.0)
	if a.record:
		c.write_record()
	return rc


if __name__ == '__main__':
	sys.exit(main())
