#!/usr/bin/env bash
# Generate the benchmark database server-side, deterministically: INSERT ... SELECT from
# MariaDB's SEQUENCE engine (seq_1_to_N), every value derived from the row number with
# CRC32/SHA2, so two runs produce byte-identical tables. Needs MariaDB (SEQUENCE engine).
#
#   bench/gen.sh             (env PORT, default 3407 = bench/server.sh)
#
# Tables (SCALE=1, about 1.6 GB of InnoDB data + indexes, 6.5 M rows, ~2 min on 2 cores):
#   orders     4 M rows  wide: 17 columns, BIGINT PK, DECIMAL, DATETIME(6), TIMESTAMP, DATE, ENUM,
#                        TEXT (40 % NULL, quotes, backslashes, tabs, newlines), JSON, 2 secondary indexes
#   events     2 M rows  composite PK (device_id, event_seq), VARBINARY with every byte value
#                        (0x00, quote, backslash, newline), utf8mb4 text with emoji / ZWJ / CJK / RTL
#   nopk_log   500 k     no primary or unique key, every 50th row duplicates the previous one
#   small_dim  1 k       dimension table: FLOAT and DOUBLE with non-terminating binary fractions
#
# Scale: SCALE=0.1 (multiplies all but small_dim), or set rows per table:
#   ORDERS_ROWS EVENTS_ROWS NOPK_ROWS DIM_ROWS. DB (bench) names the database.
# CHUNK (500000) = rows per INSERT ... SELECT. Generation is not binlogged (sql_log_bin=0).
set -euo pipefail
PORT=${PORT:-3407}
DB=${DB:-bench}
SCALE=${SCALE:-1}
scaled() { awk -v n="$1" -v s="$SCALE" 'BEGIN { v = int(n * s + 0.5); print (v < 1 ? 1 : v) }'; }
ORDERS_ROWS=${ORDERS_ROWS:-$(scaled 4000000)}
EVENTS_ROWS=${EVENTS_ROWS:-$(scaled 2000000)}
NOPK_ROWS=${NOPK_ROWS:-$(scaled 500000)}
DIM_ROWS=${DIM_ROWS:-1000}
CHUNK=${CHUNK:-500000}

cli() { mariadb --no-defaults --default-character-set=utf8mb4 -h127.0.0.1 -P"$PORT" -uroot "$@"; }

# "first last" pairs covering 1..N in CHUNK steps
ranges() { local n=$1 a=1 b; while [ "$a" -le "$n" ]; do b=$((a + CHUNK - 1)); [ "$b" -gt "$n" ] && b=$n; echo "$a $b"; a=$((b + 1)); done; }

