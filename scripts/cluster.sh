#!/usr/bin/env bash
# Scale-out on one machine, on loopback: a PostgreSQL primary, its streaming replica (hot standby),
# optionally pgbouncer (transaction mode) in front of the primary, two app nodes (gunicorn, 2 workers
# × 4 threads each, as `make serve`, plus each its background worker) and nginx in front of both.
# Everything lives under var/cluster (git-ignored); nothing of the system's nginx, pgbouncer or
# PostgreSQL services is touched, nor the project's own cluster of scripts/setup.sh.
#
# Usage: scripts/cluster.sh start | stop | status | url
#        scripts/cluster.sh node-stop N | node-kill N | node-start N | replica-stop |
#                           replica-start | primary-restart | worker-kill N     (the faults scripts/faults.py plays)
#
# Settings (environment): CLUSTER_PORT (nginx, default 18080; the others follow it: primary +352,
# replica +353, pgbouncer +354, nodes -29 and -28, i.e. 18432, 18433, 18434, 18051, 18052),
# PGBOUNCER=1 (the app nodes write through pgbouncer), CLUSTER_SAMPLE (the demo data's options,
# default "--days 7"), WORKERS, THREADS.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"  # python -m geodata, from anywhere
dir="$repo/var/cluster"
run="$dir/run"
# Below the kernel's ephemeral range (32768-60999), where a client's own end of a connection may
# hold a port just when a server here wants it.
port="${CLUSTER_PORT:-18080}"
pg_primary=$((port + 352))
pg_replica=$((port + 353))
pg_bouncer=$((port + 354))
nodes=($((port - 29)) $((port - 28)))
workers="${WORKERS:-2}"
threads="${THREADS:-4}"
venv="$repo/.venv"
owner=cantho

export PGOPTIONS="-c client_min_messages=warning"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }
pgbin() { echo "/usr/lib/postgresql/$(ls /usr/lib/postgresql | sort -n | tail -n 1)/bin"; }
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
psql_su() {  # psql_su PORT DB ARGS...: the cluster's superuser over its private socket
  local p=$1 d=$2; shift 2
  as_pg "$(pgbin)/psql" -X -q -At -v ON_ERROR_STOP=1 -h "$run" -p "$p" -d "$d" "$@"
}
pidof_file() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null && cat "$1"; }
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
password() { cat "$dir/password"; }
primary_url() { echo "postgresql+psycopg://$owner:$(password)@127.0.0.1:$pg_primary/cantho"; }
replica_url() { echo "postgresql+psycopg://$owner:$(password)@127.0.0.1:$pg_replica/cantho"; }
write_url() {
  if [ "${PGBOUNCER:-0}" = 1 ]; then
    echo "postgresql+psycopg://$owner:$(password)@127.0.0.1:$pg_bouncer/cantho"
  else primary_url; fi
}

# pgbouncer 1.18 (Debian 12) in transaction mode cannot keep a server-side prepared statement
# across transactions: psycopg must not prepare any through it.
prepare() { if [ "${PGBOUNCER:-0}" = 1 ]; then echo false; else echo true; fi; }

pg_start() {  # pg_start NAME PORT [OPTIONS]
  local name=$1 p=$2; shift 2
  as_pg "$(pgbin)/pg_ctl" -D "$dir/$name" -l "$dir/$name.log" -w -t 120 \
    -o "-c listen_addresses=127.0.0.1 -p $p -k $run $*" start >/dev/null ||
    die "PostgreSQL ($name) did not start: $(tail -n 5 "$dir/$name.log")"
}
pg_stop() {  # pg_stop NAME [MODE]
  as_pg "$(pgbin)/pg_ctl" -D "$dir/$1" -w -m "${2:-fast}" stop >/dev/null 2>&1 || true
}
# The replica keeps what its readers still read (hot_standby_feedback), so that the primary's
# vacuum does not cancel a long map query there.
replica_options="-c max_connections=200 -c hot_standby=on -c hot_standby_feedback=on"

