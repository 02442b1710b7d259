import { TsError } from '../core/errors.js';
import { COLUMN_CODECS, KEY_KINDS, KEY_LITERALS, OBJECT_KINDS } from '../core/table-shape.js';
import { COMPRESSIONS, DATA_FORMATS, FORMAT_NAME, FORMAT_VERSION, SNAPSHOT_MODES, type Manifest } from './manifest.js';
import { MISSING_KINDS } from './missing.js';
import { VIEW_REFERENCE_KINDS } from '../db/view-references.js';
import { SUBSET_KINDS } from './subset.js';

/**
 * The validation of a manifest read back (format/manifest.ts has its types): every value tsload
 * uses is checked for its shape before it goes near a statement or a path.
 */

const COUNTER_MAX = 2n ** 64n - 1n;

/**
 * A valid TableEntry.autoIncrement (it goes into an ALTER TABLE): null, a non-negative integer (one
 * past 2^53 only in dumps of tsdump before the digits: rounded, as they were written), or digits.
 */
function isCounter(v: Json | undefined): boolean {
  if (v === null) return true;
  if (typeof v === 'number') return Number.isInteger(v) && v >= 0 && v <= Number(COUNTER_MAX);
  return typeof v === 'string' && /^[0-9]{1,20}$/.test(v) && BigInt(v) <= COUNTER_MAX;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

class Shape {
  constructor(private readonly where: string) {}
  fail(msg: string): never {
    throw new TsError({
      code: 'bad-dump',
      message: `manifest is invalid: ${this.where}: ${msg}`,
      object: { file: 'manifest.json' },
      suggestion: 'the manifest was edited or damaged; use an untouched copy of the dump (tsdump verify DIR shows what differs)',
    });
  }
  obj(v: Json | undefined): { [k: string]: Json } {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail('expected an object');
    return v;
  }
  arr(v: Json | undefined): Json[] {
    if (!Array.isArray(v)) this.fail('expected an array');
    return v;
  }
  str(v: Json | undefined): string {
    if (typeof v !== 'string') this.fail('expected a string');
    return v;
  }
  nat(v: Json | undefined): number {
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) this.fail('expected a non-negative integer');
    return v;
  }
  bool(v: Json | undefined): boolean {
    if (typeof v !== 'boolean') this.fail('expected true or false');
    return v;
  }
  /** A character set or collation name, or '' (one goes into SET NAMES and CREATE DATABASE unquoted). */
  sqlName(v: Json | undefined): string {
    const s = this.str(v);
    if (!/^[A-Za-z0-9_]{0,64}$/.test(s)) this.fail(`'${s.slice(0, 80)}' is not a character set or collation name`);
    return s;
  }
  port(v: Json | undefined): number {
    const n = this.nat(v);
    if (n > 65535) this.fail(`port ${n} is not a TCP port`);
    return n;
  }
  /** The coordinates of `o` (a snapshot or an upstream): binlog null or { file, position }, gtid null or a string. */
  coordinates(o: { [k: string]: Json }): void {
    if (o.binlog !== null && o.binlog !== undefined) {
      const b = this.at('binlog').obj(o.binlog);
      this.at('binlog.file').str(b.file);
      this.at('binlog.position').nat(b.position);
    }
    if (o.gtid !== null && o.gtid !== undefined) this.at('gtid').str(o.gtid);
  }
  /** No two entries with the same key (what `key` returns for each). */
  unique(items: Json[], key: (item: { [k: string]: Json }) => string, what: string): void {
    const keys = new Set<string>();
    items.forEach((item, i) => {
      const at = new Shape(`${this.where}[${i}]`);
      const k = key(at.obj(item));
      if (keys.has(k)) at.fail(`${what} '${k}' is listed twice`);
      keys.add(k);
    });
  }
  oneOf<T extends string>(v: Json | undefined, set: readonly T[]): T {
    const s = this.str(v);
    if (!(set as readonly string[]).includes(s)) this.fail(`expected one of ${set.join(', ')}, got '${s}'`);
    return s as T;
  }
  at(key: string): Shape {
    return new Shape(`${this.where}.${key}`);
  }
}

function checkFile(s: Shape, v: Json | undefined): void {
  const o = s.obj(v);
  s.at('path').str(o.path);
  s.at('bytes').nat(o.bytes);
  const h = s.at('sha256').str(o.sha256);
  if (!/^[0-9a-f]{64}$/.test(h)) s.at('sha256').fail('expected 64 hex digits');
}

/** Block sizes a loader accepts (it holds two blocks in memory per running chunk). */
const BLOCK_SIZES = { min: 64 * 1024, max: 64 * 1024 * 1024 };

