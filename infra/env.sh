# Ports, paths and credentials of the local servers; sourced by the other infra scripts and by CI.
FERRY_ROOT=${FERRY_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
FERRY_STATE=${FERRY_STATE:-$FERRY_ROOT/.local}
FERRY_DB_PASSWORD=${FERRY_DB_PASSWORD:-ferry}
# MariaDB source (binlog on) and destination; PostgreSQL for Ferry's own metadata.
FERRY_MARIADB_SOURCE_PORT=${FERRY_MARIADB_SOURCE_PORT:-3307}
FERRY_MARIADB_DEST_PORT=${FERRY_MARIADB_DEST_PORT:-3308}
FERRY_PG_META_PORT=${FERRY_PG_META_PORT:-5433}
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
export FERRY_ROOT FERRY_STATE FERRY_DB_PASSWORD FERRY_MARIADB_SOURCE_PORT FERRY_MARIADB_DEST_PORT FERRY_PG_META_PORT PG_BIN
export FERRY_TEST_MARIADB_SOURCE="Server=127.0.0.1;Port=$FERRY_MARIADB_SOURCE_PORT;User ID=root;Password=$FERRY_DB_PASSWORD"
export FERRY_TEST_MARIADB_DEST="Server=127.0.0.1;Port=$FERRY_MARIADB_DEST_PORT;User ID=root;Password=$FERRY_DB_PASSWORD"
export FERRY_TEST_PG_META="Host=127.0.0.1;Port=$FERRY_PG_META_PORT;Username=postgres;Password=$FERRY_DB_PASSWORD;Database=ferry"