start_primary() {
  mkdir -p "$dir" "$run"
  [ "$(id -u)" -eq 0 ] && chown postgres: "$dir" "$run"
  if [ ! -f "$dir/primary/PG_VERSION" ]; then
    say "creating the primary in $dir/primary (127.0.0.1:$pg_primary)"
    as_pg "$(pgbin)/initdb" -D "$dir/primary" -U postgres --auth-local=peer \
      --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  as_pg "$(pgbin)/pg_ctl" -D "$dir/primary" status >/dev/null 2>&1 || {
    say "starting the primary on 127.0.0.1:$pg_primary"
    pg_start primary "$pg_primary" "-c max_connections=200"
  }
  if [ ! -s "$dir/password" ]; then
    (umask 077; od -An -N18 -tx1 /dev/urandom | tr -d ' \n' >"$dir/password")
  fi
  psql_su "$pg_primary" postgres -c "DO \$\$BEGIN
      IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$owner') THEN
        CREATE ROLE $owner LOGIN CREATEDB; END IF;
      IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${owner}_public') THEN
        CREATE ROLE ${owner}_public NOLOGIN NOBYPASSRLS; END IF;
      IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${owner}_ward') THEN
        CREATE ROLE ${owner}_ward NOLOGIN NOBYPASSRLS; END IF;
    END\$\$;" -c "ALTER ROLE $owner PASSWORD '$(password)'" \
    -c "GRANT ${owner}_public, ${owner}_ward TO $owner" >/dev/null
  if [ -z "$(psql_su "$pg_primary" postgres -c "SELECT 1 FROM pg_database WHERE datname = 'cantho'")" ]; then
    psql_su "$pg_primary" postgres -c "CREATE DATABASE cantho OWNER $owner"
  fi
  psql_su "$pg_primary" cantho -c "CREATE EXTENSION IF NOT EXISTS postgis" \
    -c "CREATE EXTENSION IF NOT EXISTS btree_gist"
  say "migrating, and the demo data if the database has none"
  DATABASE_URL=$(primary_url) "$venv/bin/python" -m geodata db upgrade >/dev/null
  # shellcheck disable=SC2086  # the options are words
  DATABASE_URL=$(primary_url) "$venv/bin/python" -m geodata sample --if-empty ${CLUSTER_SAMPLE:---days 7}
}

start_replica() {
  if [ ! -f "$dir/replica/PG_VERSION" ]; then
    say "making the streaming replica in $dir/replica (pg_basebackup -R)"
    as_pg "$(pgbin)/pg_basebackup" -D "$dir/replica" -R -X stream -c fast -h "$run" \
      -p "$pg_primary" -U postgres
  fi
  # The primary's port as it is now (pg_basebackup -R wrote the one of the day it ran).
  sed -i "s/ port=[0-9]* / port=$pg_primary /" "$dir/replica/postgresql.auto.conf"
  as_pg "$(pgbin)/pg_ctl" -D "$dir/replica" status >/dev/null 2>&1 || {
    say "starting the replica on 127.0.0.1:$pg_replica"
    pg_start replica "$pg_replica" "$replica_options"
  }
}

start_pgbouncer() {
  [ "${PGBOUNCER:-0}" = 1 ] || return 0
  pidof_file "$dir/pgbouncer.pid" >/dev/null && return 0
  say "starting pgbouncer (transaction mode) on 127.0.0.1:$pg_bouncer"
  (umask 077; printf '"%s" "%s"\n' "$owner" "$(password)" >"$dir/pgbouncer.users")
  cat >"$dir/pgbouncer.ini" <<EOF
[databases]
cantho = host=127.0.0.1 port=$pg_primary dbname=cantho
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $pg_bouncer
unix_socket_dir =
auth_type = scram-sha-256
auth_file = $dir/pgbouncer.users
pool_mode = transaction
default_pool_size = ${PGBOUNCER_POOL:-20}
max_client_conn = 1000
server_reset_query =
ignore_startup_parameters = extra_float_digits,options
logfile = $dir/pgbouncer.log
pidfile = $dir/pgbouncer.pid
EOF
  [ "$(id -u)" -eq 0 ] && chown postgres: "$dir/pgbouncer.ini" "$dir/pgbouncer.users"
  as_pg /usr/sbin/pgbouncer -d "$dir/pgbouncer.ini"
  local i
  for i in $(seq 1 50); do listening "$pg_bouncer" && return 0; sleep 0.1; done
  die "pgbouncer did not start: $(tail -n 3 "$dir/pgbouncer.log")"
}

