#!/usr/bin/env bash
# `make demo`: the main job end to end on a throwaway local server, no flags needed.
#   1. install what is missing (npm deps; mariadb-server with apt-get when run as root); Node comes from make
#   2. start a private server in .tmp/demo (free port, binary log on, local_infile on)
#   3. generate a sample shop (~1M rows in 4 tables) server-side, in seconds
#   4. tsdump it (live progress on a terminal), then `tsdump verify` the dump offline
#   5. tsload it into a copy (the loader verifies every chunk), then compare source and copy
#   6. stop the server and remove .tmp/demo, also on failure or Ctrl-C (DEMO_KEEP=1 keeps it)
set -Eeuo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DEMO="$ROOT/.tmp/demo"
DB=demo
COPY=demo_copy
cd "$ROOT"
unset MYSQL_PWD # the demo server has an empty root password; never send the user's

if [ -t 1 ]; then
  say() { printf '\n%s==> %s%s\n' "$(tput bold 2>/dev/null)" "$*" "$(tput sgr0 2>/dev/null)"; }
else
  say() { printf '\n==> %s\n' "$*"; }
fi
die() {
  printf '\ndemo: %s\n' "$*" >&2
  exit 1
}

# ---- 1. prerequisites ----------------------------------------------------------------------------
# make demo brings the runtime (Node 24 in .tmp/runtime); run by hand, this insists on Node >= 22.15
. "$ROOT/scripts/use-runtime.sh"
if [ ! -d node_modules ]; then
  say "installing npm dependencies and building (npm ci)"
  npm ci --no-audit --no-fund
fi
if [ ! -f dist/cli/tsdump.js ] || [ ! -f dist/wasm/wire-encoder.wasm ]; then
  say "building"
  npm run build
fi

find_server() {
  local n d
  for n in mariadbd mysqld; do
    for d in $(tr ':' ' ' <<<"$PATH") /usr/sbin /usr/local/sbin /usr/local/mysql/bin; do
      if [ -x "$d/$n" ]; then
        echo "$d/$n"
        return 0
      fi
    done
  done
  return 1
}

if ! MYSQLD=$(find_server); then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "no MariaDB/MySQL server found: installing mariadb-server with apt-get"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends mariadb-server >/dev/null
    MYSQLD=$(find_server) || die "mariadb-server was installed but no mariadbd was found"
  else
    die "no MariaDB/MySQL server binary (mariadbd or mysqld) found.
  Install one, then run 'make demo' again:
    sudo apt-get install mariadb-server        # Debian/Ubuntu
  (the demo starts its own private server in .tmp/demo; it never touches a running one)"
  fi
fi
FLAVOR=mysql
if "$MYSQLD" --version | grep -qi mariadb; then FLAVOR=mariadb; fi

# ---- 2. a throwaway server -----------------------------------------------------------------------
SERVER_PID=""
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 100); do
      kill -0 "$SERVER_PID" 2>/dev/null || break
      sleep 0.1
    done
    kill -9 "$SERVER_PID" 2>/dev/null || true
  fi
  if [ "${DEMO_KEEP:-}" = 1 ]; then
    echo "demo: kept $DEMO (DEMO_KEEP=1)"
  else
    rm -rf "$DEMO"
  fi
  if [ $rc -ne 0 ]; then echo "demo: FAILED (exit $rc)" >&2; fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

rm -rf "$DEMO"
mkdir -p "$DEMO/data" "$DEMO/files"
PORT=$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
SOCK="$DEMO/mysqld.sock"
CNF="$DEMO/my.cnf"
{
  echo "[mysqld]"
  if [ "$(id -u)" = 0 ]; then echo "user = root"; fi
  echo "datadir = $DEMO/data"
  echo "socket = $SOCK"
  echo "pid-file = $DEMO/mysqld.pid"
  echo "log-error = $DEMO/error.log"
  echo "port = $PORT"
  echo "bind-address = 127.0.0.1"
  echo "skip-name-resolve"
  echo "server_id = 1"
  echo "log-bin = $DEMO/data/binlog"
  echo "binlog_format = ROW"
  echo "local_infile = ON"
  echo "secure_file_priv = $DEMO/files"
  echo "character-set-server = utf8mb4"
  echo "innodb_buffer_pool_size = 512M"
  echo "innodb_log_file_size = 256M"
  echo "innodb_flush_log_at_trx_commit = 2"
  echo "max_allowed_packet = 256M"
  if [ "$FLAVOR" = mysql ]; then echo "mysqlx = OFF"; fi
} >"$CNF"

