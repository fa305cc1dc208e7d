#!/usr/bin/env python3
"""chorus_api: helpers for the API end-to-end tests (python3 stdlib only).

Usage:
  chorus_api.py state URL [--token T]
      Print the API's state as canonical JSON: every room (all pages of
      GET /v1/rooms, without the live "stats") with its participants
      (id, uri, state, direction, codec, muted, deaf, gain_db). Two
      snapshots are equal when nothing changed.
  chorus_api.py names URL [--token T] [--limit N]
      Walk GET /v1/rooms page by page (limit N, default 100) and print
      {"names": [...], "pages": P} as JSON; fails on a malformed page,
      a repeated name or a page out of order.
  chorus_api.py sse FILE
      Parse a captured Server-Sent Events stream; print one JSON object per
      event: {"id","event","data"}. Fails (exit 1) unless every event has an
      id line, an event line and one data line of JSON, the id and type in
      the data match those lines, ids strictly increase and "time" is an
      RFC 3339 UTC time.
  chorus_api.py metrics FILE
      Check the Prometheus text format 0.0.4 (HELP/TYPE lines, sample
      syntax, one TYPE per family before its samples, histogram buckets
      cumulative and +Inf == _count); print the sample names, one a line.
  chorus_api.py junk HOST PORT
      Send malformed HTTP (random bytes, huge and many headers, an endless
      URL, bad Content-Length, NUL bytes, bare CRLFs, a request cut short)
      and after each ask GET /healthz on a new connection; exit 1 if it
      ever fails to answer 200. One line per case.
  chorus_api.py burst HOST PORT --log FILE --prefix P --seed S
                      [--initial FILE] [--seconds N]
      Room creates (persistent or not), PATCHes of "persistent" and
      deletes, interleaved, on two keep-alive connections (one thread
      each), until the server goes away or N seconds (default 5) pass.
      Each request is logged before it is sent ("sent") and when its
      answer is complete ("done", with the status), one JSON line each,
      flushed at once.
  chorus_api.py verify --initial FILE --log FILE --after FILE
      Check the rooms present after a restart (FILE: the "names" output)
      against the state before the burst (same format) and the burst log:
      a room whose last answered request left it persistent must be there,
      a room whose last answered request deleted it or left it
      non-persistent must not; a room with a request in flight at the
      kill may be either. Prints a summary; exit 1 on a violation.
"""

import argparse
import http.client
import json
import os
import random
import re
import socket
import sys
import threading
import time
import urllib.parse


# --- plain HTTP ------------------------------------------------------------

def http_get(url, token=None, timeout=5):
    u = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    hdrs = {"Authorization": "Bearer " + token} if token else {}
    path = u.path + ("?" + u.query if u.query else "")
    conn.request("GET", path, headers=hdrs)
    r = conn.getresponse()
    body = r.read()
    conn.close()
    return r.status, body


def get_json(base, path, token=None):
    status, body = http_get(base + path, token)
    if status != 200:
        raise SystemExit("GET %s: HTTP %d %s" % (path, status, body[:300]))
    return json.loads(body.decode("utf-8"))


def all_rooms(base, token=None, limit=100):
    """Every room, walking the pages; checks the paging itself"""
    rooms, cursor, pages = [], None, 0
    seen = set()
    while True:
        q = "limit=%d" % limit
        if cursor is not None:
            q += "&cursor=" + urllib.parse.quote(cursor, safe="")
        d = get_json(base, "/v1/rooms?" + q, token)
        pages += 1
        if not isinstance(d.get("rooms"), list) or "next_cursor" not in d:
            raise SystemExit("malformed page: %r" % d)
        page = d["rooms"]
        if len(page) > limit:
            raise SystemExit("page of %d rooms for limit %d"
                             % (len(page), limit))
        names = [r["name"] for r in page]
        if names != sorted(names):
            raise SystemExit("page not sorted by name: %r" % names)
        for n in names:
            if n in seen:
                raise SystemExit("room %s on two pages" % n)
            if rooms and n <= rooms[-1]["name"]:
                raise SystemExit("pages out of order at %s" % n)
            seen.add(n)
        rooms += page
        cursor = d["next_cursor"]
        if cursor is None:
            return rooms, pages
        if not page or len(page) != limit:
            raise SystemExit("next_cursor %r after a short page (%d)"
                             % (cursor, len(page)))
        if pages > 100000:
            raise SystemExit("too many pages")