node_start() {  # node_start N (1 or 2)
  local n=$1 p=${nodes[$(($1 - 1))]}
  if ! pidof_file "$dir/node$n.pid" >/dev/null; then
    listening "$p" && die "something already listens on 127.0.0.1:$p"
    say "starting app node $n on 127.0.0.1:$p ($workers workers × $threads threads) and its worker"
    env DATABASE_URL="$(write_url)" CANTHO_READ_DATABASE_URL="$(replica_url)" \
      CANTHO_PROXY_COUNT=1 CANTHO_PUBLIC_URL="http://127.0.0.1:$port" \
      CANTHO_DATABASE_PREPARE="$(prepare)" \
      setsid "$venv/bin/gunicorn" --chdir "$repo" --workers "$workers" --threads "$threads" \
      --bind "127.0.0.1:$p" --pid "$dir/node$n.pid" --graceful-timeout 30 \
      --control-socket "$run/node$n.ctl" --keep-alive 75 \
      --access-logfile "$dir/node$n-access.log" --error-logfile "$dir/node$n.log" \
      app:server </dev/null >/dev/null 2>>"$dir/node$n.log" &
  fi
  if ! pidof_file "$dir/worker$n.pid" >/dev/null; then
    DATABASE_URL="$(write_url)" CANTHO_DATABASE_PREPARE="$(prepare)" \
      setsid "$venv/bin/python" -m geodata worker </dev/null >>"$dir/worker$n.log" 2>&1 &
    echo $! >"$dir/worker$n.pid"
  fi
  local i
  for i in $(seq 1 120); do
    curl -sf -o /dev/null "http://127.0.0.1:$p/" && return 0
    sleep 0.5
  done
  die "app node $n did not answer: $(tail -n 5 "$dir/node$n.log")"
}

node_stop() {  # node_stop N: gunicorn's graceful stop (requests in flight finish), and its worker
  local n=$1 pid f
  for f in "$dir/node$n.pid" "$dir/worker$n.pid"; do
    if pid=$(pidof_file "$f"); then
      kill -TERM "$pid"
      while kill -0 "$pid" 2>/dev/null; do sleep 0.2; done
    fi
    rm -f "$f"
  done
}

start_nginx() {
  pidof_file "$dir/nginx/nginx.pid" >/dev/null && return 0
  local user=""
  mkdir -p "$dir/nginx/tmp" "$dir/nginx/logs"
  if [ "$(id -u)" -eq 0 ]; then user="user www-data;"; chown -R www-data: "$dir/nginx/tmp"; fi
  cat >"$dir/nginx/nginx.conf" <<EOF
# Generated by scripts/cluster.sh: nginx in front of the two app nodes, on loopback only.
$user
worker_processes 2;
pid $dir/nginx/nginx.pid;
error_log $dir/nginx/logs/error.log warn;
events { worker_connections 2048; }
http {
  access_log $dir/nginx/logs/access.log;
  client_body_temp_path $dir/nginx/tmp/body;
  proxy_temp_path $dir/nginx/tmp/proxy;
  fastcgi_temp_path $dir/nginx/tmp/fastcgi;
  uwsgi_temp_path $dir/nginx/tmp/uwsgi;
  scgi_temp_path $dir/nginx/tmp/scgi;
  client_max_body_size 12m;  # the largest photo upload and sensor batch, with room
  upstream cantho {
    # A node that refuses is left out for 5 s; the other takes its requests meanwhile.
    server 127.0.0.1:${nodes[0]} max_fails=1 fail_timeout=5s;
    server 127.0.0.1:${nodes[1]} max_fails=1 fail_timeout=5s;
    keepalive 32;
    # Shorter than the nodes' own (gunicorn --keep-alive 75): nginx never sends a request on a
    # connection the node is just closing (a POST lost that way would not be retried).
    keepalive_timeout 30s;
  }
  server {
    listen 127.0.0.1:$port;
    # Every location below inherits these (it sets none of its own).
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    proxy_set_header Host \$http_host;
    # The app believes exactly one proxy (CANTHO_PROXY_COUNT=1): this one.
    proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
    proxy_set_header X-Forwarded-Proto \$scheme;
    # Which node answered (after any retry: "a, b"): scripts/faults.py reports it.
    add_header X-Upstream \$upstream_addr always;
    proxy_next_upstream_tries 2;
    proxy_connect_timeout 2s;
    proxy_read_timeout 120s;
    location / {
      proxy_pass http://cantho;
      # To the other node when one refuses, resets or answers 502/503. nginx does this for any
      # request not yet sent to a node, and once sent only for idempotent methods (GET, HEAD,
      # PUT, DELETE...): a POST cut off in flight is the client's to retry, except the two
      # kinds below.
      proxy_next_upstream error timeout http_502 http_503;
    }
    # POSTs that may be sent twice, so nginx may pass them to the other node even when the first
    # may have received them: sensor batches (a reading already stored is not stored again) and
    # Dash callbacks (they read; the one write, a refusal's audit entry, is kept once).
    location ~ ^/(api/v1/observations|_dash-update-component)\$ {
      proxy_pass http://cantho;
      proxy_next_upstream error timeout http_502 http_503 non_idempotent;
    }
  }
}
EOF
  say "starting nginx on http://127.0.0.1:$port (upstream: ${nodes[*]})"
  /usr/sbin/nginx -q -t -c "$dir/nginx/nginx.conf" -p "$dir/nginx" 2>"$dir/nginx/logs/test.log" ||
    die "nginx configuration refused: $(cat "$dir/nginx/logs/test.log")"
  /usr/sbin/nginx -c "$dir/nginx/nginx.conf" -p "$dir/nginx"
}

