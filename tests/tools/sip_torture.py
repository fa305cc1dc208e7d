#!/usr/bin/env python3
"""sip_torture: send RFC 4475 torture messages to a SIP server on loopback.

Usage: sip_torture.py DIR [--port 5060] [--pid PID] [--tcp-wait SEC]
                       [--live-code 200]

For every DIR/*.dat (and DIR/variants/*.dat), in the order of
DIR/manifest.tsv where it lists them:
  1. send a copy with one extra top Via naming our socket with ;rport, so
     the reply comes back to us, and note the status code (information
     only: the RFC allows more than one answer for many cases);
  2. send the file's bytes unchanged in one UDP datagram;
  3. for requests (not the stray responses), send the bytes unchanged over
     a fresh TCP connection, note any reply, close after --tcp-wait s;
  4. liveness: an OPTIONS over UDP and one over TCP must each get a 200
     (or the --live-code given).
If --pid is given, that process must still be running after each case.

Prints one line per case and a summary; exit status 1 if any liveness
check failed or the server died, 0 otherwise. Every wait is bounded.
"""

import argparse
import glob
import os
import re
import socket
import sys
import time

HOST = '127.0.0.1'


def status_code(data):
	"""Status code of the first SIP response in data, or None."""
	m = re.match(rb'SIP/2\.0 (\d{3}) ', data)
	return m.group(1).decode() if m else None


def udp_exchange(sock, port, msg, wait, want_branch=None):
	"""Send msg, return the first reply's status code within wait s
	(matching want_branch, if given), or None."""
	sock.sendto(msg, (HOST, port))
	deadline = time.monotonic() + wait
	while True:
		left = deadline - time.monotonic()
		if left <= 0:
			return None
		sock.settimeout(left)
		try:
			data, _ = sock.recvfrom(65535)
		except socket.timeout:
			return None
		code = status_code(data)
		if code is None:
			continue
		if want_branch and want_branch.encode() not in data:
			continue
		if code.startswith('1'):
			continue  # provisional: keep waiting for the final one
		return code


def add_top_via(msg, port, branch):
	"""Insert our own top Via (with rport) right after the start line."""
	i = msg.find(b'\r\n')
	if i < 0:
		i = msg.find(b'\n')
		if i < 0:
			return None
		eol = b'\n'
	else:
		eol = b'\r\n'
	via = b'Via: SIP/2.0/UDP %s:%d;rport;branch=%s' % (
		HOST.encode(), port, branch.encode())
	return msg[:i + len(eol)] + via + eol + msg[i + len(eol):]


def options_msg(transport, lport, n):
	branch = 'z9hG4bK-live-%d-%d' % (os.getpid(), n)
	return branch, (
		'OPTIONS sip:%s:%d SIP/2.0\r\n'
		'Via: SIP/2.0/%s %s:%d;rport;branch=%s\r\n'
		'Max-Forwards: 70\r\n'
		'From: <sip:e2e@%s>;tag=live%d\r\n'
		'To: <sip:%s:%d>\r\n'
		'Call-ID: live-%d-%d@%s\r\n'
		'CSeq: 1 OPTIONS\r\n'
		'Accept: application/sdp\r\n'
		'Content-Length: 0\r\n\r\n' % (
			HOST, ARGS.port, transport, HOST, lport, branch,
			HOST, n, HOST, ARGS.port, os.getpid(), n, HOST)).encode()


def live_udp(sock, n):
	"""OPTIONS over UDP, retransmitted (RFC 3261 17.1.2.2 style) for at
	most 4 s; returns the final status code or None."""
	lport = sock.getsockname()[1]
	branch, msg = options_msg('UDP', lport, n)
	wait = 0.25
	end = time.monotonic() + 4.0
	while time.monotonic() < end:
		code = udp_exchange(sock, ARGS.port, msg, wait, branch)
		if code:
			return code
		wait = min(wait * 2, 1.0)
	return None


def tcp_read(conn, wait):
	"""Read what arrives within wait s (until the peer closes)."""
	data = b''
	deadline = time.monotonic() + wait
	while True:
		left = deadline - time.monotonic()
		if left <= 0:
			break
		conn.settimeout(left)
		try:
			chunk = conn.recv(65535)
		except (socket.timeout, ConnectionResetError):
			break
		if not chunk:
			break
		data += chunk
		if status_code(data) and b'\r\n\r\n' in data:
			break
	return data