def cmd_state(a):
    rooms, _ = all_rooms(a.url, a.token, 1000)
    out = []
    for r in rooms:
        r = dict(r)
        r.pop("stats", None)
        d = get_json(a.url, "/v1/rooms/%s/participants" % r["name"],
                     a.token)
        r["participants"] = sorted(
            ({k: p.get(k) for k in ("id", "uri", "state", "direction",
                                    "codec", "muted", "deaf", "gain_db")}
             for p in d["participants"]), key=lambda p: p["id"])
        out.append(r)
    print(json.dumps(out, sort_keys=True))


def cmd_names(a):
    rooms, pages = all_rooms(a.url, a.token, a.limit)
    print(json.dumps({"names": [r["name"] for r in rooms],
                      "persistent": [r["name"] for r in rooms
                                     if r.get("persistent")],
                      "pages": pages}))


# --- requests with checks, for the tests' own python blocks ---------------

class Api:
    """Requests to one server, each logged to http.log; reject() checks an
    error answer and that the state did not change. Failed checks are
    collected (self.failures), not raised, so that one run shows them all.

        api = Api("http://127.0.0.1:8080", "/tmp/t/http.log")
        api.rebase()
        api.reject(400, "name", "POST", "/v1/rooms", '{"name":5}')
    """

    def __init__(self, base, logfile=None, token=None):
        u = urllib.parse.urlsplit(base)
        self.host, self.port, self.token = u.hostname, u.port, token
        self.log = open(logfile, "a") if logfile else None
        self.base_state = None
        self.failures = []
        self.checked = 0

    def request(self, method, path, body=None, ctype="application/json",
                headers=None, timeout=5):
        """-> (status or None, {header: value} lowercased, body bytes)"""
        if isinstance(body, str):
            body = body.encode("utf-8")
        hdrs = dict(headers or {})
        if body is not None and ctype is not None:
            hdrs.setdefault("Content-Type", ctype)
        conn = http.client.HTTPConnection(self.host, self.port,
                                          timeout=timeout)
        status, rh, data = None, {}, b""
        try:
            conn.putrequest(method, path, skip_accept_encoding=True)
            for k, v in hdrs.items():
                conn.putheader(k, v)
            if body is not None:
                conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(body)
            r = conn.getresponse()
            status = r.status
            rh = {k.lower(): v for k, v in r.getheaders()}
            try:
                data = r.read()
            except (socket.timeout, http.client.IncompleteRead) as e:
                data = getattr(e, "partial", b"") or b""
        except (OSError, http.client.HTTPException) as e:
            data = ("<no answer: %s>" % e).encode()
        finally:
            conn.close()
        if self.log:
            self.log.write("%s %s -> %s %s\n" % (
                method, path[:200], status if status else "000",
                data[:600].decode("utf-8", "replace")))
            self.log.flush()
        return status, rh, data

    def state(self):
        rooms, _ = all_rooms("http://%s:%d" % (self.host, self.port),
                             self.token, 1000)
        out = []
        for r in rooms:
            r = dict(r)
            r.pop("stats", None)
            d = get_json("http://%s:%d" % (self.host, self.port),
                         "/v1/rooms/%s/participants" % r["name"], self.token)
            r["participants"] = sorted(
                ({k: p.get(k) for k in ("id", "uri", "state", "direction",
                                        "codec", "muted", "deaf",
                                        "gain_db")}
                 for p in d["participants"]), key=lambda p: p["id"])
            out.append(r)
        return json.dumps(out, sort_keys=True)

    def undo(self, method, path, status, data):
        """A create or dial-out that should have been refused but was not:
        take it back, so that one wrong answer does not spoil the checks
        after it (the wrong answer itself is reported)"""
        try:
            d = json.loads(data.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            return
        auth = {"Authorization": "Bearer " + self.token} if self.token \
            else None
        if method == "POST" and path == "/v1/rooms" and status == 201:
            self.request("DELETE", "/v1/rooms/" + urllib.parse.quote(
                d.get("name", ""), safe=""), headers=auth)
        elif method == "POST" and path.endswith("/participants") and \
                status == 202:
            self.request("DELETE", "%s/%s" % (path, d.get("id")),
                         headers=auth)
            time.sleep(0.2)

    def rebase(self):
        self.base_state = self.state()

    def fail(self, what):
        self.failures.append(what)
        print("FAILED: " + what)

    def reject(self, status, field, method, path, body=None,
               ctype="application/json", headers=None, allow=None,
               code=None, www_auth=False, timeout=3):
        """The request is refused with status and a JSON error naming field
        (None: no field), and the state stays as it was"""
        self.checked += 1
        label = "%s %s %s" % (method, path[:80], (body if isinstance(
            body, str) else repr(body))[:80] if body is not None else "")
        st, rh, data = self.request(method, path, body, ctype, headers,
                                    timeout=timeout)
        self.undo(method, path, st, data)
        ok = True
        if st != status:
            self.fail("%s: HTTP %s, want %d: %s" % (label, st, status,
                                                  data[:200]))
            ok = False
        else:
            why = error_problem(data, field)
            if why:
                self.fail("%s: %s" % (label, why))
                ok = False
            elif code and json.loads(data)["error"]["code"] != code:
                self.fail("%s: code %r, want %r" % (label, json.loads(
                    data)["error"]["code"], code))
            if allow is not None:
                got = sorted(x.strip() for x in rh.get("allow", "").split(","))
                if got != sorted(allow):
                    self.fail("%s: Allow %r, want %r" % (
                        label, rh.get("allow"), ", ".join(allow)))
            if www_auth and not rh.get("www-authenticate", "").startswith(
                    "Bearer"):
                self.fail("%s: WWW-Authenticate %r" % (
                    label, rh.get("www-authenticate")))
        if self.base_state is not None:
            now = self.state()
            if now != self.base_state:
                self.fail("%s: the state changed:\n  before %s\n  after  %s"
                          % (label, self.base_state[:600], now[:600]))
                ok = False
                self.base_state = now
        return ok


def error_problem(data, field):
    """None if data is {"error":{"code","message"[,"field"]}} with field"""
    try:
        d = json.loads(data.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as e:
        return "body is not JSON (%s): %r" % (e, data[:200])
    e = d.get("error") if isinstance(d, dict) else None
    if not isinstance(e, dict) or set(d) != {"error"}:
        return "not an error object: %r" % d
    if not isinstance(e.get("code"), str) or not e["code"] or \
       not isinstance(e.get("message"), str) or not e["message"]:
        return "error without code or message: %r" % d
    if set(e) - {"code", "field", "message"}:
        return "unknown keys in the error: %r" % d
    if e.get("field") != field:
        return "field %r, want %r: %r" % (e.get("field"), field, d)
    return None


# --- Server-Sent Events ----------------------------------------------------

TIME_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


def cmd_sse(a):
    with open(a.file, "rb") as f:
        text = f.read().decode("utf-8")
    # events are separated by blank lines; a cut-off last block is ignored
    blocks = text.split("\n\n")
    if not text.endswith("\n\n"):
        blocks = blocks[:-1]
    last = 0
    bad = []
    for blk in blocks:
        fields = {}
        for line in blk.split("\n"):
            if not line or line.startswith(":"):
                continue
            k, _, v = line.partition(":")
            if v.startswith(" "):
                v = v[1:]
            if k in fields:
                bad.append("field %s twice in %r" % (k, blk))
            fields[k] = v
        if not fields:
            continue              # a comment (": ping")
        try:
            ev_id = int(fields["id"])
            data = json.loads(fields["data"])
            typ = fields["event"]
        except (KeyError, ValueError) as e:
            bad.append("bad event %r: %s" % (blk, e))
            continue
        if ev_id <= last:
            bad.append("id %d after %d" % (ev_id, last))
        last = ev_id
        if data.get("id") != ev_id or data.get("type") != typ:
            bad.append("id/type lines do not match the data: %r" % blk)
        if not TIME_RE.match(str(data.get("time", ""))):
            bad.append("bad time in %r" % blk)
        print(json.dumps({"id": ev_id, "event": typ, "data": data}))
    for b in bad:
        print("BAD " + b, file=sys.stderr)
    return 1 if bad else 0


# --- Prometheus text format 0.0.4 ------------------------------------------

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*"'
SAMPLE_RE = re.compile(r"^(%s)(\{(?:%s(?:,%s)*,?)?\})? ([^ ]+)( -?\d+)?$"
                       % (NAME, LABEL, LABEL))
TYPES = ("counter", "gauge", "histogram", "summary", "untyped")


def parse_value(v):
    if v in ("+Inf", "-Inf", "NaN"):
        return float(v.replace("Inf", "inf").replace("NaN", "nan"))
    return float(v)


def cmd_metrics(a):
    with open(a.file, "rb") as f:
        text = f.read().decode("utf-8")
    bad = []
    if not text.endswith("\n"):
        bad.append("does not end with a newline")
    typed, helped, sampled = {}, set(), set()
    buckets = {}
    counts = {}
    names = []
    for n, line in enumerate(text.split("\n")[:-1], 1):
        if line.startswith("#"):
            m = re.match(r"^# (HELP|TYPE) (%s) (.*)$" % NAME, line)
            if not m:
                if re.match(r"^# (HELP|TYPE) ", line):
                    bad.append("line %d: bad %r" % (n, line))
                continue
            kind, name, rest = m.groups()
            if kind == "TYPE":
                if rest not in TYPES:
                    bad.append("line %d: unknown type %r" % (n, rest))
                if name in typed:
                    bad.append("line %d: second TYPE for %s" % (n, name))
                if name in sampled:
                    bad.append("line %d: TYPE after samples of %s"
                               % (n, name))
                typed[name] = rest
            else:
                if name in helped:
                    bad.append("line %d: second HELP for %s" % (n, name))
                helped.add(name)
            continue
        if not line.strip():
            continue
        m = SAMPLE_RE.match(line)
        if not m:
            bad.append("line %d: not a sample: %r" % (n, line))
            continue
        name, labels, value = m.group(1), m.group(2) or "", m.group(3)
        try:
            v = parse_value(value)
        except ValueError:
            bad.append("line %d: bad value %r" % (n, value))
            continue
        fam = re.sub(r"_(bucket|sum|count)$", "", name)
        if typed.get(fam) != "histogram":
            fam = name
        sampled.add(fam)
        names.append(name + labels)
        if typed.get(fam) == "histogram":
            if name.endswith("_bucket"):
                le = re.search(r'le="([^"]*)"', labels)
                if not le:
                    bad.append("line %d: bucket without le" % n)
                    continue
                buckets.setdefault(fam, []).append(
                    (parse_value(le.group(1)), v))
            elif name.endswith("_count"):
                counts[fam] = v
        elif typed.get(fam) == "counter" and v < 0:
            bad.append("line %d: negative counter" % n)
    for fam, bl in buckets.items():
        les = [b[0] for b in bl]
        if les != sorted(les) or les[-1] != float("inf"):
            bad.append("%s: buckets not ascending to +Inf" % fam)
        vals = [b[1] for b in bl]
        if any(x > y for x, y in zip(vals, vals[1:])):
            bad.append("%s: buckets not cumulative: %r" % (fam, vals))
        if counts.get(fam) != vals[-1]:
            bad.append("%s: +Inf bucket %r != _count %r"
                       % (fam, vals[-1], counts.get(fam)))
    for name in names:
        print(name)
    for b in bad:
        print("BAD " + b, file=sys.stderr)
    return 1 if bad else 0


# --- malformed HTTP --------------------------------------------------------

def raw(host, port, data, wait=1.0):
    """Send data on a new connection; return what came back (bounded)"""
    s = socket.create_connection((host, port), timeout=3)
    got = b""
    try:
        s.sendall(data)
        s.settimeout(wait)
        deadline = time.time() + wait
        while time.time() < deadline and len(got) < 1 << 20:
            c = s.recv(65536)
            if not c:
                break
            got += c
    except (socket.timeout, ConnectionError, OSError):
        pass
    finally:
        s.close()
    return got


def healthz(host, port):
    try:
        st, _ = http_get("http://%s:%d/healthz" % (host, port), timeout=3)
        return st
    except (OSError, http.client.HTTPException) as e:
        return str(e)


def cmd_junk(a):
    rnd = random.Random(4475)
    big = b"x" * 200000
    cases = [
        ("random bytes", bytes(rnd.randrange(256) for _ in range(4096))),
        ("random printable", "".join(chr(rnd.randrange(32, 127))
                                     for _ in range(4096)).encode()),
        ("200 KB header", b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: "
         + big + b"\r\n\r\n"),
        ("5000 headers", b"GET /healthz HTTP/1.1\r\n" + b"".join(
            b"X-H%d: v\r\n" % i for i in range(5000)) + b"\r\n"),
        ("1 MB URL", b"GET /" + b"a" * 1000000 + b" HTTP/1.1\r\n\r\n"),
        ("huge Content-Length", b"POST /v1/rooms HTTP/1.1\r\n"
         b"Content-Type: application/json\r\n"
         b"Content-Length: 99999999999999999999\r\n\r\n{}"),
        ("negative Content-Length", b"POST /v1/rooms HTTP/1.1\r\n"
         b"Content-Type: application/json\r\nContent-Length: -5\r\n\r\n{}"),
        ("Content-Length larger than the body, then close",
         b"POST /v1/rooms HTTP/1.1\r\nContent-Type: application/json\r\n"
         b"Content-Length: 1000\r\n\r\n{\"name\":\"cut\"}"),
        ("600 KB body", b"POST /v1/rooms HTTP/1.1\r\n"
         b"Content-Type: application/json\r\nContent-Length: 600000\r\n\r\n"
         + b" " * 600000),
        ("NUL bytes", b"GET /healthz\x00 HTTP/1.1\r\nHost: \x00\r\n\r\n"),
        ("bare CRLFs", b"\r\n" * 1000),
        ("no version", b"GET /healthz\r\n\r\n"),
        ("bad method", b"\x7f\xff\xfe /v1/rooms HTTP/1.1\r\n\r\n"),
        ("header without colon", b"GET /healthz HTTP/1.1\r\nnocolon\r\n\r\n"),
        ("request cut short", b"GET /v1/ro"),
        ("bad version", b"GET /healthz HTTP/9.9\r\n\r\n"),
        ("chunked body", b"POST /v1/rooms HTTP/1.1\r\n"
         b"Content-Type: application/json\r\n"
         b"Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n"),
    ]
    failed = 0
    for label, data in cases:
        got = raw(a.host, a.port, data, 0.5)
        first = got.split(b"\r\n", 1)[0][:60]
        st = healthz(a.host, a.port)
        print("%-50s -> %-32r healthz %s" % (label, first, st))
        if st != 200:
            failed += 1
    # 50 connections each holding half a request, then /healthz
    socks = []
    for _ in range(50):
        s = socket.create_connection((a.host, a.port), timeout=3)
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost")
        socks.append(s)
    st = healthz(a.host, a.port)
    print("%-50s -> %-32s healthz %s" % ("50 half requests held open", "",
                                         st))
    for s in socks:
        s.close()
    if st != 200:
        failed += 1
    st = healthz(a.host, a.port)
    print("%-50s -> %-32s healthz %s" % ("after", "", st))
    return 1 if failed or st != 200 else 0


# --- persistence burst -----------------------------------------------------

class Log:
    def __init__(self, path):
        self.f = open(path, "a", buffering=1)
        self.lock = threading.Lock()

    def write(self, **kw):
        with self.lock:
            self.f.write(json.dumps(kw) + "\n")
            self.f.flush()


def burst_worker(a, wid, log, initial, stop_at):
    rnd = random.Random("%s-%d" % (a.seed, wid))
    conn = None
    mine = {}                  # name -> persistent, rooms this worker owns
    # the rooms restored at start-up are shared out between the workers
    for i, n in enumerate(sorted(initial)):
        if i % 2 == wid:
            mine[n] = True
    seq = 0
    while time.time() < stop_at:
        r = rnd.random()
        if r < 0.45 or not mine:
            seq += 1
            name = "%s-w%d-%d" % (a.prefix, wid, seq)
            pers = rnd.random() < 0.75
            op, method, path = "create", "POST", "/v1/rooms"
            body = {"name": name, "persistent": pers}
        elif r < 0.60:
            name = rnd.choice(sorted(mine))
            pers = not mine[name]
            op, method, path = "patch", "PATCH", "/v1/rooms/" + name
            body = {"persistent": pers}
        else:
            name = rnd.choice(sorted(mine))
            pers = None
            op, method, path = "delete", "DELETE", "/v1/rooms/" + name
            body = None
        data = json.dumps(body).encode() if body is not None else None
        hdrs = {"Content-Type": "application/json"} if data else {}
        log.write(ev="sent", w=wid, op=op, name=name, persistent=pers)
        try:
            if conn is None:
                conn = http.client.HTTPConnection(a.host, a.port, timeout=3)
            conn.request(method, path, body=data, headers=hdrs)
            resp = conn.getresponse()
            resp.read()
            status = resp.status
        except (OSError, http.client.HTTPException) as e:
            log.write(ev="error", w=wid, op=op, name=name, error=str(e))
            return
        log.write(ev="done", w=wid, op=op, name=name, persistent=pers,
                  status=status)
        if op == "create" and status == 201:
            mine[name] = pers
        elif op == "patch" and status == 200:
            mine[name] = pers
        elif op == "delete" and status == 204:
            del mine[name]
        elif status >= 500 or status in (400, 404, 405, 413, 415):
            log.write(ev="unexpected", w=wid, op=op, name=name,
                      status=status)


def cmd_burst(a):
    initial = []
    if a.initial:
        with open(a.initial) as f:
            initial = json.load(f)["names"]
    log = Log(a.log)
    log.write(ev="start", t=time.time())
    stop_at = time.time() + a.seconds
    threads = [threading.Thread(target=burst_worker,
                                args=(a, w, log, initial, stop_at))
               for w in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    log.write(ev="end", t=time.time())
    return 0


def cmd_verify(a):
    with open(a.initial) as f:
        init = json.load(f)
    with open(a.after) as f:
        after = set(json.load(f)["names"])
    # expected: name -> True (must be there), False (must not), None (any)
    expect = {n: True for n in init["names"]}
    inflight = {}                  # worker -> name of its unanswered request
    answered = {"create": 0, "patch": 0, "delete": 0}
    problems = []
    with open(a.log) as f:
        for line in f:
            e = json.loads(line)
            ev = e.get("ev")
            if ev == "sent":
                inflight[e["w"]] = e["name"]
            elif ev == "done":
                inflight.pop(e["w"], None)
                n, st = e["name"], e["status"]
                if e["op"] == "create" and st == 201:
                    expect[n] = bool(e["persistent"])
                    answered["create"] += 1
                elif e["op"] == "patch" and st == 200:
                    expect[n] = bool(e["persistent"])
                    answered["patch"] += 1
                elif e["op"] == "delete" and st == 204:
                    expect[n] = False
                    answered["delete"] += 1
                else:
                    problems.append("unexpected answer %r" % e)
            elif ev == "unexpected":
                problems.append("unexpected status %r" % e)
            # "error" lines: the request stays in flight (unknown)
    unknown = set(inflight.values())
    for n in unknown:
        expect[n] = None
    missing = sorted(n for n, v in expect.items() if v is True
                     and n not in after)
    extra = sorted(n for n in after if expect.get(n) is False)
    stranger = sorted(n for n in after if n not in expect)
    print("answered: %d creates, %d patches, %d deletes; in flight: %s; "
          "expected present %d, absent %d; after restart %d rooms"
          % (answered["create"], answered["patch"], answered["delete"],
             sorted(unknown) or "none",
             sum(1 for v in expect.values() if v is True),
             sum(1 for v in expect.values() if v is False), len(after)))
    for n in missing:
        problems.append("persistent room %s (answered) missing after "
                        "restart" % n)
    for n in extra:
        problems.append("room %s present after restart, but it was "
                        "deleted or not persistent (answered)" % n)
    for n in stranger:
        problems.append("room %s present after restart, never created" % n)
    for p in problems:
        print("VIOLATION " + p)
    return 1 if problems else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("state")
    p.add_argument("url")
    p.add_argument("--token")
    p = sub.add_parser("names")
    p.add_argument("url")
    p.add_argument("--token")
    p.add_argument("--limit", type=int, default=100)
    p = sub.add_parser("sse")
    p.add_argument("file")
    p = sub.add_parser("metrics")
    p.add_argument("file")
    p = sub.add_parser("junk")
    p.add_argument("host")
    p.add_argument("port", type=int)
    p = sub.add_parser("burst")
    p.add_argument("host")
    p.add_argument("port", type=int)
    p.add_argument("--log", required=True)
    p.add_argument("--prefix", required=True)
    p.add_argument("--seed", required=True)
    p.add_argument("--initial")
    p.add_argument("--seconds", type=float, default=5)
    p = sub.add_parser("verify")
    p.add_argument("--initial", required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--after", required=True)
    a = ap.parse_args()
    fn = {"state": cmd_state, "names": cmd_names, "sse": cmd_sse,
          "metrics": cmd_metrics, "junk": cmd_junk, "burst": cmd_burst,
          "verify": cmd_verify}[a.cmd]
    sys.exit(fn(a) or 0)


if __name__ == "__main__":
    main()
