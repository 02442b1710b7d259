/**
 * The layout of a mydumper directory, from its file names (0.10, Debian's, and the 1.0 layout,
 * which keeps the same names, adds a database-wide triggers file, LOAD DATA chunks and
 * config-like sections to `metadata`):
 *
 *   metadata                       written last: its presence means the dump finished
 *                                  (metadata.partial while it runs)
 *   DB-schema-create.sql           CREATE DATABASE
 *   DB-schema-post.sql             routines and events (-R, -E)
 *   DB-schema-triggers.sql         1.0: the database's triggers (-G)
 *   DB.T-schema.sql                CREATE TABLE (for a view: a stand-in table)
 *   DB.T-schema-view.sql           the view
 *   DB.T-schema-triggers.sql       0.10: the table's triggers (-G)
 *   DB.T.sql, DB.T.00001.sql …     INSERT statements, one file or chunks (each with .gz / .zst)
 *   DB.T.00000.sql + DB.T.00000.dat  1.0 --format LOAD_DATA / CSV: the .sql file holds the
 *                                  LOAD DATA statement, the .dat file (.gz / .zst) its rows
 *
 * Names are as mydumper writes them (the identifiers' bytes); the database of a file is the known
 * database (one with a -schema-create file) that its name starts with.
 */

export interface MydumperTable {
  readonly name: string;
  schema: string | null;
  view: string | null;
  triggers: string | null;
  /** Chunk files (.sql) in number order. */
  readonly data: string[];
  /** A chunk file holding a LOAD DATA statement → the .dat file with its rows. */
  readonly infiles: Map<string, string>;
}

export interface MydumperDatabase {
  readonly name: string;
  create: string | null;
  readonly post: string[];
  /** 1.0: DB-schema-triggers.sql, every trigger of the database. */
  readonly triggers: string[];
  readonly tables: Map<string, MydumperTable>;
}

export interface MydumperLayout {
  readonly databases: MydumperDatabase[];
  /** `metadata` is there: the dump finished. */
  readonly finished: boolean;
  /** Files this reader does not load (a .dat without its .sql, unknown names), for the user. */
  readonly unsupported: string[];
}

const COMPRESSED = /\.(gz|zst)$/;

/** A name without its compression suffix. */
function base(name: string): string {
  return name.replace(COMPRESSED, '');
}

export function mydumperLayout(names: readonly string[]): MydumperLayout {
  const databases: MydumperDatabase[] = [];
  const unsupported: string[] = [];
  for (const n of names) {
    const m = /^(.+)-schema-create\.sql$/.exec(base(n));
    if (m) databases.push({ name: m[1]!, create: n, post: [], triggers: [], tables: new Map() });
  }
  // longest names first: `shop.x` is not a file of database `shop` when database `shop.x` exists
  const byLength = [...databases].sort((a, b) => b.name.length - a.name.length);
  const table = (db: MydumperDatabase, name: string): MydumperTable => {
    let t = db.tables.get(name);
    if (!t) {
      t = { name, schema: null, view: null, triggers: null, data: [], infiles: new Map() };
      db.tables.set(name, t);
    }
    return t;
  };
  // a .dat file belongs to the .sql chunk file of the same name (its LOAD DATA statement)
  const sqlByBase = new Map(names.filter((n) => base(n).endsWith('.sql')).map((n) => [base(n).slice(0, -4), n]));
  const datOf = new Map<string, string>();
  for (const n of names) {
    const b = base(n);
    const sql = b.endsWith('.dat') ? sqlByBase.get(b.slice(0, -4)) : undefined;
    if (sql) datOf.set(sql, n);
  }
  const paired = new Set(datOf.values());
  for (const n of [...names].sort()) {
    const b = base(n);
    if (b === 'metadata' || b === 'metadata.partial' || /-schema-create\.sql$/.test(b) || paired.has(n)) continue;
    const whole = /^(.+)-schema-(post|triggers)\.sql$/.exec(b);
    const wholeDb = whole ? databases.find((d) => d.name === whole[1]) : undefined;
    if (wholeDb) {
      (whole![2] === 'post' ? wholeDb.post : wholeDb.triggers).push(n);
      continue;
    }
    const db = byLength.find((d) => b.startsWith(`${d.name}.`));
    if (!db) {
      if (/\.(sql|dat)$/.test(b)) unsupported.push(n);
      continue;
    }
    const rest = b.slice(db.name.length + 1);
    let m: RegExpExecArray | null;
    if ((m = /^(.+)-schema\.sql$/.exec(rest))) table(db, m[1]!).schema = n;
    else if ((m = /^(.+)-schema-view\.sql$/.exec(rest))) table(db, m[1]!).view = n;
    else if ((m = /^(.+)-schema-triggers\.sql$/.exec(rest))) table(db, m[1]!).triggers = n;
    else if ((m = /^(.+?)((?:\.\d+)*)\.sql$/.exec(rest))) {
      const t = table(db, m[1]!);
      t.data.push(n);
      const dat = datOf.get(n);
      if (dat) t.infiles.set(n, dat);
    }
    else unsupported.push(n);
  }
  for (const d of databases) for (const t of d.tables.values()) t.data.sort(chunkOrder);
  return { databases, finished: names.includes('metadata'), unsupported };
}

