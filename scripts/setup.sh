#!/usr/bin/env bash
# Set-up steps behind `make run` and `make test`. Each step checks before it acts, so running it twice
# is quick and harmless. Usage: scripts/setup.sh STEP...  (system | system-browser | system-cluster |
# system-backup | venv | venv-dev | db | dburl | template | backup)
#
# The project-local PostgreSQL cluster lives under var/pgdata (see cluster_root), listens on
# 127.0.0.1:$CANTHO_PGPORT only, and runs as the unprivileged `postgres` user when this script runs
# as root (PostgreSQL refuses root).
# When DATABASE_URL is set the caller brings its own database and no cluster is started.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
var="$repo/var"
pgport="${CANTHO_PGPORT:-54329}"
dbname="${CANTHO_DBNAME:-cantho}"
dbuser="cantho"
venv="$repo/.venv"
python="${PYTHON:-python3}"

export PGOPTIONS="-c client_min_messages=warning"  # no "already exists, skipping" notices

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# --- system packages -------------------------------------------------------------------------------
apt_install() {
  # Install the Debian packages named that are not installed yet.
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if ! command -v apt-get >/dev/null; then
    die "this system has no apt-get. Install these yourself (or their equivalents): ${missing[*]}
       - PostgreSQL 15+ with PostGIS 3, Python 3.11+ with venv; Chromium + chromedriver and gdal-bin for tests;
       or point DATABASE_URL at an existing PostGIS database."
  fi
  say "installing system packages: ${missing[*]}"
  local stamp="$var/apt-updated"
  mkdir -p "$var"
  if [ ! -f "$stamp" ] || [ -n "$(find "$stamp" -mmin +1440 2>/dev/null)" ]; then
    as_root apt-get update -qq >"$var/apt.log" 2>&1 || { cat "$var/apt.log" >&2; die "apt-get update failed"; }
    touch "$stamp"
  fi
  # dpkg's chatter goes to a log; on failure its end is shown.
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >"$var/apt.log" 2>&1 || { tail -n 30 "$var/apt.log" >&2; die "apt-get failed"; }
}

pg_version() {
  # Major version of the newest PostgreSQL server installed.
  ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -n 1
}

step_system() {
  local pkgs=(ca-certificates)
  "$python" -m venv --help >/dev/null 2>&1 || pkgs+=(python3-venv)
  if [ -z "${DATABASE_URL:-}" ]; then
    pkgs+=(postgresql postgresql-contrib)
  fi
  apt_install "${pkgs[@]}"
  if [ -z "${DATABASE_URL:-}" ]; then
    local v; v=$(pg_version)
    [ -n "$v" ] || die "PostgreSQL server binaries not found under /usr/lib/postgresql"
    apt_install "postgresql-$v-postgis-3"
  fi
}

