#!/bin/bash
# Container health check without curl: `staffprobot-healthcheck [PORT [PATH]]` asks
# http://127.0.0.1:PORT/PATH and succeeds on a 200. PORT defaults to HTTP_ADDR's port (8000),
# PATH to /health. Uses only bash's /dev/tcp, so the runtime image needs no HTTP client.
set -u
addr=${HTTP_ADDR:-0.0.0.0:8000}
port=${1:-${addr##*:}}
path=${2:-/health}
exec 3<>"/dev/tcp/127.0.0.1/${port}" || exit 1
printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' "$path" >&3
IFS= read -r -t 5 status <&3 || exit 1
[[ $status == HTTP/1.?" 200 "* ]]
