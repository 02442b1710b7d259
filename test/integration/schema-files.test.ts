/**
 * Schema files as a DBA uses them without tsload: every statement terminated, so `mysql db < file`
 * runs each of them (routines, triggers and events wrapped in DELIMITER ;;), and the loader still
 * reads dumps written before the terminators. The manifest of a real dump validates against the
 * published JSON Schema (docs/manifest.schema.json).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareDatabases, failures, formatReport } from '../support/checker.js';
import { REPO_ROOT, connArgs, runCli } from '../support/cli.js';
import { removeTemps, tempDir } from '../support/faults.js';
import type { AdminSession } from '../support/server.js';
import { adminSession, dropDbs, testServer, uniqueDb } from '../support/server.js';

interface FileShape { path: string; bytes: number; sha256: string }
interface ManifestShape {
  databases: { schema: FileShape; tables: { name: string; schema: FileShape }[]; objects: { kind: string; name: string; file: FileShape }[] }[];
}

const src = uniqueDb('schemafiles');
const loaded = uniqueDb('schemafiles_new');
const loadedOld = uniqueDb('schemafiles_old');
const hasClient = spawnSync('mariadb', ['--version'], { encoding: 'utf8' }).status === 0;
let admin: AdminSession;
let dump: string;
let isMaria = true;

beforeAll(async () => {
  admin = await adminSession();
  isMaria = /mariadb/i.test(String(await admin.scalar('SELECT @@version')));
  await admin.query(`CREATE DATABASE \`${src}\``);
  // in the database, like an application (the checker's session stays outside it)
  const app = await adminSession(src);
  await app.query("CREATE TABLE t (id INT PRIMARY KEY, note VARCHAR(40) NOT NULL DEFAULT 'a;b' COMMENT 'semi; colon', KEY k_note (note))");
  await app.query("INSERT INTO t VALUES (1, 'x;y'), (2, 'DELIMITER ;;'), (3, '')");
  await app.query('CREATE TABLE audit (id INT AUTO_INCREMENT PRIMARY KEY, t_id INT NOT NULL)');
  await app.query('CREATE VIEW v AS SELECT id, note FROM t WHERE note <> \';\'');
  await app.query("CREATE PROCEDURE p(IN n INT) BEGIN DECLARE i INT DEFAULT 0; WHILE i < n DO SET i = i + 1; END WHILE; SELECT i; END");
  await app.query("CREATE FUNCTION f(x INT) RETURNS INT DETERMINISTIC BEGIN DECLARE y INT; SET y = x * 2; RETURN y; END");
  await app.query('CREATE TRIGGER tr AFTER INSERT ON t FOR EACH ROW BEGIN INSERT INTO audit (t_id) VALUES (NEW.id); END');
  await app.query('CREATE EVENT e ON SCHEDULE EVERY 1 DAY STARTS \'2030-01-01 00:00:00\' DISABLE DO BEGIN DELETE FROM audit WHERE id < 0; END');
  if (isMaria) await app.query('CREATE SEQUENCE s START WITH 10 INCREMENT BY 5');
  await app.close();
  dump = path.join(tempDir('schema-files'), 'dump');
  const r = await runCli('tsdump', [...connArgs(), '-B', src, '-o', dump, '-q']);
  expect(r.code, r.stderr).toBe(0);
});

afterAll(async () => {
  await dropDbs(src, loaded, loadedOld);
  await admin?.close();
  removeTemps();
});

const manifestOf = (dir: string): ManifestShape => JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as ManifestShape;

/** Schema files in the order a client must run them: sequences and tables, routines, views, triggers, events. */
function schemaFiles(m: ManifestShape): FileShape[] {
  const db = m.databases[0]!;
  const rank = ['sequence', 'function', 'procedure', 'view', 'trigger', 'event'];
  const objects = [...db.objects].sort((a, b) => rank.indexOf(a.kind) - rank.indexOf(b.kind));
  return [...objects.filter((o) => o.kind === 'sequence').map((o) => o.file), ...db.tables.map((t) => t.schema), ...objects.filter((o) => o.kind !== 'sequence').map((o) => o.file)];
}

