#!/bin/bash
# chorus-healthcheck: exit 0 when chorusd's GET /healthz answers 200.
# Bash's /dev/tcp does the request, so the image needs no HTTP client. The
# address comes from CHORUS_HTTP (a wildcard address means loopback).
addr=${CHORUS_HTTP:-127.0.0.1:8080}
port=${addr##*:}
host=${addr%:*}
host=${host#[}
host=${host%]}
case $host in
'' | 0.0.0.0) host=127.0.0.1 ;;
::) host=::1 ;;
esac

auth=
if [ -n "${CHORUS_API_TOKEN:-}" ]; then
	auth="Authorization: Bearer $CHORUS_API_TOKEN"$'\r\n'
fi

exec 3<>"/dev/tcp/$host/$port" || exit 1
printf 'GET /healthz HTTP/1.0\r\nHost: %s\r\n%sConnection: close\r\n\r\n' \
	"$host" "$auth" >&3
read -r -t 3 _ code _ <&3 || exit 1
[ "$code" = 200 ]
