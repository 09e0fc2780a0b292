#!/usr/bin/env bash
# Installs (apt, when missing) and starts Ferry's private local servers on loopback. Idempotent.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

install_packages() {
  local missing=()
  command -v mariadbd >/dev/null 2>&1 || missing+=(mariadb-server mariadb-client)
  [[ -x $PG_BIN/initdb ]] || missing+=(postgresql-15 postgresql-client-15)
  if ((${#missing[@]})); then
    echo "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # Debian's packages try to start their own services; ours run privately instead.
    apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
  # Stop the distribution's instances if apt started them: they are not ours and cost memory.
  if command -v service >/dev/null 2>&1; then
    service mariadb stop >/dev/null 2>&1 || true
    service postgresql stop >/dev/null 2>&1 || true
  fi
}

mariadb_up() { # name port time-zone charset [binlog: on|off]
  local name=$1 port=$2 tz=$3 charset=$4 binlog=${5:-on} dir=$FERRY_STATE/$1
  local sock=$dir/mysqld.sock
  if mariadb-admin --socket="$sock" -uroot -p"$FERRY_DB_PASSWORD" ping >/dev/null 2>&1; then
    echo "$name: already running on 127.0.0.1:$port"; return
  fi
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "$name: port $port is already taken by another server; stop it or choose another port (see infra/env.sh)" >&2
    exit 1
  fi
  mkdir -p "$dir/binlog"
  cat > "$dir/my.cnf" <<CNF
[mariadbd]
datadir=$dir/data
port=$port
bind-address=127.0.0.1
socket=$sock
pid-file=$dir/mariadbd.pid
log-error=$dir/error.log
user=root
skip-name-resolve
server-id=$port
$(if [[ $binlog == on ]]; then printf '%s\n' "log-bin=$dir/binlog/mariadb-bin" binlog_format=ROW binlog_row_image=FULL \
    binlog_row_metadata=FULL binlog_checksum=CRC32 expire_logs_days=7; fi)
local_infile=1
max_allowed_packet=1G
max_connections=500
innodb_buffer_pool_size=$([[ $binlog == on ]] && echo 1G || echo 64M)
innodb_log_file_size=512M
innodb_flush_log_at_trx_commit=2
sync_binlog=0
default_time_zone='$tz'
character_set_server=$charset
CNF
  if [[ ! -d $dir/data/mysql ]]; then
    mariadb-install-db --defaults-file="$dir/my.cnf" --user=root --datadir="$dir/data" \
      --auth-root-authentication-method=socket >"$dir/install.log" 2>&1
  fi
  nohup mariadbd --defaults-file="$dir/my.cnf" >/dev/null 2>&1 &
  for _ in $(seq 1 60); do
    if mariadb-admin --socket="$sock" -uroot ping >/dev/null 2>&1 \
       || mariadb-admin --socket="$sock" -uroot -p"$FERRY_DB_PASSWORD" ping >/dev/null 2>&1; then break; fi
    sleep 0.5
  done
  # The installer creates root without a password; give TCP root a password (idempotent).
  if mariadb --socket="$sock" -uroot -e "select 1" >/dev/null 2>&1; then
    mariadb --socket="$sock" -uroot <<SQL
CREATE OR REPLACE USER 'root'@'127.0.0.1' IDENTIFIED BY '$FERRY_DB_PASSWORD';
GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;
CREATE OR REPLACE USER 'root'@'localhost' IDENTIFIED BY '$FERRY_DB_PASSWORD';
GRANT ALL PRIVILEGES ON *.* TO 'root'@'localhost' WITH GRANT OPTION;
FLUSH PRIVILEGES;
SQL
  fi
  mariadb-admin --socket="$sock" -uroot -p"$FERRY_DB_PASSWORD" ping >/dev/null
  echo "$name: started on 127.0.0.1:$port (time zone $tz, charset $charset)"
}

pg_up() { # name port [time-zone] [extra postgresql.conf lines]
  local name=$1 port=$2 tz=${3:-UTC} extra=${4:-} dir=$FERRY_STATE/$1
  if [[ -f $dir/data/postmaster.pid ]] && runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
    echo "$name: already running on 127.0.0.1:$port"; return
  fi
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "$name: port $port is already taken by another server; stop it or choose another port (see infra/env.sh)" >&2
    exit 1
  fi
  mkdir -p "$dir"
  chown postgres:postgres "$dir"
  chmod o+x "$FERRY_STATE" "$FERRY_ROOT" 2>/dev/null || true
  if [[ ! -f $dir/data/PG_VERSION ]]; then
    printf '%s\n' "$FERRY_DB_PASSWORD" > "$dir/pwfile"; chown postgres "$dir/pwfile"
    runuser -u postgres -- "$PG_BIN/initdb" -D "$dir/data" -U postgres --pwfile="$dir/pwfile" \
      --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1
    rm -f "$dir/pwfile"
    cat >> "$dir/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
max_connections = 300
wal_level = logical
max_replication_slots = 20
max_wal_senders = 20
shared_buffers = 256MB
fsync = on
synchronous_commit = off
timezone = '$tz'
$extra
CONF
  fi
  runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w start >/dev/null
  echo "$name: started on 127.0.0.1:$port"
}

install_packages
mkdir -p "$FERRY_STATE"
mariadb_up mariadb-source "$FERRY_MARIADB_SOURCE_PORT" '+03:00' latin1
mariadb_up mariadb-dest "$FERRY_MARIADB_DEST_PORT" '-05:00' utf8mb4
# A server with the binlog off, for the prechecks that must refuse it as a source.
mariadb_up mariadb-nobinlog "$FERRY_MARIADB_NOBINLOG_PORT" '+00:00' utf8mb4 off
pg_up pg-meta "$FERRY_PG_META_PORT"
# Source and destination PostgreSQL: logical replication on both (the destination is the source of
# reverse sync), unlike time zones and date/interval styles, so nothing may rely on session defaults.
pg_up pg-source "$FERRY_PG_SOURCE_PORT" 'Asia/Tokyo' "datestyle = 'SQL, DMY'
intervalstyle = 'postgres_verbose'"
pg_up pg-dest "$FERRY_PG_DEST_PORT" 'America/New_York' "datestyle = 'German, DMY'
extra_float_digits = 0"
PGPASSWORD=$FERRY_DB_PASSWORD psql -h 127.0.0.1 -p "$FERRY_PG_META_PORT" -U postgres -tAc \
  "select 1 from pg_database where datname='ferry'" | grep -q 1 \
  || PGPASSWORD=$FERRY_DB_PASSWORD psql -h 127.0.0.1 -p "$FERRY_PG_META_PORT" -U postgres -qc "create database ferry"

cat <<INFO

Connection strings:
  MariaDB source      $FERRY_TEST_MARIADB_SOURCE
  MariaDB destination $FERRY_TEST_MARIADB_DEST
  MariaDB, binlog off $FERRY_TEST_MARIADB_NOBINLOG
  Ferry metadata (PG) $FERRY_TEST_PG_META
  PostgreSQL source   $FERRY_TEST_PG_SOURCE
  PostgreSQL dest     $FERRY_TEST_PG_DEST
INFO