sql_schema() {
cat <<SQL
SET SESSION sql_log_bin = 0;
DROP DATABASE IF EXISTS \`$DB\`;
CREATE DATABASE \`$DB\` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci;
USE \`$DB\`;

CREATE TABLE small_dim (
  id          INT UNSIGNED NOT NULL PRIMARY KEY,
  code        CHAR(8) NOT NULL,
  name        VARCHAR(64) NOT NULL,
  region      ENUM('EMEA','NA','LATAM','APAC') NOT NULL,
  weight      DOUBLE NOT NULL,
  ratio       FLOAT NOT NULL,
  valid_from  DATE NOT NULL,
  active      TINYINT(1) NOT NULL,
  UNIQUE KEY uk_code (code)
) ENGINE=InnoDB;

CREATE TABLE orders (
  id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  customer_id   INT UNSIGNED NOT NULL,
  merchant_id   BIGINT NOT NULL,
  sku           CHAR(12) NOT NULL,
  quantity      SMALLINT UNSIGNED NOT NULL,
  amount        DECIMAL(12,2) NOT NULL,
  tax           DECIMAL(12,2) NOT NULL,
  discount      DECIMAL(5,2) NULL,
  currency      CHAR(3) NOT NULL,
  customer_name VARCHAR(64) NOT NULL,
  email         VARCHAR(64) NOT NULL,
  status        ENUM('new','paid','shipped','delivered','cancelled','refunded') NOT NULL,
  created_at    DATETIME(6) NOT NULL,
  updated_at    TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  shipped_on    DATE NULL,
  note          TEXT NULL,
  attrs         JSON NOT NULL,
  PRIMARY KEY (id),
  KEY idx_customer_created (customer_id, created_at),
  KEY idx_status_created (status, created_at)
) ENGINE=InnoDB;

CREATE TABLE events (
  device_id   INT NOT NULL,
  event_seq   BIGINT NOT NULL,
  ts          DATETIME(3) NOT NULL,
  kind        VARCHAR(32) NOT NULL,
  payload     VARBINARY(255) NOT NULL,
  message     VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci NOT NULL,
  PRIMARY KEY (device_id, event_seq)
) ENGINE=InnoDB;

CREATE TABLE nopk_log (
  logged_at   DATETIME NOT NULL,
  level       ENUM('DEBUG','INFO','WARN','ERROR') NOT NULL,
  source      VARCHAR(64) NOT NULL,
  line_no     INT NOT NULL,
  msg         VARCHAR(255) NULL
) ENGINE=InnoDB;
SQL
}

sql_small_dim() {
cat <<SQL
INSERT INTO small_dim
SELECT seq,
       UPPER(LEFT(MD5(CONCAT('d', seq)), 8)),
       CONCAT(ELT(1 + seq % 8, 'Nordic', 'Café', 'Pacific', 'Zürich', 'Atlas', 'Crédit', 'Omega', 'São Paulo'),
              ' ', ELT(1 + (seq DIV 8) % 6, 'Supplies', 'Logistics', 'Trading', 'Holdings', 'Retail', 'Labs'),
              ' ', seq),
       ELT(1 + seq % 4, 'EMEA', 'NA', 'LATAM', 'APAC'),
       seq * 1.1e0 / 3,
       (CRC32(seq) % 100000) / 7,
       DATE('2015-01-01') + INTERVAL (seq * 3) DAY,
       seq % 5 <> 0
FROM seq_1_to_${DIM_ROWS};
SQL
}

sql_orders() { # $1 $2 = first/last row number
cat <<SQL
INSERT INTO orders (id, customer_id, merchant_id, sku, quantity, amount, tax, discount, currency,
                    customer_name, email, status, created_at, updated_at, shipped_on, note, attrs)
SELECT s.seq,
       1 + s.h1 % 200000,
       1000000000 + s.h2 % 50000,
       CONCAT('SKU-', LPAD(s.h3 % 10000000, 8, '0')),
       1 + s.h3 % 9,
       (s.h1 % 5000000) / 100 + 0.99,
       ROUND(((s.h1 % 5000000) / 100 + 0.99) * 0.19, 2),
       IF(s.h2 % 3 = 0, NULL, (s.h3 % 5000) / 100 - 10),
       ELT(1 + s.h1 % 5, 'EUR', 'USD', 'GBP', 'JPY', 'CHF'),
       CONCAT(ELT(1 + s.h2 % 20, 'Anna', 'José', 'Liam', 'Zoë', 'Mohammed', 'Chloé', 'Noah', 'Søren',
                  'Olivia', 'Mateo', 'Aiko', 'Lukas', 'Fatima', 'Ethan', 'Élodie', 'Wei', 'Sofia',
                  'Jakub', 'Amara', 'Björn'),
              ' ',
              ELT(1 + s.h3 % 20, 'Smith', 'García', 'Müller', 'O''Brien', 'Nguyen', 'Kowalski', 'Rossi',
                  'Johansson', 'Dubois', 'Tanaka', 'Schmidt', 'Fernández', 'Novák', 'Silva', 'Kim',
                  'Van der Berg', 'Łukasiewicz', 'Andersen', 'Petrović', 'Brown')),
       CONCAT(ELT(1 + s.h2 % 20, 'anna', 'jose', 'liam', 'zoe', 'mohammed', 'chloe', 'noah', 'soren',
                  'olivia', 'mateo', 'aiko', 'lukas', 'fatima', 'ethan', 'elodie', 'wei', 'sofia',
                  'jakub', 'amara', 'bjorn'),
              '.', s.seq % 9973, '@',
              ELT(1 + s.h1 % 8, 'example.com', 'mail.example.org', 'shop.test', 'gmail.example',
                  'outlook.example', 'company.example.net', 'posteo.example', 'web.example.de')),
       CASE WHEN s.h3 % 100 < 5 THEN 'new' WHEN s.h3 % 100 < 20 THEN 'paid'
            WHEN s.h3 % 100 < 35 THEN 'shipped' WHEN s.h3 % 100 < 90 THEN 'delivered'
            WHEN s.h3 % 100 < 97 THEN 'cancelled' ELSE 'refunded' END,
       TIMESTAMP('2019-01-01 00:00:00') + INTERVAL (s.seq * 15) SECOND + INTERVAL (s.h1 % 1000000) MICROSECOND,
       TIMESTAMP('2019-01-01 00:00:00') + INTERVAL (s.seq * 15 + s.h2 % 864000) SECOND,
       IF(s.h3 % 100 < 35, NULL, DATE('2019-01-01') + INTERVAL (s.seq DIV 5760 + s.h2 % 9) DAY),
       CASE WHEN s.h1 % 10 < 4 THEN NULL
            ELSE LEFT(CONCAT_WS(' ',
                   ELT(1 + s.h1 % 7, 'Please leave the parcel at the back door.', 'Gift wrap, no invoice in box.',
                       'Customer called twice; said it''s "urgent".', 'Deliver after 18:00\\tweekdays only.',
                       'Fragile!\\nHandle with care.', 'Ref C:\\\\orders\\\\2019 (legacy import).',
                       'Adresse: Straße 12, 3. OG — bitte klingeln.'),
                   ELT(1 + s.h2 % 5, 'Second attempt.', 'Loyalty member since 2016.', 'VAT id on file.',
                       'Split shipment allowed.', ''),
                   REPEAT('Lorem ipsum dolor sit amet. ', s.h3 % 4)),
                 20 + s.h2 % 120) END,
       JSON_OBJECT('channel', ELT(1 + s.h2 % 4, 'web', 'app', 'store', 'phone'),
                   'items', 1 + s.h3 % 9,
                   'gift', (s.h1 % 7 = 0),
                   'coupon', IF(s.h2 % 5 = 0, CONCAT('SAVE', s.h3 % 50), NULL),
                   'tags', JSON_ARRAY(ELT(1 + s.h1 % 3, 'prime', 'std', 'eco'), s.seq % 13))
FROM (SELECT seq,
             CRC32(CONCAT('o1:', seq)) AS h1,
             CRC32(CONCAT('o2:', seq)) AS h2,
             CRC32(CONCAT('o3:', seq)) AS h3
      FROM seq_${1}_to_${2}) AS s;
SQL
}

sql_events() {
cat <<SQL
INSERT INTO events
SELECT 1 + s.seq DIV 400,
       1600000000000 + s.seq * 1000 + s.h1 % 1000,
       TIMESTAMP('2020-09-13 12:26:40') + INTERVAL (s.seq * 250 + s.h1 % 250) * 1000 MICROSECOND,
       ELT(1 + s.h1 % 6, 'heartbeat', 'login', 'logout', 'sensor.read', 'error', 'firmware.update'),
       LEFT(UNHEX(SHA2(CONCAT('p:', s.seq), 512)), 16 + s.h2 % 49),
       CONCAT(ELT(1 + s.h2 % 14, 'Température élevée 🔥', 'Ünïcödé ✓ ok', 'Łódź: połączenie zerwane',
                  '日本語のメッセージ', 'Señal débil 📶', 'naïve café 😀', 'Ελληνικά: σφάλμα',
                  'Привет, мир', 'thumbs 👍🏽 skin tone', '🚀 deploy ok', 'Straße gesperrt',
                  'family 👨‍👩‍👧 zwj', 'quote '' and backslash \\\\ and tab \\t', 'العربية نص'),
              ' #', s.seq)
FROM (SELECT seq - 1 AS seq,
             CRC32(CONCAT('e1:', seq)) AS h1,
             CRC32(CONCAT('e2:', seq)) AS h2
      FROM seq_${1}_to_${2}) AS s;
SQL
}

sql_nopk() {
cat <<SQL
INSERT INTO nopk_log
SELECT TIMESTAMP('2021-03-01 00:00:00') + INTERVAL s.k SECOND,
       ELT(1 + s.h1 % 4, 'DEBUG', 'INFO', 'WARN', 'ERROR'),
       ELT(1 + s.h2 % 6, 'api/handler.go', 'worker.py', 'db/pool.ts', 'auth/session.rb', 'cron', 'nginx'),
       s.h1 % 5000,
       IF(s.h2 % 17 = 0, NULL,
          CONCAT(ELT(1 + s.h2 % 5, 'request done', 'retrying connection', 'slow query: SELECT * FROM t WHERE a=''x''',
                     'user logged in', 'cache miss'), ' id=', s.k % 100000))
FROM (SELECT seq,
             seq - (seq % 50 = 0) AS k,
             CRC32(CONCAT('n1:', seq - (seq % 50 = 0))) AS h1,
             CRC32(CONCAT('n2:', seq - (seq % 50 = 0))) AS h2
      FROM seq_${1}_to_${2}) AS s;
SQL
}

echo "generating \`$DB\` on 127.0.0.1:$PORT: orders=$ORDERS_ROWS events=$EVENTS_ROWS nopk_log=$NOPK_ROWS small_dim=$DIM_ROWS" >&2
t0=$(date +%s)
script=$(mktemp /tmp/tsdump-bench-gen.XXXXXX.sql)
trap 'rm -f "$script"' EXIT
{
  sql_schema
  echo "SELECT 'small_dim' AS filling;"; sql_small_dim
  ranges "$ORDERS_ROWS" | while read -r a b; do echo "SELECT 'orders $a..$b' AS filling;"; sql_orders "$a" "$b"; done
  ranges "$EVENTS_ROWS" | while read -r a b; do echo "SELECT 'events $a..$b' AS filling;"; sql_events "$a" "$b"; done
  ranges "$NOPK_ROWS"   | while read -r a b; do echo "SELECT 'nopk_log $a..$b' AS filling;"; sql_nopk "$a" "$b"; done
  echo "ANALYZE TABLE small_dim, orders, events, nopk_log;"
} >"$script"
cli --batch --skip-column-names <"$script" | grep -v -E "^($DB\\.|Table)" | sed 's/^/  /' >&2
echo "generated in $(( $(date +%s) - t0 )) s" >&2

cli --table -e "
SELECT table_name, table_rows AS est_rows,
       ROUND(data_length/1048576, 1)  AS data_mib,
       ROUND(index_length/1048576, 1) AS index_mib,
       ROUND((data_length + index_length)/1048576, 1) AS total_mib
FROM information_schema.tables WHERE table_schema = '$DB' ORDER BY data_length DESC;
SELECT ROUND(SUM(data_length + index_length)/1e9, 2) AS db_total_gb
FROM information_schema.tables WHERE table_schema = '$DB';"