say "starting a throwaway $FLAVOR server ($("$MYSQLD" --version | sed 's/^.*Ver //; s/ for .*//')) on 127.0.0.1:$PORT in .tmp/demo"
ROOT_OPT=()
if [ "$(id -u)" = 0 ]; then ROOT_OPT=(--user=root); fi
if [ "$FLAVOR" = mariadb ]; then
  INSTALL_DB=""
  for n in mariadb-install-db mysql_install_db; do
    for d in "$(dirname "$MYSQLD")" /usr/bin /usr/local/bin /usr/local/mysql/scripts; do
      if [ -z "$INSTALL_DB" ] && [ -x "$d/$n" ]; then INSTALL_DB="$d/$n"; fi
    done
  done
  [ -n "$INSTALL_DB" ] || die "mariadb-install-db not found next to $MYSQLD"
  "$INSTALL_DB" --defaults-file="$CNF" "${ROOT_OPT[@]}" --auth-root-authentication-method=normal \
    --skip-test-db --skip-name-resolve >"$DEMO/install.log" 2>&1 || { tail -20 "$DEMO/install.log"; die "initialising the datadir failed"; }
else
  "$MYSQLD" --defaults-file="$CNF" --initialize-insecure "${ROOT_OPT[@]}" >"$DEMO/install.log" 2>&1 || { tail -20 "$DEMO/error.log"; die "initialising the datadir failed"; }
fi
"$MYSQLD" --defaults-file="$CNF" >>"$DEMO/server.out" 2>&1 &
SERVER_PID=$!

sql() { node scripts/demo-sql.mjs "$SOCK"; }
for i in $(seq 1 300); do
  if echo "SELECT 1" | sql >/dev/null 2>&1; then break; fi
  kill -0 "$SERVER_PID" 2>/dev/null || { tail -20 "$DEMO/error.log"; die "the server exited while starting"; }
  [ "$i" -lt 300 ] || die "the server did not answer within 30 s (see $DEMO/error.log)"
  sleep 0.1
done
sql <<'SQL' >/dev/null
CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY '';
GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;
SQL

# ---- 3. sample data ------------------------------------------------------------------------------
# Rows come from a number source on the server: MariaDB's sequence engine (seq_1_to_N), or a recursive
# CTE on MySQL. No data crosses the wire, so a million rows take seconds.
numbers() {
  if [ "$FLAVOR" = mariadb ]; then
    echo "seq_1_to_$1 AS s"
  else
    echo "(WITH RECURSIVE r(seq) AS (SELECT 1 UNION ALL SELECT seq + 1 FROM r WHERE seq < $1) SELECT seq FROM r) AS s"
  fi
}
say "generating the sample shop database '$DB' (~1M rows)"
T0=$(date +%s%N)
SESSION_SETUP="SET SESSION sql_log_bin = 0;"
if [ "$FLAVOR" = mysql ]; then SESSION_SETUP="SET SESSION sql_log_bin = 0; SET SESSION cte_max_recursion_depth = 1000000;"; fi
sql <<SQL >/dev/null
$SESSION_SETUP
CREATE DATABASE $DB CHARACTER SET utf8mb4;
USE $DB;
CREATE TABLE customers (
  id INT UNSIGNED NOT NULL PRIMARY KEY,
  email VARCHAR(120) NOT NULL,
  name VARCHAR(80) NOT NULL,
  country CHAR(2) NOT NULL,
  created_at DATETIME NOT NULL,
  UNIQUE KEY uk_email (email),
  KEY ix_country (country)
) ENGINE=InnoDB;
CREATE TABLE products (
  id INT NOT NULL PRIMARY KEY,
  sku VARCHAR(20) NOT NULL,
  title VARCHAR(200) NOT NULL,
  price DECIMAL(10,2) NOT NULL,
  attrs JSON NULL,
  UNIQUE KEY uk_sku (sku)
) ENGINE=InnoDB;
CREATE TABLE orders (
  id BIGINT NOT NULL PRIMARY KEY,
  customer_id INT UNSIGNED NOT NULL,
  status ENUM('new','paid','shipped','cancelled') NOT NULL,
  total DECIMAL(12,2) NOT NULL,
  created_at DATETIME NOT NULL,
  note TEXT NULL,
  KEY ix_customer (customer_id),
  CONSTRAINT fk_orders_customer FOREIGN KEY (customer_id) REFERENCES customers (id)
) ENGINE=InnoDB;
CREATE TABLE order_items (
  order_id BIGINT NOT NULL,
  line SMALLINT NOT NULL,
  product_id INT NOT NULL,
  qty INT NOT NULL,
  price DECIMAL(10,2) NOT NULL,
  PRIMARY KEY (order_id, line),
  KEY ix_product (product_id)
) ENGINE=InnoDB;
INSERT INTO customers
  SELECT seq, CONCAT('user', seq, '@example.com'),
         CONCAT(ELT(1 + seq % 6, 'Ana', 'José', 'Zoë', 'Łukasz', '美咲', 'Oğuz'), ' ', ELT(1 + seq % 5, 'Silva', 'Müller', 'O''Brien', 'Nguyễn', 'Kim')),
         ELT(1 + seq % 5, 'DE', 'FR', 'US', 'JP', 'BR'),
         TIMESTAMP('2019-01-01') + INTERVAL (seq * 7919 % 157680000) SECOND
  FROM $(numbers 100000);