function checkBlocks(s: Shape, v: Json | undefined, fileBytes: number, whole?: { path: Json | undefined; sha256: Json | undefined }): void {
  const o = s.obj(v);
  const size = s.at('bytes').nat(o.bytes);
  if (size < BLOCK_SIZES.min || size > BLOCK_SIZES.max) s.at('bytes').fail(`block size ${size} is outside ${BLOCK_SIZES.min}..${BLOCK_SIZES.max}`);
  const hashes = s.at('sha256').arr(o.sha256);
  if (hashes.length !== Math.ceil(fileBytes / size)) s.at('sha256').fail(`${hashes.length} block hashes for ${fileBytes} bytes in blocks of ${size}`);
  hashes.forEach((h, i) => {
    if (typeof h !== 'string' || !/^[0-9a-f]{64}$/.test(h)) s.at(`sha256[${i}]`).fail('expected 64 hex digits');
  });
  // prefixes: the last is the sha256 of the whole file
  if (whole && hashes.length > 0 && hashes.at(-1) !== whole.sha256) s.at(`sha256[${hashes.length - 1}]`).fail(`the last prefix hash of ${String(whole.path)} differs from its sha256`);
}

/**
 * Parses and validates manifest text. Refuses unknown format versions, wrong shapes and duplicate
 * paths; path containment is checked by the store where files are opened.
 */
