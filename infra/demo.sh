#!/usr/bin/env bash
# Brings up the local servers and a Ferry node, seeds a demo shop database in the MariaDB source,
# and starts a MariaDB → MariaDB migration through the REST API.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
command -v dotnet >/dev/null || { echo "the .NET 10 SDK is needed (dotnet on PATH)"; exit 1; }
bash infra/up.sh
source infra/env.sh
FERRY_PORT=${FERRY_PORT:-8080}
FERRY_ADMIN_KEY=${FERRY_ADMIN_KEY:-demo-admin-key}
export FERRY_ADMIN_KEY
api=http://127.0.0.1:$FERRY_PORT
node_dir=$FERRY_STATE/ferry-node
mkdir -p "$node_dir"

# A previous demo node is replaced by a freshly built one.
if [[ -f $node_dir/pid ]] && kill -0 "$(cat "$node_dir/pid")" 2>/dev/null; then
  kill "$(cat "$node_dir/pid")"; sleep 2
fi
echo "building Ferry"
dotnet build src/Ferry.Host -c Release -nologo -v quiet
nohup dotnet src/Ferry.Host/bin/Release/net10.0/Ferry.Host.dll --urls "$api" >"$node_dir/node.log" 2>&1 &
echo $! > "$node_dir/pid"
for _ in $(seq 1 120); do curl -sf "$api/readyz" >/dev/null && break; sleep 0.5; done
curl -sf "$api/readyz" >/dev/null || { echo "Ferry did not start; see $node_dir/node.log"; exit 1; }
echo "Ferry node ready at $api (log: $node_dir/node.log)"

src() { mariadb --default-character-set=utf8mb4 -h127.0.0.1 -P"$FERRY_MARIADB_SOURCE_PORT" -uroot -p"$FERRY_DB_PASSWORD" "$@"; }
dst() { mariadb --default-character-set=utf8mb4 -h127.0.0.1 -P"$FERRY_MARIADB_DEST_PORT" -uroot -p"$FERRY_DB_PASSWORD" "$@"; }
dst -e "DROP DATABASE IF EXISTS demo_shop"
src <<'SQL'
DROP DATABASE IF EXISTS demo_shop;
CREATE DATABASE demo_shop CHARACTER SET utf8mb4;
USE demo_shop;
CREATE TABLE customers (id INT PRIMARY KEY, name VARCHAR(100) NOT NULL, email VARCHAR(200), created_at DATETIME(6) NOT NULL);
CREATE TABLE products (sku VARCHAR(32) PRIMARY KEY, title VARCHAR(200) NOT NULL, price DECIMAL(10,2) NOT NULL, attrs JSON);
CREATE TABLE orders (id BIGINT AUTO_INCREMENT PRIMARY KEY, customer_id INT NOT NULL, sku VARCHAR(32) NOT NULL,
  qty SMALLINT UNSIGNED NOT NULL, placed_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), KEY (customer_id));
INSERT INTO customers SELECT seq, CONCAT('Customer ', seq, ' 😀'), CONCAT('c', seq, '@example.com'), NOW(6) - INTERVAL seq MINUTE FROM seq_1_to_2000;
INSERT INTO products SELECT CONCAT('SKU-', seq), CONCAT('Product ', seq), seq * 1.99, JSON_OBJECT('color', 'blue', 'n', seq) FROM seq_1_to_300;
INSERT INTO orders (customer_id, sku, qty) SELECT 1 + seq % 2000, CONCAT('SKU-', 1 + seq % 300), 1 + seq % 5 FROM seq_1_to_20000;
SQL
echo "seeded demo_shop in the source (customers, products, orders)"

post() { curl -sf -X POST "$api$1" -H "Authorization: Bearer $FERRY_ADMIN_KEY" -H 'Content-Type: application/json' ${2:+-d "$2"}; }
id_of() { sed -n 's/^{"id":"\([^"]*\)".*/\1/p'; }
source_id=$(post /api/v1/datasources "{\"name\":\"demo-source\",\"type\":\"mariadb\",\"host\":\"127.0.0.1\",\"port\":$FERRY_MARIADB_SOURCE_PORT,\"user\":\"root\",\"password\":\"$FERRY_DB_PASSWORD\"}" | id_of)
dest_id=$(post /api/v1/datasources "{\"name\":\"demo-dest\",\"type\":\"mariadb\",\"host\":\"127.0.0.1\",\"port\":$FERRY_MARIADB_DEST_PORT,\"user\":\"root\",\"password\":\"$FERRY_DB_PASSWORD\"}" | id_of)
project_id=$(post /api/v1/projects "{\"name\":\"demo-shop\",\"kind\":\"migration\",\"sourceId\":\"$source_id\",\"destinationId\":\"$dest_id\",
  \"stages\":[\"schema\",\"full\",\"incremental\",\"verify\"],\"objects\":{\"include\":[{\"database\":\"demo_shop\",\"tables\":[\"*\"]}]},
  \"options\":{\"autoStart\":true}}" | id_of)
echo "migration project $project_id started"

# A little live traffic so the incremental stage has something to stream.
for i in $(seq 1 20); do
  src demo_shop -e "INSERT INTO orders (customer_id, sku, qty) VALUES ($i, 'SKU-$i', 1); UPDATE customers SET email = CONCAT('new', id, '@example.com') WHERE id = $i;"
done
for _ in $(seq 1 120); do
  curl -s "$api/api/v1/projects/$project_id" -H "Authorization: Bearer $FERRY_ADMIN_KEY" | grep -q '"name":"verify","status":"Completed"' && break
  sleep 1
done

cat <<INFO

Where to look:
  project   curl -s $api/api/v1/projects/$project_id -H 'Authorization: Bearer $FERRY_ADMIN_KEY'
  tables    curl -s $api/api/v1/projects/$project_id/objects -H 'Authorization: Bearer $FERRY_ADMIN_KEY'
  verify    curl -s $api/api/v1/projects/$project_id/verification -H 'Authorization: Bearer $FERRY_ADMIN_KEY'
  events    curl -s $api/api/v1/projects/$project_id/events -H 'Authorization: Bearer $FERRY_ADMIN_KEY'
  source    mariadb -h127.0.0.1 -P$FERRY_MARIADB_SOURCE_PORT -uroot -p$FERRY_DB_PASSWORD demo_shop
  dest      mariadb -h127.0.0.1 -P$FERRY_MARIADB_DEST_PORT -uroot -p$FERRY_DB_PASSWORD demo_shop
Write to the source and watch the destination follow. Stop the node with: kill \$(cat $node_dir/pid)
INFO
