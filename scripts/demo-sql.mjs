// Runs the SQL read from stdin against the demo server (over its socket) and prints each result set
// as tab-separated lines. Used by scripts/demo.sh so the demo needs no mysql/mariadb client binary.
// Usage: node scripts/demo-sql.mjs SOCKET < file.sql
import mysql from 'mysql2/promise';

const socketPath = process.argv[2];
if (!socketPath) {
  process.stderr.write('usage: node scripts/demo-sql.mjs SOCKET < file.sql\n');
  process.exit(2);
}
const chunks = [];
for await (const c of process.stdin) chunks.push(c);
const sql = Buffer.concat(chunks).toString('utf8');

const conn = await mysql.createConnection({ socketPath, user: 'root', password: '', multipleStatements: true, dateStrings: true, supportBigNumbers: true, bigNumberStrings: true });
try {
  const [results] = await conn.query(sql);
  // One statement gives its rows; several give one entry per statement (rows or a ResultSetHeader).
  const isHeader = (x) => x !== null && typeof x === 'object' && !Array.isArray(x) && 'affectedRows' in x;
  const multi = Array.isArray(results) && results.some((r) => Array.isArray(r) || isHeader(r));
  const sets = multi ? results : [results];
  for (const set of sets) {
    if (!Array.isArray(set)) continue;
    for (const row of set) process.stdout.write(Object.values(row).map((v) => (v === null ? 'NULL' : String(v))).join('\t') + '\n');
  }
} catch (e) {
  process.stderr.write(`demo: SQL failed: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
} finally {
  await conn.end();
}
