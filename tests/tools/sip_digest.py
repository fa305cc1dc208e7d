#!/usr/bin/env python3
"""sip_digest: a small SIP UAC over UDP that answers digest challenges.

Usage: sip_digest.py [--bind IP] [--lport PORT] [--port 5060] [--alg MD5|SHA-256]
                     [--user U --password P] [-v] MODE ...

Modes (each prints one line of status codes, in the order received, final
responses only, e.g. "401 200"):
  call ROOM        INVITE sip:ROOM@127.0.0.1:PORT; answer a 401 once with
                   the credentials (if given); on 200, ACK and BYE
                   (the BYE's code is printed too)
  register AOR     REGISTER sip:127.0.0.1:PORT with To sip:AOR@127.0.0.1
                   (--expires S, default 60; 0 removes our binding, the
                   same --lport); the 200's Contact lines go to stderr
  replay ROOM      a call authenticated with nonce-count 00000001; then a
                   new INVITE (new Call-ID, branch, cnonce) with the SAME
                   nonce and nc 00000001, then one with nc 00000002;
                   prints "first:CODES nc1:CODE nc2:CODES"

Every wait is bounded (4 s per answer, our request resent every 0.5 s);
no answer prints "timeout" and exits 2. Standard library only.
"""

import argparse
import hashlib
import os
import re
import socket
import sys
import time

SERVER = '127.0.0.1'


class Uac:
	def __init__(self, args):
		self.a = args
		self.s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
		self.s.bind((args.bind, args.lport))
		self.lip, self.lport = self.s.getsockname()
		self.n = 0

	def log(self, what, data):
		if self.a.verbose:
			sys.stderr.write('--- %s\n%s\n' % (what, data.decode(
				'utf-8', 'replace')))

	def tag(self, what):
		self.n += 1
		return '%s-%d-%d-%s' % (what, os.getpid(), self.n,
					os.urandom(4).hex())

	def send(self, msg):
		self.log('sent', msg)
		self.s.sendto(msg, (SERVER, self.a.port))

	def request(self, method, ruri, d, extra='', body=b'', branch=None):
		"""Build a request from dialog state d (dict)."""
		branch = branch or 'z9hG4bK' + self.tag('b')
		d['branch'] = branch
		hdr = ('%s %s SIP/2.0\r\n'
		       'Via: SIP/2.0/UDP %s:%d;rport;branch=%s\r\n'
		       'Max-Forwards: 70\r\n'
		       'From: <sip:%s@%s>;tag=%s\r\n'
		       'To: <%s>%s\r\n'
		       'Call-ID: %s\r\n'
		       'CSeq: %d %s\r\n'
		       'Contact: <sip:%s@%s:%d>\r\n'
		       '%s'
		       'Content-Length: %d\r\n\r\n') % (
			method, ruri, self.lip, self.lport, branch,
			d['from_user'], self.lip, d['ftag'], d['to'],
			';tag=' + d['ttag'] if d.get('ttag') else '',
			d['callid'], d['cseq'], 'ACK' if method == 'ACK'
			else method, d['from_user'], self.lip, self.lport,
			extra, len(body))
		return hdr.encode() + body

	def transact(self, msg, d):
		"""Send msg; return the final response (bytes) for its branch."""
		deadline = time.monotonic() + 4.0
		resend = 0.0
		while True:
			now = time.monotonic()
			if now >= deadline:
				print('timeout')
				sys.exit(2)
			if now >= resend:
				self.send(msg)
				resend = now + 0.5
			self.s.settimeout(min(deadline, resend) - now)
			try:
				data, _ = self.s.recvfrom(65535)
			except socket.timeout:
				continue
			self.log('received', data)
			m = re.match(rb'SIP/2\.0 (\d{3})', data)
			if not m or d['branch'].encode() not in data:
				continue
			if m.group(1).startswith(b'1'):
				resend = deadline  # provisional: stop resending
				continue
			return int(m.group(1)), data


def header(data, name):
	"""Values of every header NAME of a message, in order."""
	out = []
	for line in data.split(b'\r\n\r\n', 1)[0].split(b'\r\n')[1:]:
		k, _, v = line.partition(b':')
		if k.strip().lower() == name.lower().encode():
			out.append(v.strip().decode())
	return out


def challenge(data, alg):
	"""The WWW-Authenticate parameters for algorithm alg."""
	for h in header(data, 'WWW-Authenticate'):
		p = dict((k.lower(), v.strip('"')) for k, v in re.findall(
			r'(\w+)=("[^"]*"|[^,\s]+)', h))
		if p.get('algorithm', 'MD5').upper() == alg.upper():
			return p
	return None