INSERT INTO products
  SELECT seq, CONCAT('SKU-', LPAD(seq, 8, '0')), CONCAT('Product ', seq, ' "deluxe"\\tedition'),
         ROUND(1 + (seq * 37 % 50000) / 100, 2),
         IF(seq % 3 = 0, NULL, CONCAT('{"color":"', ELT(1 + seq % 3, 'red', 'green', 'blue'), '","weight":', seq % 100, '}'))
  FROM $(numbers 20000);
INSERT INTO orders
  SELECT seq, 1 + seq * 13 % 100000, ELT(1 + seq % 4, 'new', 'paid', 'shipped', 'cancelled'),
         ROUND((seq * 101 % 100000) / 10, 2),
         TIMESTAMP('2022-01-01') + INTERVAL (seq * 104729 % 94608000) SECOND,
         IF(seq % 10 = 0, CONCAT('call before delivery\nline 2 of order ', seq), NULL)
  FROM $(numbers 300000);
INSERT INTO order_items
  SELECT 1 + (seq - 1) DIV 2, 1 + (seq - 1) % 2, 1 + seq * 7 % 20000, 1 + seq % 5, ROUND(1 + (seq * 37 % 50000) / 100, 2)
  FROM $(numbers 600000);
CREATE VIEW order_totals AS
  SELECT o.id, o.customer_id, SUM(i.qty * i.price) AS items_total FROM orders o JOIN order_items i ON i.order_id = o.id GROUP BY o.id, o.customer_id;
SQL
T1=$(date +%s%N)
echo "customers 100,000 · products 20,000 · orders 300,000 · order_items 600,000 rows in $(((T1 - T0) / 1000000)) ms"

CONN=(--no-defaults -h 127.0.0.1 -P "$PORT" -u root)

# ---- 4. dump and offline verify ------------------------------------------------------------------
say "tsdump: dumping '$DB' with a content checksum per chunk"
echo "\$ tsdump -h 127.0.0.1 -P $PORT -u root -B $DB --checksum --chunk-size 4M -o .tmp/demo/dump"
node dist/cli/tsdump.js "${CONN[@]}" -B "$DB" --checksum --chunk-size 4M -o "$DEMO/dump"

say "tsdump verify: every file present, sizes and sha256 as in the manifest"
echo "\$ tsdump verify .tmp/demo/dump"
node dist/cli/tsdump.js verify "$DEMO/dump"

# ---- 5. load into a copy and compare -------------------------------------------------------------
if [ ! -f dist/cli/tsload.js ]; then
  say "tsload is not built yet (dist/cli/tsload.js missing): skipping the load step"
  exit 0
fi
say "tsload: loading the dump into '$COPY' (verifies row counts and checksums per chunk)"
echo "\$ tsload -h 127.0.0.1 -P $PORT -u root -d .tmp/demo/dump -B $COPY"
node dist/cli/tsload.js "${CONN[@]}" -d "$DEMO/dump" -B "$COPY"

say "comparing source and copy (row counts and CHECKSUM TABLE)"
MISMATCH=0
printf '%-14s %10s %10s  %s\n' table rows copy checksum
for t in customers products orders order_items; do
  read -r SRC_ROWS DST_ROWS < <(echo "SELECT (SELECT COUNT(*) FROM $DB.$t), (SELECT COUNT(*) FROM $COPY.$t)" | sql)
  SRC_SUM=$(echo "CHECKSUM TABLE $DB.$t" | sql | cut -f2)
  DST_SUM=$(echo "CHECKSUM TABLE $COPY.$t" | sql | cut -f2)
  if [ "$SRC_ROWS" = "$DST_ROWS" ] && [ "$SRC_SUM" = "$DST_SUM" ]; then SAME=same; else SAME=DIFFERENT; MISMATCH=1; fi
  printf '%-14s %10s %10s  %s\n' "$t" "$SRC_ROWS" "$DST_ROWS" "$SAME"
done
[ "$MISMATCH" = 0 ] || die "the copy differs from the source"
say "demo complete: dumped, verified, loaded and compared. Cleaning up .tmp/demo"
