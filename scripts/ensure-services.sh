#!/usr/bin/env bash
# `make test` needs PostgreSQL and Redis answering on 127.0.0.1 and Chromium for the browser tests.
# Starts a server that is installed but stopped; fails clearly when something is not installed.
set -euo pipefail

die() { echo "ensure-services: $*" >&2; exit 1; }

port_open() {  # fallback when the client tools are missing
  python3 -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 2).close()' "$1" 2>/dev/null
}
postgres_up() {
  if command -v pg_isready >/dev/null; then pg_isready -q -h 127.0.0.1 -p 5432; else port_open 5432; fi
}
redis_up() {
  if command -v redis-cli >/dev/null; then [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = PONG ]
  else port_open 6379; fi
}
wait_until() {  # wait_until NAME CHECK: up to 30 s
  for _ in $(seq 30); do "$2" && return 0; sleep 1; done
  die "$1 was started but does not answer on 127.0.0.1 after 30 s."
}

if postgres_up; then
  echo "PostgreSQL answers on 127.0.0.1:5432."
elif command -v pg_ctlcluster >/dev/null && [ -n "$(ls /etc/postgresql 2>/dev/null)" ]; then
  echo "PostgreSQL does not answer; starting it."
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -n1)" main start
  wait_until PostgreSQL postgres_up
else
  die "PostgreSQL is not installed. Install it (as root: apt-get install -y postgresql) and allow trust
auth for user postgres on 127.0.0.1:5432, or point DATABASE_URL at another server."
fi

if redis_up; then
  echo "Redis answers on 127.0.0.1:6379."
elif command -v redis-server >/dev/null; then
  echo "Redis does not answer; starting it."
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  wait_until Redis redis_up
else
  die "Redis is not installed. Install it (as root: apt-get install -y redis-server)."
fi

if [ -x /usr/bin/chromium ]; then
  echo "Chromium: /usr/bin/chromium."
elif [ "$(id -u)" = 0 ]; then
  echo "Chromium is missing; installing Debian's chromium package."
  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium
else
  die "/usr/bin/chromium is missing and this is not root. As root run: apt-get update && apt-get install -y chromium"
fi

# The real-Alertmanager end-to-end test (alerts/tests/test_alertmanager_e2e.py) runs Debian's package.
if command -v prometheus-alertmanager >/dev/null && command -v amtool >/dev/null; then
  echo "Alertmanager: $(command -v prometheus-alertmanager)."
elif [ "$(id -u)" = 0 ]; then
  echo "Alertmanager is missing; installing Debian's prometheus-alertmanager package."
  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends prometheus-alertmanager
else
  die "prometheus-alertmanager is missing and this is not root. As root run: apt-get update && apt-get install -y prometheus-alertmanager"
fi