stop_nginx() {
  local pid
  if pid=$(pidof_file "$dir/nginx/nginx.pid"); then
    /usr/sbin/nginx -c "$dir/nginx/nginx.conf" -p "$dir/nginx" -s quit
    while kill -0 "$pid" 2>/dev/null; do sleep 0.2; done
  fi
}

cmd_start() {
  bash "$repo/scripts/setup.sh" system system-cluster venv
  start_primary
  start_replica
  start_pgbouncer
  node_start 1
  node_start 2
  start_nginx
  say "up: http://127.0.0.1:$port  (nodes ${nodes[*]}, primary $pg_primary, replica $pg_replica$(
    [ "${PGBOUNCER:-0}" = 1 ] && echo ", pgbouncer $pg_bouncer"))"
  echo "    DATABASE_URL=$(primary_url | sed 's/:[^:@]*@/:***@/')  (the file var/cluster/password)"
  echo "    logs: var/cluster/*.log, var/cluster/nginx/logs/; stop: scripts/cluster.sh stop"
}

cmd_stop() {
  stop_nginx
  node_stop 1
  node_stop 2
  local pid
  if pid=$(pidof_file "$dir/pgbouncer.pid"); then
    kill -TERM "$pid"
    while kill -0 "$pid" 2>/dev/null; do sleep 0.2; done
  fi
  [ -f "$dir/replica/PG_VERSION" ] && pg_stop replica
  [ -f "$dir/primary/PG_VERSION" ] && pg_stop primary
  say "stopped"
}

cmd_status() {
  local what pid
  for what in nginx/nginx node1 worker1 node2 worker2 pgbouncer; do
    if pid=$(pidof_file "$dir/$what.pid"); then echo "$what: running (pid $pid)"
    else echo "$what: stopped"; fi
  done
  for what in primary replica; do
    if as_pg "$(pgbin)/pg_ctl" -D "$dir/$what" status >/dev/null 2>&1; then
      echo "$what: running"; else echo "$what: stopped"; fi
  done
  if listening "$pg_replica"; then
    psql_su "$pg_replica" postgres -c "SELECT 'replica in recovery: ' || pg_is_in_recovery() ||
      ', replayed up to ' || coalesce(now() - pg_last_xact_replay_timestamp(), '0')::text || ' ago'"
  fi
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  url) primary_url ;;  # the primary's URL (for scripts/faults.py and the crowd test)
  node-stop) node_stop "$2" ;;
  node-start) node_start "$2" ;;
  replica-stop) pg_stop replica immediate ;;
  replica-start) start_replica ;;
  primary-restart) pg_stop primary fast; pg_start primary "$pg_primary" "-c max_connections=200" ;;
  node-kill)  # node N's gunicorn (master and workers) and its worker, with SIGKILL
    for f in "$dir/node$2.pid" "$dir/worker$2.pid"; do
      # Each was started with setsid: its process group is it and its children.
      if pid=$(pidof_file "$f"); then kill -KILL -- "-$pid"; fi
      rm -f "$f"
    done ;;
  worker-kill)  # one gunicorn worker of node N, with SIGKILL (its master starts another)
    master=$(pidof_file "$dir/node$2.pid") || die "node $2 is not running"
    victim=$(pgrep -P "$master" | head -n 1)
    [ -n "$victim" ] || die "node $2 has no worker"
    kill -KILL "$victim" && echo "$victim" ;;
  *) die "usage: $0 start | stop | status | node-stop N | node-start N | replica-stop |
       replica-start | primary-restart | worker-kill N | node-kill N | url" ;;
esac