export function parseManifest(text: string): Manifest {
  let raw: Json;
  try {
    raw = JSON.parse(text) as Json;
  } catch (e) {
    throw new TsError({ code: 'bad-dump', message: `manifest.json is not valid JSON (${(e as Error).message})`, object: { file: 'manifest.json' }, suggestion: 'the file is truncated or edited; use an untouched copy of the dump' });
  }
  const s = new Shape('manifest');
  const o = s.obj(raw);
  if (o.format !== FORMAT_NAME) s.at('format').fail(`this is not a tsdump manifest`);
  const version = s.at('formatVersion').nat(o.formatVersion);
  if (version !== FORMAT_VERSION) {
    throw new TsError({ code: 'bad-dump', message: `dump format version ${version} is not supported (this tsload reads version ${FORMAT_VERSION})`, object: { file: 'manifest.json' }, suggestion: 'use the tsload release that matches the tsdump that wrote the dump' });
  }
  s.at('dumpId').str(o.dumpId);
  const snap = s.at('snapshot').obj(o.snapshot);
  s.at('snapshot.mode').oneOf(snap.mode, SNAPSHOT_MODES);
  s.at('snapshot.exact').bool(snap.exact);
  s.at('snapshot').coordinates(snap);
  if (snap.upstream !== undefined) {
    const us = s.at('snapshot.upstream');
    const up = us.obj(snap.upstream);
    us.at('host').str(up.host);
    us.at('port').port(up.port);
    us.coordinates(up);
  }
  if (o.server !== undefined) {
    const server = s.at('server').obj(o.server);
    s.at('server.host').str(server.host);
    if (server.port !== null) s.at('server.port').port(server.port);
  }
  if (snap.noCoordinates !== undefined) s.at('snapshot.noCoordinates').str(snap.noCoordinates);
  const opts = s.at('options').obj(o.options);
  s.at('options.format').oneOf(opts.format, DATA_FORMATS);
  s.at('options.compression').oneOf(opts.compression, COMPRESSIONS);
  const session = s.at('session').obj(o.session);
  if (session.sqlMode !== undefined) s.at('session.sqlMode').str(session.sqlMode);
  if (session.timeZone !== undefined) s.at('session.timeZone').str(session.timeZone);
  if (session.definitionsTimeZone !== undefined) s.at('session.definitionsTimeZone').str(session.definitionsTimeZone);
  if (session.innodbDefaultRowFormat !== undefined) s.at('session.innodbDefaultRowFormat').str(session.innodbDefaultRowFormat);
  if (o.subset !== undefined) {
    const sub = s.at('subset').obj(o.subset);
    s.at('subset.where').arr(sub.where).forEach((wv, i) => {
      const ws = s.at(`subset.where[${i}]`);
      const w = ws.obj(wv);
      for (const k of ['database', 'table', 'condition']) ws.at(k).str(w[k]);
    });
    s.at('subset.leftOut').arr(sub.leftOut).forEach((lv, i) => {
      const ls = s.at(`subset.leftOut[${i}]`);
      const l = ls.obj(lv);
      ls.at('kind').oneOf(l.kind, SUBSET_KINDS);
      for (const k of ['database', 'name', 'reason']) ls.at(k).str(l[k]);
    });
  }
  if (o.missing !== undefined) {
    s.at('missing').arr(o.missing).forEach((mv, i) => {
      const ms = s.at(`missing[${i}]`);
      const m = ms.obj(mv);
      ms.at('kind').oneOf(m.kind, MISSING_KINDS);
      ms.at('database').str(m.database);
      ms.at('reason').str(m.reason);
      if (m.name !== null) ms.at('name').str(m.name);
    });
  }
  const paths = new Set<string>();
  const seen = (p: Shape, v: Json | undefined): void => {
    checkFile(p, v);
    const path = (v as { path: string }).path;
    if (paths.has(path)) p.fail(`file '${path}' is listed twice`);
    paths.add(path);
  };
  if (o.users !== undefined) seen(s.at('users'), o.users);
  s.at('databases').arr(o.databases).forEach((dbv, i) => {
    const ds = s.at(`databases[${i}]`);
    const db = ds.obj(dbv);
    ds.at('name').str(db.name);
    ds.at('charset').sqlName(db.charset);
    ds.at('collation').sqlName(db.collation);
    seen(ds.at('schema'), db.schema);
    ds.at('tables').arr(db.tables).forEach((tv, j) => {
      const ts = ds.at(`tables[${j}]`);
      const t = ts.obj(tv);
      ts.at('name').str(t.name);
      seen(ts.at('schema'), t.schema);
      ts.at('rows').nat(t.rows);
      // absent (manifests written by hand, or by other tools): no counter
      if (t.autoIncrement === undefined) t.autoIncrement = null;
      if (!isCounter(t.autoIncrement)) ts.at('autoIncrement').fail('expected null, a non-negative integer, or its decimal digits (at most 2^64 - 1)');
      ts.at('columns').arr(t.columns).forEach((cv, k) => {
        const cs = ts.at(`columns[${k}]`);
        const c = cs.obj(cv);
        cs.at('name').str(c.name);
        cs.at('codec').oneOf(c.codec, COLUMN_CODECS);
        cs.at('dumped').bool(c.dumped);
      });
      const key = ts.at('key').obj(t.key);
      ts.at('key.kind').oneOf(key.kind, KEY_KINDS);
      ts.at('key.columns').arr(key.columns).forEach((kv, k) => {
        ts.at(`key.columns[${k}].name`).str(ts.obj(kv).name);
        ts.at(`key.columns[${k}].literal`).oneOf(ts.obj(kv).literal, KEY_LITERALS);
      });
      let sum = 0;
      ts.at('chunks').arr(t.chunks).forEach((chv, k) => {
        const cs = ts.at(`chunks[${k}]`);
        const ch = cs.obj(chv);
        seen(cs, chv);
        sum += cs.at('rows').nat(ch.rows);
        if (ch.prefixes !== undefined && ch.blocks !== undefined) cs.at('prefixes').fail('a chunk has prefix hashes or block hashes, not both');
        if (ch.prefixes !== undefined) checkBlocks(cs.at('prefixes'), ch.prefixes, cs.at('bytes').nat(ch.bytes), { path: ch.path, sha256: ch.sha256 });
        if (ch.blocks !== undefined) checkBlocks(cs.at('blocks'), ch.blocks, cs.at('bytes').nat(ch.bytes));
        if (ch.longestLine !== undefined) {
          const ll = cs.at('longestLine').obj(ch.longestLine);
          cs.at('longestLine.bytes').nat(ll.bytes);
          cs.at('longestLine.line').nat(ll.line);
        }
        if (cs.at('index').nat(ch.index) !== k + 1) cs.at('index').fail('chunks must be numbered 1..n in order');
      });
      if (sum !== t.rows) ts.at('rows').fail(`table rows ${String(t.rows)} differ from the sum of its chunks' rows ${sum}`);
    });
    ds.at('objects').arr(db.objects).forEach((ov, j) => {
      const os = ds.at(`objects[${j}]`);
      const ob = os.obj(ov);
      os.at('kind').oneOf(ob.kind, OBJECT_KINDS);
      os.at('name').str(ob.name);
      seen(os.at('file'), ob.file);
      if (ob.reads !== undefined) {
        os.at('reads').arr(ob.reads).forEach((rv, k) => {
          const rs = os.at(`reads[${k}]`);
          const r = rs.obj(rv);
          rs.at('kind').oneOf(r.kind, VIEW_REFERENCE_KINDS);
          rs.at('database').str(r.database);
          rs.at('name').str(r.name);
        });
      }
      if (ob.context !== null && ob.context !== undefined) {
        const cx = os.at('context').obj(ob.context);
        os.at('context.sqlMode').str(cx.sqlMode);
        os.at('context.characterSetClient').sqlName(cx.characterSetClient);
        os.at('context.collationConnection').sqlName(cx.collationConnection);
        os.at('context.databaseCollation').str(cx.databaseCollation);
        if (cx.timeZone !== undefined) os.at('context.timeZone').str(cx.timeZone);
      }
    });
    ds.at('tables').unique(db.tables as Json[], (t) => String(t.name), 'table');
    ds.at('objects').unique(db.objects as Json[], (ob) => `${String(ob.kind)} ${String(ob.name)}`, 'object');
  });
  s.at('databases').unique(o.databases as Json[], (db) => String(db.name), 'database');
  return raw as unknown as Manifest;
}