/** Chunk files in number order (DB.T.sql first, then .00001 < .00002 < .00010). */
function chunkOrder(a: string, b: string): number {
  const num = (s: string): number[] => (/((?:\.\d+)*)\.sql/.exec(base(s))?.[1] ?? '').split('.').filter(Boolean).map(Number);
  const x = num(a);
  const y = num(b);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? -1) - (y[i] ?? -1);
    if (d !== 0) return d;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

export interface MydumperMetadata {
  readonly started: string | null;
  readonly finished: string | null;
  readonly binlog: { readonly file: string; readonly position: number } | null;
  readonly gtid: string | null;
  /** Rows per `db`.`table` where the 1.0 metadata records them. */
  readonly rows: ReadonlyMap<string, number>;
  /**
   * 1.0 with data checksums (`-M` / `--checksum-all` or `--data-checksums`; not by default):
   * per `db`.`table` the source's CHECKSUM TABLE value, as mydumper computed it in the dump's
   * snapshot. (Its schema_checksum / indexes_checksum / post_checksum keys are mydumper's own
   * hashes of its SHOW CREATE text, not something the server computes: not read.)
   */
  readonly checksums: ReadonlyMap<string, string>;
}

/** `db`.`table` as the metadata's sections name a table: the raw names, backticks not doubled. */
export function mydumperMetaKey(db: string, table: string): string {
  return `\`${db}\`.\`${table}\``;
}

/** A value of the metadata, without the quotes 1.0.1 puts around some. */
const unquote = (v: string): string => v.trim().replace(/^"(.*)"$/, '$1');

/**
 * A metadata line `body` after `lead` and blanks, anywhere in the text. The blanks stop at a line
 * break: as `^\s*` under the m flag they also spanned blank lines, and each line start of a run of
 * line breaks (`\n`, `\r`, U+2028, U+2029) rescanned the rest of the run (quadratic). Same matches:
 * a run that spans line breaks holds a line start after its last one.
 */
function field(body: RegExp, lead = ''): RegExp {
  return new RegExp(String.raw`^${lead}[^\S\r\n\u2028\u2029]*${body.source}`, 'm');
}

/**
 * The metadata file: both the 0.10 text (`Log:` / `Pos:` / `GTID:`) and the 1.0 INI sections.
 * A table whose name mydumper does not write into file names (a backtick, a space, a dot, non-ASCII:
 * its files are `DB.mydumper_N…`) has the section `[`DB`.`mydumper_N`]` and its name in
 * `real_table_name` (backticks doubled): its rows and checksum are keyed by that real name.
 */
export function parseMydumperMetadata(text: string): MydumperMetadata {
  const get = (re: RegExp): string | null => re.exec(text)?.[1]?.trim() ?? null;
  // 1.0.1 writes the [source] lines as comments: `# SOURCE_LOG_FILE = "binlog.000001"`
  const file = get(field(/Log:\s*(\S+)/)) ?? get(field(/File\s*=\s*(\S+)/)) ?? get(field(/SOURCE_LOG_FILE\s*=\s*(\S+)/, '#?'));
  const pos = get(field(/Pos:\s*(\d+)/)) ?? get(field(/Position\s*=\s*(\d+)/)) ?? get(field(/SOURCE_LOG_POS\s*=\s*(\d+)/, '#?'));
  const gtid = get(field(/GTID:\s*(\S.*)$/)) ?? get(field(/Executed_Gtid_Set\s*=\s*(\S.*)$/)) ?? get(field(/executed_gtid_set\s*=\s*(\S.*)$/, '#?'));
  const rows = new Map<string, number>();
  const checksums = new Map<string, string>();
  const unescape = (n: string): string => n.replace(/``/g, '`');
  let section: { db: string; table: string; rows?: number; checksum?: string } | null = null;
  const close = (): void => {
    if (!section) return;
    const key = mydumperMetaKey(section.db, section.table);
    if (section.rows !== undefined) rows.set(key, section.rows);
    if (section.checksum !== undefined) checksums.set(key, section.checksum);
    section = null;
  };
  for (const line of text.split('\n')) {
    const s = /^\[`((?:[^`]|``)+)`\.`((?:[^`]|``)+)`\]\s*$/.exec(line);
    if (s) {
      close();
      section = { db: unescape(s[1]!), table: unescape(s[2]!) };
      continue;
    }
    if (/^\[/.test(line)) close();
    if (!section) continue;
    const real = /^\s*real_table_name\s*=(.*)$/.exec(line);
    if (real && real[1]!.trim() !== '') section.table = unescape(real[1]!.trim());
    const r = /^\s*rows\s*=\s*(\d+)/.exec(line);
    if (r) section.rows = Number(r[1]);
    const c = /^\s*data_checksum\s*=\s*(\d+)\s*$/.exec(line);
    if (c) section.checksum = c[1]!;
  }
  close();
  const position = pos === null ? null : unquote(pos);
  return {
    started: get(/^(?:#\s*)?Started dump at:\s*(.+)$/m),
    finished: get(/^(?:#\s*)?Finished dump at:\s*(.+)$/m),
    binlog: file && position ? { file: unquote(file), position: Number(position) } : null,
    gtid: gtid === null || unquote(gtid) === '' ? null : unquote(gtid),
    rows,
    checksums,
  };
}