describe('schema files', () => {
  it('every schema file ends with a terminated statement', () => {
    const m = manifestOf(dump);
    for (const f of [m.databases[0]!.schema, ...schemaFiles(m)]) {
      const text = readFileSync(path.join(dump, f.path), 'utf8');
      expect(text, f.path).toMatch(/;\n$/);
    }
  });

  it('tsload loads the terminated files: the copy equals the source', async () => {
    const r = await runCli('tsload', [...connArgs(), '-d', dump, '-B', loaded, '-q']);
    expect(r.code, r.stderr).toBe(0);
    const results = await compareDatabases(admin, src, loaded);
    expect(failures(results), formatReport(results)).toEqual([]);
  });

  it('tsload still reads a dump written before the terminators', async () => {
    const old = path.join(tempDir('schema-files-old'), 'dump');
    cpSync(dump, old, { recursive: true });
    const m = JSON.parse(readFileSync(path.join(old, 'manifest.json'), 'utf8')) as ManifestShape;
    const db = m.databases[0]!;
    for (const f of [db.schema, ...db.tables.map((t) => t.schema), ...db.objects.map((o) => o.file)]) {
      const file = path.join(old, f.path);
      // the text an older tsdump wrote: the statements, joined by ";\n", no terminator, no DELIMITER
      const text = readFileSync(file, 'utf8').replace(/^DELIMITER ;;\n/, '').replace(/;;\nDELIMITER ;\n$/, '').replace(/;\n$/, '');
      const bytes = Buffer.from(text, 'utf8');
      writeFileSync(file, bytes);
      f.bytes = bytes.length;
      f.sha256 = createHash('sha256').update(bytes).digest('hex');
    }
    writeFileSync(path.join(old, 'manifest.json'), JSON.stringify(m, null, 1) + '\n');
    expect(readFileSync(path.join(old, db.tables[0]!.schema.path), 'utf8')).not.toMatch(/;\s*$/);
    const r = await runCli('tsload', [...connArgs(), '-d', old, '-B', loadedOld, '-q']);
    expect(r.code, r.stderr).toBe(0);
    const results = await compareDatabases(admin, src, loadedOld);
    expect(failures(results), formatReport(results)).toEqual([]);
  });

  it('the manifest of a real dump validates against docs/manifest.schema.json', () => {
    const schema = JSON.parse(readFileSync(path.join(REPO_ROOT, 'docs', 'manifest.schema.json'), 'utf8')) as object;
    const ajv = new Ajv2020({ allErrors: true, strict: true });
    const validate = ajv.compile(schema);
    const manifest = JSON.parse(readFileSync(path.join(dump, 'manifest.json'), 'utf8')) as unknown;
    expect(validate(manifest), JSON.stringify(validate.errors, null, 1)).toBe(true);
    // and the schema is not vacuous: a manifest with a bad hash fails it
    const bad = JSON.parse(JSON.stringify(manifest)) as ManifestShape;
    bad.databases[0]!.schema.sha256 = 'not-hex';
    expect(validate(bad)).toBe(false);
  });
  // Last: it replaces the source database with what the client makes of the files (a view's file
  // names its database, as SHOW CREATE VIEW prints it, so the files are run under the source's name).
  it.skipIf(!hasClient)('`mariadb < file` runs every schema file of the dump, database.sql first', async () => {
    await admin.query(`DROP DATABASE \`${src}\``);
    const s = testServer();
    const env: NodeJS.ProcessEnv = { ...process.env, MYSQL_PWD: s.password };
    const m = manifestOf(dump);
    for (const f of [m.databases[0]!.schema, ...schemaFiles(m)]) {
      const db = f === m.databases[0]!.schema ? [] : [src];
      const r = spawnSync('mariadb', ['--no-defaults', '-h', s.host, '-P', String(s.port), '-u', s.user, ...db], { input: readFileSync(path.join(dump, f.path)), env, encoding: 'utf8' });
      expect(r.status, `${f.path}: ${r.stderr}\n${r.stdout}`).toBe(0);
    }
    // every object as tsload made it, but for the creation context (sql_mode, client character set:
    // in the manifest, not the files; a plain client creates objects in its own). Tables hold no rows
    // here: only their definitions compared.
    const results = await compareDatabases(admin, src, loaded);
    const context = /sql_mode|character_set_client|collation_connection/i;
    const objects = results.filter((x) => x.kind !== 'table');
    expect(objects.length).toBeGreaterThanOrEqual(6);
    const differences = objects.flatMap((x) => x.details.filter((d) => !context.test(d)).map((d) => `${x.kind} ${x.object}: ${d}`));
    expect(differences).toEqual([]);
    expect(await admin.scalar(`SELECT \`${src}\`.f(21)`)).toBe(42);
    expect(results.filter((x) => x.kind === 'table').map((x) => x.details.join(' ')).join('\n')).not.toMatch(/SHOW CREATE/);
  });
});
