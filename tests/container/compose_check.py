#!/usr/bin/env python3
"""compose_check.py: check docker/compose.yml against the image.

The compose file must build docker/Dockerfile, require CHORUS_ADVERTISE
and CHORUS_API_TOKEN, publish SIP (UDP, TCP), the API and the same RTP
range it gives chorusd, and keep /var/lib/chorus in a named volume. Prints
what is wrong; exit status 1 if anything is.
"""
import os
import re
import sys

import yaml


def interpolate(text, env):
    """Compose-style ${VAR:-default} / ${VAR:?err} / ${VAR}, from env."""
    def one(m):
        name, op, arg = m.group(1), m.group(2), m.group(3)
        val = env.get(name)
        if op == ':?' and not val:
            raise KeyError(name)
        if op == ':-' and not val:
            return arg
        return val or ''
    return re.sub(r'\$\{([A-Z_]+)(?:(:[-?])([^}]*))?\}', one, text)


def main(path):
    errs = []
    root = os.path.dirname(os.path.dirname(os.path.abspath(path)))
    with open(path, encoding='utf-8') as f:
        text = f.read()

    try:
        interpolate(text, {})
        errs.append('no variable is required (want CHORUS_ADVERTISE, '
                    'CHORUS_API_TOKEN)')
    except KeyError:
        pass
    for need in ('CHORUS_ADVERTISE', 'CHORUS_API_TOKEN'):
        env = {'CHORUS_ADVERTISE': '192.0.2.7', 'CHORUS_API_TOKEN': 'x' * 24}
        del env[need]
        try:
            interpolate(text, env)
            errs.append(need + ' is not required')
        except KeyError:
            pass

    env = {'CHORUS_ADVERTISE': '192.0.2.7', 'CHORUS_API_TOKEN': 'x' * 24}
    svc = yaml.safe_load(interpolate(text, env))['services']['chorus']
    build = svc.get('build', {})
    dockerfile = os.path.join(os.path.dirname(path), build.get('context', '.'),
                              build.get('dockerfile', 'Dockerfile'))
    if not os.path.isfile(dockerfile):
        errs.append('build: no Dockerfile at ' + dockerfile)

    envs = dict(e.split('=', 1) if '=' in e else (e, None)
                for e in svc.get('environment', []))
    if envs.get('CHORUS_ADVERTISE') != '192.0.2.7':
        errs.append('CHORUS_ADVERTISE not passed on')
    rtp = envs.get('CHORUS_RTP_PORTS') or ''
    if not re.fullmatch(r'\d+-\d+', rtp):
        errs.append('CHORUS_RTP_PORTS has no default range')

    ports = [p.split(':', 1)[1] if p.count(':') == 2 else p
             for p in svc.get('ports', [])]
    for want in ('5060:5060/udp', '5060:5060/tcp', '8080:8080/tcp',
                 '%s:%s/udp' % (rtp, rtp)):
        if want not in ports:
            errs.append('port %s not published (have %s)' % (want, ports))

    if not any(v.endswith(':/var/lib/chorus') and not v.startswith(('/', '.'))
               for v in svc.get('volumes', [])):
        errs.append('no named volume on /var/lib/chorus')

    with open(os.path.join(root, 'docker', 'Dockerfile'),
              encoding='utf-8') as f:
        df = f.read()
    for want in ('VOLUME /var/lib/chorus', '5060/udp', '5060/tcp',
                 '8080/tcp', 'HEALTHCHECK'):
        if want not in df:
            errs.append('Dockerfile lacks ' + want)

    for e in errs:
        print('compose_check: ' + e)
    return 1 if errs else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1]))