def live_tcp(n):
	"""OPTIONS over a fresh TCP connection; final status code or None."""
	try:
		conn = socket.create_connection((HOST, ARGS.port), timeout=2)
	except OSError as e:
		return 'connect:%s' % e.__class__.__name__
	try:
		lport = conn.getsockname()[1]
		_, msg = options_msg('TCP', lport, n)
		conn.sendall(msg)
		return status_code(tcp_read(conn, 4.0))
	except OSError as e:
		return 'err:%s' % e.__class__.__name__
	finally:
		conn.close()


def tcp_case(data):
	"""Send a torture message over TCP; the reply's code, '-' if none."""
	try:
		conn = socket.create_connection((HOST, ARGS.port), timeout=2)
	except OSError as e:
		return 'connect:%s' % e.__class__.__name__
	try:
		conn.sendall(data)
		code = status_code(tcp_read(conn, ARGS.tcp_wait))
		return code or '-'
	except OSError as e:
		return 'err:%s' % e.__class__.__name__
	finally:
		conn.close()


def alive(pid):
	if not pid:
		return True
	try:
		with open('/proc/%d/stat' % pid) as f:
			return f.read().rsplit(')', 1)[1].split()[0] != 'Z'
	except OSError:
		return False


def load_cases(d):
	"""(name, path, is_response) in manifest order, then the rest."""
	kinds = {}
	order = []
	man = os.path.join(d, 'manifest.tsv')
	if os.path.exists(man):
		with open(man, encoding='utf-8') as f:
			cols = f.readline().rstrip('\n').split('\t')
			for line in f:
				row = dict(zip(cols, line.rstrip('\n').split('\t')))
				name = row.get('file', '')
				kinds[name] = 'response' in row.get('message', '')
				order.append(name)
	paths = sorted(glob.glob(os.path.join(d, '*.dat')))
	paths += sorted(glob.glob(os.path.join(d, 'variants', '*.dat')))
	by_name = {}
	for p in paths:
		by_name.setdefault(os.path.basename(p), []).append(p)
	cases = []
	for name in order:
		for p in by_name.pop(name, []):
			cases.append((name, p, kinds[name]))
	for name in sorted(by_name):
		for p in by_name[name]:
			with open(p, 'rb') as f:
				head = f.read(16)
			cases.append((name, p, head.startswith(b'SIP/')))
	return cases


def main():
	global ARGS
	ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
	ap.add_argument('dir')
	ap.add_argument('--port', type=int, default=5060)
	ap.add_argument('--pid', type=int, default=0)
	ap.add_argument('--tcp-wait', type=float, default=0.5)
	ap.add_argument('--live-code', default='200',
			help='status the liveness OPTIONS must get')
	ARGS = ap.parse_args()

	cases = load_cases(ARGS.dir)
	if not cases:
		print('sip_torture: no .dat files in %s' % ARGS.dir)
		return 1

	sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	sock.bind((HOST, 0))
	lport = sock.getsockname()[1]
	bad = []
	t0 = time.monotonic()

	code = live_udp(sock, 0)
	if code != ARGS.live_code:
		print('baseline OPTIONS over UDP: %s (want %s)' % (
			code, ARGS.live_code))
		return 1

	for n, (name, path, is_resp) in enumerate(cases, 1):
		with open(path, 'rb') as f:
			data = f.read()
		label = os.path.relpath(path, ARGS.dir)

		# 1. our own top Via first, to see the answer (sent after the
		# exact copy it would be a merged request, RFC 3261 8.2.2.2)
		if is_resp:
			info = 'resp'
		else:
			branch = 'z9hG4bK-e2e-%d-%d' % (os.getpid(), n)
			copy = add_top_via(data, lport, branch)
			info = udp_exchange(sock, ARGS.port, copy, 1.0,
					    branch) if copy else None
			info = info or '-'

		# 2. exact bytes; replies (if any) go where the Via says
		sock.sendto(data, (HOST, ARGS.port))

		# 3. requests over TCP too
		tcp = '-' if is_resp else tcp_case(data)

		# 4. liveness
		live_u = live_udp(sock, 2 * n)
		live_t = live_tcp(2 * n + 1)
		ok = live_u == ARGS.live_code and live_t == ARGS.live_code \
			and alive(ARGS.pid)
		print('%-22s %-8s udp %-4s tcp %-4s live udp %s tcp %s %s' % (
			label, 'response' if is_resp else 'request', info,
			tcp, live_u, live_t, 'ok' if ok else 'FAIL'))
		sys.stdout.flush()
		if not ok:
			bad.append(label)
			if not alive(ARGS.pid):
				print('server process %d is gone' % ARGS.pid)
				break

	print('%d cases in %.1f s, %d failed%s' % (
		len(cases), time.monotonic() - t0, len(bad),
		(': ' + ' '.join(bad)) if bad else ''))
	return 1 if bad else 0


if __name__ == '__main__':
	sys.exit(main())