step_system_browser() {
  # What the tests drive besides Python: Chromium and its driver (Debian names them chromium /
  # chromium-driver), and GDAL's command-line tools (a real OGC API client: ogrinfo).
  local pkgs=()
  command -v chromium >/dev/null || pkgs+=(chromium)
  command -v chromedriver >/dev/null || pkgs+=(chromium-driver)
  command -v ogrinfo >/dev/null || pkgs+=(gdal-bin)
  [ ${#pkgs[@]} -eq 0 ] || apt_install "${pkgs[@]}"
}

step_system_cluster() {
  # What scripts/cluster.sh runs besides PostgreSQL and the app: nginx in front of the app nodes
  # and pgbouncer in front of the primary (Debian's packages; their own services are not used:
  # the script runs each from a configuration of its own under var/cluster).
  local pkgs=()
  command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || pkgs+=(nginx)
  command -v pgbouncer >/dev/null || [ -x /usr/sbin/pgbouncer ] || pkgs+=(pgbouncer)
  [ ${#pkgs[@]} -eq 0 ] || apt_install "${pkgs[@]}"
}

step_system_backup() {
  # pgBackRest (Debian's package) for `make backup` and the restore drill in the tests. Its own
  # /etc/pgbackrest.conf is never read: the project writes its own configuration.
  command -v pgbackrest >/dev/null || apt_install pgbackrest
}

# --- Python environment ----------------------------------------------------------------------------
venv_install() {
  # One stamp per set of requirement files, so `make run` after `make test` installs nothing.
  local reqs=("$@") want stamp
  want=$(cat "${reqs[@]/#/$repo/}" | sha256sum | cut -c1-16)
  stamp="$venv/.installed-$want"
  [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && return 0
  [ -x "$venv/bin/python" ] || { say "creating .venv"; "$python" -m venv "$venv"; }
  say "installing Python packages from ${reqs[*]}"
  "$venv/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip
  local args=(); for r in "${reqs[@]}"; do args+=(-r "$repo/$r"); done
  "$venv/bin/python" -m pip install -q --disable-pip-version-check "${args[@]}"
  touch "$stamp"
}

nodeps_install() {
  # Packages whose own pins are stale: installed alone, on what the other files brought.
  local file="$1" want stamp
  want=$(sha256sum "$repo/$file" | cut -c1-16)
  stamp="$venv/.installed-nodeps-$want"
  [ -f "$stamp" ] && return 0
  say "installing Python packages from $file (without their dependencies)"
  "$venv/bin/python" -m pip install -q --disable-pip-version-check --no-deps -r "$repo/$file"
  touch "$stamp"
}

step_venv() { venv_install requirements.txt; }
step_venv_dev() {
  venv_install requirements.txt requirements-dev.txt
  nodeps_install requirements-dev-nodeps.txt
}

# --- the project-local PostgreSQL cluster ----------------------------------------------------------
pg_user() { if [ "$(id -u)" -eq 0 ]; then echo postgres; else id -un; fi; }

cluster_root() {
  # Where the cluster's files live: var/ in the repo, unless we run as root and the postgres user
  # cannot reach the repo (a clone under /root, say); then a folder of its own under /var/lib.
  if [ "$(id -u)" -eq 0 ] && ! runuser -u postgres -- test -x "$repo"; then
    echo "/var/lib/cantho-ioc/$(printf %s "$repo" | sha1sum | cut -c1-12)"
  else
    echo "$var"
  fi
}

as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

psql_admin() {
  # psql as the cluster's superuser over the private Unix socket.
  as_pg "/usr/lib/postgresql/$(pg_version)/bin/psql" -X -q -v ON_ERROR_STOP=1 \
    -h "$(cluster_root)/run" -p "$pgport" -d postgres "$@"
}

step_db() {
  if [ -n "${DATABASE_URL:-}" ]; then
    say "DATABASE_URL is set: using it, no local cluster"
    return 0
  fi
  local bin root pgdata
  bin="/usr/lib/postgresql/$(pg_version)/bin"
  root=$(cluster_root)
  pgdata="$root/pgdata"
  mkdir -p "$root/run" "$pgdata" "$var"
  touch "$root/postgres.log"
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres: "$root/run" "$pgdata" "$root/postgres.log"
  fi
  chmod 700 "$pgdata"
  if [ ! -f "$pgdata/PG_VERSION" ]; then
    say "creating the local PostgreSQL cluster in $pgdata (port $pgport, 127.0.0.1 only)"
    as_pg "$bin/initdb" -D "$pgdata" -U "$(pg_user)" --auth-local=peer --auth-host=scram-sha-256 \
      -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  if ! as_pg "$bin/pg_ctl" -D "$pgdata" status >/dev/null 2>&1; then
    say "starting PostgreSQL on 127.0.0.1:$pgport"
    as_pg "$bin/pg_ctl" -D "$pgdata" -l "$root/postgres.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $pgport -k $root/run" start >/dev/null ||
      die "PostgreSQL did not start (is port $pgport taken? CANTHO_PGPORT picks another):
$(tail -n 5 "$root/postgres.log")"
  fi
  # The application's role and password, made once; the URL is kept in var/ (not in git).
  if [ ! -s "$var/database_url" ]; then
    local pw; pw=$(od -An -N18 -tx1 /dev/urandom | tr -d ' \n')
    psql_admin -c "DO \$\$BEGIN
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$dbuser') THEN
          CREATE ROLE $dbuser LOGIN CREATEDB;
        END IF;
      END\$\$;" -c "ALTER ROLE $dbuser PASSWORD '$pw'"
    (umask 077; echo "postgresql+psycopg://$dbuser:$pw@127.0.0.1:$pgport/$dbname" > "$var/database_url")
  fi
  # Reader roles the app switches to for the public and ward staff (migration 0005): no login,
  # no BYPASSRLS, granted to the app role so it may SET ROLE to them for one transaction.
  psql_admin -c "DO \$\$BEGIN
      IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${dbuser}_public') THEN
        CREATE ROLE ${dbuser}_public NOLOGIN NOBYPASSRLS;
      END IF;
      IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${dbuser}_ward') THEN
        CREATE ROLE ${dbuser}_ward NOLOGIN NOBYPASSRLS;
      END IF;
    END\$\$;" -c "GRANT ${dbuser}_public, ${dbuser}_ward TO $dbuser" >/dev/null
  ensure_database "$dbname"
  step_template
  # Retention's default archive folder (a folder set by CANTHO_RETENTION_ARCHIVE_DIR is a disk
  # or share of its own: it must exist already, so an unmounted one is refused, not filled).
  [ -n "${CANTHO_RETENTION_ARCHIVE_DIR:-}" ] || mkdir -p "$var/archive"
}

ensure_database() {
  # Create database $1 owned by the app role with PostGIS, unless it exists.
  local name=$1
  if ! psql_admin -tAc "SELECT 1 FROM pg_database WHERE datname = '$name'" | grep -q 1; then
    say "creating database $name"
    psql_admin -c "CREATE DATABASE $name OWNER $dbuser"
  fi
  # Extensions need a superuser; the migrations only check that they are there.
  as_pg "/usr/lib/postgresql/$(pg_version)/bin/psql" -X -q -v ON_ERROR_STOP=1 \
    -h "$(cluster_root)/run" -p "$pgport" -d "$name" -c "CREATE EXTENSION IF NOT EXISTS postgis" \
    -c "CREATE EXTENSION IF NOT EXISTS btree_gist"
}

step_template() {
  # A template with the extensions installed, so tests can create throw-away databases quickly.
  [ -n "${DATABASE_URL:-}" ] && return 0
  ensure_database cantho_template
  psql_admin -c "ALTER DATABASE cantho_template WITH IS_TEMPLATE true" >/dev/null
}

step_backup() {
  # Continuous backup of the local cluster (README, "Backups and restore"): WAL archiving on (a
  # restart only the first time), the stanza made, then a base backup (full the first time,
  # differential after). The repository is CANTHO_BACKUP_REPO (default: beside the cluster).
  local root; root=$(cluster_root)
  if [ -n "${DATABASE_URL:-}" ] && [ -z "${CANTHO_BACKUP_PGDATA:-}" ]; then
    die "DATABASE_URL is set: name the cluster to back up with CANTHO_BACKUP_PGDATA (its data
       directory), CANTHO_BACKUP_PGSOCKET (its socket folder) and CANTHO_BACKUP_PGUSER"
  fi
  export CANTHO_BACKUP_PGDATA="${CANTHO_BACKUP_PGDATA:-$root/pgdata}"
  export CANTHO_BACKUP_PGSOCKET="${CANTHO_BACKUP_PGSOCKET:-$root/run}"
  export CANTHO_BACKUP_STATE="${CANTHO_BACKUP_STATE:-$root/backup}"
  [ "$root" = "$var" ] || export CANTHO_BACKUP_REPO="${CANTHO_BACKUP_REPO:-$root/backup/repo}"
  export DATABASE_URL; DATABASE_URL=$(step_dburl)
  say "setting up backups (pgBackRest)"
  "$venv/bin/python" -m geodata backup setup
  say "taking a base backup"
  "$venv/bin/python" -m geodata backup run --type diff
}

step_dburl() {
  # Print the database URL the app should use.
  if [ -n "${DATABASE_URL:-}" ]; then echo "$DATABASE_URL"; else cat "$var/database_url"; fi
}

[ $# -gt 0 ] || die "usage: $0 STEP..."
for step in "$@"; do
  fn="step_${step//-/_}"
  declare -F "$fn" >/dev/null || die "unknown step: $step"
  "$fn"
done
