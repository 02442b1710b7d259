#!/usr/bin/env bash
# The server's own bulk paths, the practical limit for any logical dump tool:
# SELECT ... INTO OUTFILE / LOAD DATA INFILE over primary-key ranges, PAR statements at a time.
#
#   bench/outfile.sh dump HOST PORT USER SRC_DB OUTDIR [PAR=2] [CHUNK_ROWS=500000]
#   bench/outfile.sh load HOST PORT USER DST_DB OUTDIR [PAR=2]
#
# dump: OUTDIR/schema.sql (mariadb-dump --no-data) and one file per chunk in the server's default
#       text format (tab-separated, backslash escapes), written by the server itself, so OUTDIR must
#       be inside @@secure_file_priv. A table whose first primary-key column is an integer and that
#       has more than CHUNK_ROWS rows (estimate) is split into equal key ranges; others are one file.
#       Files are numbered largest table first, so the load starts with the biggest work.
# load: creates DST_DB if needed, runs schema.sql, then LOAD DATA INFILE ... CHARACTER SET binary
#       for every chunk, PAR at a time. The binary log stays on (the session default).
set -euo pipefail
mode=${1:-} HOST=${2:-} PORT=${3:-} DBU=${4:-} DB=${5:-} OUT=${6:-} PAR=${7:-2} CHUNK_ROWS=${8:-500000}
[ -n "$OUT" ] || { echo "usage: $0 dump|load HOST PORT USER DB OUTDIR [PAR] [CHUNK_ROWS]" >&2; exit 2; }
CONN=(--no-defaults -h"$HOST" -P"$PORT" -u"$DBU")
sql() { mariadb "${CONN[@]}" --batch --skip-column-names "$@"; }

dump() {
  mkdir -p "$OUT/plan"
  mariadb-dump "${CONN[@]}" --no-data --skip-triggers --skip-add-drop-table "$DB" >"$OUT/schema.sql"
  local n=0 t rows pk lo hi chunks step a b
  while read -r t rows; do
    pk=$(sql -e "SELECT k.column_name FROM information_schema.key_column_usage k
                 JOIN information_schema.columns c USING (table_schema, table_name, column_name)
                 WHERE k.table_schema = '$DB' AND k.table_name = '$t' AND k.constraint_name = 'PRIMARY'
                   AND k.ordinal_position = 1
                   AND c.data_type IN ('tinyint', 'smallint', 'mediumint', 'int', 'bigint')")
    if [ -n "$pk" ] && [ "$rows" -gt "$CHUNK_ROWS" ]; then
      read -r lo hi < <(sql -e "SELECT MIN(\`$pk\`), MAX(\`$pk\`) FROM \`$DB\`.\`$t\`")
      chunks=$(( (rows + CHUNK_ROWS - 1) / CHUNK_ROWS ))
      step=$(( (hi - lo + chunks) / chunks ))
      a=$lo
      while [ "$a" -le "$hi" ]; do
        b=$((a + step)); n=$((n + 1))
        echo "SELECT * INTO OUTFILE '$OUT/$(printf %04d $n).$t.txt' FROM \`$DB\`.\`$t\` WHERE \`$pk\` >= $a AND \`$pk\` < $b" \
          >"$OUT/plan/$(printf %04d $n).sql"
        a=$b
      done
    else
      n=$((n + 1))
      echo "SELECT * INTO OUTFILE '$OUT/$(printf %04d $n).$t.txt' FROM \`$DB\`.\`$t\`" >"$OUT/plan/$(printf %04d $n).sql"
    fi
  done < <(sql -e "SELECT table_name, table_rows FROM information_schema.tables
                   WHERE table_schema = '$DB' AND table_type = 'BASE TABLE'
                   ORDER BY data_length + index_length DESC, table_name")
  printf '%s\n' "$OUT"/plan/*.sql | xargs -P "$PAR" -I{} sh -c 'exec mariadb "$@" < "{}"' _ "${CONN[@]}"
}

load() {
  sql -e "CREATE DATABASE IF NOT EXISTS \`$DB\` CHARACTER SET utf8mb4"
  sql "$DB" <"$OUT/schema.sql"
  printf '%s\n' "$OUT"/[0-9]*.txt | xargs -P "$PAR" -I{} sh -c '
    f="{}"; t=${f##*/}; t=${t#*.}; t=${t%.txt}
    exec mariadb "$@" -e "LOAD DATA INFILE '"'"'$f'"'"' INTO TABLE \`$t\` CHARACTER SET binary"' _ "${CONN[@]}" "$DB"
}

case "$mode" in
  dump) dump ;;
  load) load ;;
  *) echo "usage: $0 dump|load HOST PORT USER DB OUTDIR [PAR] [CHUNK_ROWS]" >&2; exit 2 ;;
esac