def authorization(args, ch, method, uri, nc):
	h = hashlib.sha256 if args.alg.upper() == 'SHA-256' else hashlib.md5

	def H(s):
		return h(s.encode()).hexdigest()

	cnonce = os.urandom(8).hex()
	ha1 = H('%s:%s:%s' % (args.user, ch['realm'], args.password))
	ha2 = H('%s:%s' % (method, uri))
	resp = H('%s:%s:%08x:%s:auth:%s' % (ha1, ch['nonce'], nc, cnonce, ha2))
	return ('Authorization: Digest username="%s", realm="%s", '
		'nonce="%s", uri="%s", response="%s", algorithm=%s, '
		'qop=auth, nc=%08x, cnonce="%s"\r\n') % (
		args.user, ch['realm'], ch['nonce'], uri, resp, args.alg,
		nc, cnonce)


def sdp(uac):
	s = ('v=0\r\no=- 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n'
	     'm=audio %d RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n'
	     'a=sendrecv\r\n') % (uac.lip, uac.lip, 40000 + uac.lport % 20000)
	return s.encode()


def new_dialog(uac, user, to):
	return {'from_user': user, 'ftag': uac.tag('f'), 'to': to,
		'callid': uac.tag('c') + '@' + uac.lip, 'cseq': 1}


def invite(uac, ruri, d, auth=''):
	"""One INVITE transaction; ACK a non-2xx. Returns (code, response)."""
	extra = 'Content-Type: application/sdp\r\n' + auth
	msg = uac.request('INVITE', ruri, d, extra, sdp(uac))
	code, resp = uac.transact(msg, d)
	m = re.search(r'tag=([^;>\s]+)', (header(resp, 'To') or [''])[0])
	d['ttag'] = m.group(1) if m else None
	if code >= 300:
		# RFC 3261 17.1.1.3: same branch, the response's To tag
		uac.send(uac.request('ACK', ruri, d, branch=d['branch']))
		d['ttag'] = None
	return code, resp


def finish_call(uac, ruri, d, resp, codes):
	"""After a 200 to INVITE: ACK it, BYE, note the BYE's code."""
	contact = (header(resp, 'Contact') or ['<%s>' % ruri])[0]
	target = contact.strip('<>').split('>')[0]
	uac.send(uac.request('ACK', target, d))
	time.sleep(0.3)
	d['cseq'] += 1
	code, _ = uac.transact(uac.request('BYE', target, d), d)
	codes.append(str(code))


def call(uac, ruri, args, ch=None, nc=1):
	"""A call: INVITE, a 401 answered with credentials, 200 -> ACK, BYE.
	With ch given, the first INVITE already carries credentials for it.
	Returns (codes, challenge used)."""
	d = new_dialog(uac, 'e2e', ruri)
	codes = []
	auth = authorization(args, ch, 'INVITE', ruri, nc) if ch else ''
	code, resp = invite(uac, ruri, d, auth)
	codes.append(str(code))
	if code == 401 and not ch and args.user:
		ch = challenge(resp, args.alg)
		if not ch:
			print('no %s challenge' % args.alg)
			sys.exit(2)
		d['cseq'] += 1
		code, resp = invite(uac, ruri, d, authorization(
			args, ch, 'INVITE', ruri, nc))
		codes.append(str(code))
	if code == 200:
		finish_call(uac, ruri, d, resp, codes)
	return codes, ch


def register(uac, aor, args):
	ruri = 'sip:%s:%d' % (SERVER, args.port)
	d = new_dialog(uac, aor, 'sip:%s@%s' % (aor, SERVER))
	extra = 'Expires: %d\r\n' % args.expires
	codes = []
	code, resp = uac.transact(uac.request('REGISTER', ruri, d, extra), d)
	codes.append(str(code))
	if code == 401 and args.user:
		ch = challenge(resp, args.alg)
		d['cseq'] += 1
		msg = uac.request('REGISTER', ruri, d, extra + authorization(
			args, ch, 'REGISTER', ruri, 1))
		code, resp = uac.transact(msg, d)
		codes.append(str(code))
	for c in header(resp, 'Contact'):
		sys.stderr.write('Contact: %s\n' % c)
	return codes


def main():
	ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
	ap.add_argument('--bind', default='127.0.0.1')
	ap.add_argument('--lport', type=int, default=0)
	ap.add_argument('--port', type=int, default=5060)
	ap.add_argument('--alg', default='MD5')
	ap.add_argument('--user')
	ap.add_argument('--password', default='')
	ap.add_argument('--expires', type=int, default=60)
	ap.add_argument('-v', '--verbose', action='store_true')
	ap.add_argument('mode', choices=['call', 'register', 'replay'])
	ap.add_argument('target')
	args = ap.parse_args()

	uac = Uac(args)
	if args.mode == 'register':
		print(' '.join(register(uac, args.target, args)))
		return

	ruri = 'sip:%s@%s:%d' % (args.target, SERVER, args.port)
	codes, ch = call(uac, ruri, args)
	if args.mode == 'call':
		print(' '.join(codes))
		return

	if not ch:
		print('first:%s (no challenge)' % ','.join(codes))
		sys.exit(2)
	nc1, _ = call(uac, ruri, args, ch, 1)
	nc2, _ = call(uac, ruri, args, ch, 2)
	print('first:%s nc1:%s nc2:%s' % (','.join(codes), ','.join(nc1),
					  ','.join(nc2)))


if __name__ == '__main__':
	main()
