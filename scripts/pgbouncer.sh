#!/usr/bin/env bash
# Start a throwaway PgBouncer in transaction pooling in front of a PostgreSQL, for CI and for trying the
# app through a pooler locally (README, Deployment). Not a production configuration: it trusts every
# local client. Production runs the distribution's pgbouncer with its own auth_file/auth_query and TLS.
#
#   scripts/pgbouncer.sh start [DIR]   writes DIR/pgbouncer.ini, starts PgBouncer, prints its port
#   scripts/pgbouncer.sh stop  [DIR]   stops the PgBouncer started in DIR
#
# Environment: PGBOUNCER_PORT (default 6432, or the next free port above it), PGBOUNCER_UPSTREAM_HOST
# (127.0.0.1), PGBOUNCER_UPSTREAM_PORT (5432), PGBOUNCER_USER (postgres), PGBOUNCER_POOL_SIZE (40).
set -euo pipefail

command_=${1:-}
dir=${2:-${TMPDIR:-/tmp}/scheduler-pgbouncer}
bin=$(command -v pgbouncer || echo /usr/sbin/pgbouncer)

free_port() {
  local port=$1
  while (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
  echo "$port"
}

case "$command_" in
start)
  mkdir -p "$dir"
  port=$(free_port "${PGBOUNCER_PORT:-6432}")
  user=${PGBOUNCER_USER:-postgres}
  printf '"%s" ""\n' "$user" >"$dir/userlist.txt"
  cat >"$dir/pgbouncer.ini" <<INI
[databases]
; every database name (the app's and pytest's test_... one) goes to the same server, as the same user
* = host=${PGBOUNCER_UPSTREAM_HOST:-127.0.0.1} port=${PGBOUNCER_UPSTREAM_PORT:-5432} user=$user

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
unix_socket_dir =
pool_mode = transaction
auth_type = trust
auth_file = $dir/userlist.txt
max_client_conn = 500
default_pool_size = ${PGBOUNCER_POOL_SIZE:-40}
; pytest drops its test database at the end: idle server connections must not hold it open for long
server_idle_timeout = 5
; Django's SET TIME ZONE is safe: PgBouncer tracks TimeZone per client and restores it on each server
; connection it lends (like client_encoding, DateStyle, standard_conforming_strings, application_name).
logfile = $dir/pgbouncer.log
pidfile = $dir/pgbouncer.pid
admin_users = $user
INI
  # PgBouncer refuses to run as root (CI runs as root): then it runs as the database's system user.
  run_as=()
  if [[ $(id -u) -eq 0 ]]; then
    chown -R "${PGBOUNCER_SYSTEM_USER:-postgres}" "$dir"
    run_as=(runuser -u "${PGBOUNCER_SYSTEM_USER:-postgres}" --)
  fi
  "${run_as[@]}" "$bin" -d -q "$dir/pgbouncer.ini" </dev/null
  for _ in $(seq 50); do
    if (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      exit 0
    fi
    sleep 0.1
  done
  echo "PgBouncer did not start; see $dir/pgbouncer.log" >&2
  cat "$dir/pgbouncer.log" >&2 || true
  exit 1
  ;;
stop)
  if [[ -f "$dir/pgbouncer.pid" ]]; then
    kill "$(cat "$dir/pgbouncer.pid")" 2>/dev/null || true
  fi
  ;;
*)
  echo "usage: $0 start|stop [DIR]" >&2
  exit 2
  ;;
esac
