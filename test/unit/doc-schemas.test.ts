/**
 * The published JSON Schemas (docs/*.schema.json) name the same closed sets as the code, so a new
 * snapshot mode, codec or event kind cannot ship without its documentation.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { COLUMN_CODECS, COMPRESSIONS, DATA_FORMATS, KEY_KINDS, KEY_LITERALS, OBJECT_KINDS, SNAPSHOT_MODES } from '../../src/format/manifest.js';
import { SUBSET_KINDS } from '../../src/format/subset.js';
import { schemaFileText, schemaStatements } from '../../src/format/schema-text.js';

const docs = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs');
type Node = { [k: string]: unknown };
const load = (name: string): Node => JSON.parse(readFileSync(path.join(docs, name), 'utf8')) as Node;
const at = (n: unknown, ...keys: string[]): Node => keys.reduce<Node>((o, k) => o[k] as Node, n as Node);
const sorted = (xs: readonly unknown[]): unknown[] => [...xs].sort();

describe('docs/manifest.schema.json', () => {
  const s = load('manifest.schema.json');
  it('names the closed sets of src/format/manifest.ts', () => {
    expect(sorted(at(s, 'properties', 'snapshot', 'properties', 'mode').enum as unknown[])).toEqual(sorted(SNAPSHOT_MODES));
    expect(sorted(at(s, 'properties', 'options', 'properties', 'format').enum as unknown[])).toEqual(sorted(DATA_FORMATS));
    expect(sorted(at(s, 'properties', 'options', 'properties', 'compression').enum as unknown[])).toEqual(sorted(COMPRESSIONS));
    expect(sorted(at(s, '$defs', 'column', 'properties', 'codec').enum as unknown[])).toEqual(sorted(COLUMN_CODECS));
    expect(sorted(at(s, '$defs', 'key', 'properties', 'kind').enum as unknown[])).toEqual(sorted(KEY_KINDS));
    expect(sorted(at(s, '$defs', 'key', 'properties', 'columns', 'items', 'properties', 'literal').enum as unknown[])).toEqual(sorted(KEY_LITERALS));
    expect(sorted(at(s, '$defs', 'object', 'properties', 'kind').enum as unknown[])).toEqual(sorted(OBJECT_KINDS));
    expect(sorted(at(s, 'properties', 'subset', 'properties', 'leftOut', 'items', 'properties', 'kind').enum as unknown[])).toEqual(sorted(SUBSET_KINDS));
  });
});

describe('schema file text', () => {
  it('terminates every statement; compound objects are wrapped in DELIMITER ;;', () => {
    expect(schemaFileText('table', ['CREATE TABLE `t` (\n  `a` int\n)'])).toBe('CREATE TABLE `t` (\n  `a` int\n);\n');
    expect(schemaFileText('sequence', ['CREATE SEQUENCE `s`', 'DO SETVAL(`d`.`s`, 10, 0)'])).toBe('CREATE SEQUENCE `s`;\nDO SETVAL(`d`.`s`, 10, 0);\n');
    const proc = 'CREATE PROCEDURE `p`() BEGIN SELECT 1; SELECT 2; END';
    expect(schemaFileText('procedure', [proc])).toBe(`DELIMITER ;;\n${proc};;\nDELIMITER ;\n`);
    expect(schemaFileText('table', [''])).toBe('');
  });

  it('the reader gets the statements back, from new files and from old ones without terminators', () => {
    const proc = 'CREATE PROCEDURE `p`() BEGIN SELECT 1; SELECT 2; END';
    for (const [kind, statements] of [
      ['table', ['CREATE TABLE `t` (`a` int) COMMENT \'x;\'']],
      ['sequence', ['CREATE SEQUENCE `s`', 'DO SETVAL(`d`.`s`, 10, 0)']],
      ['procedure', [proc]],
      ['trigger', ['CREATE TRIGGER `tr` BEFORE INSERT ON `t` FOR EACH ROW BEGIN SET NEW.a = 1; END']],
      ['view', ['CREATE VIEW `v` AS select 1 AS `1`']],
    ] as const) {
      const old = statements.join(';\n');
      expect(schemaStatements(schemaFileText(kind, statements)), kind).toBe(old);
      expect(schemaStatements(old), `${kind} (old dump)`).toBe(old);
    }
    expect(schemaStatements('')).toBe('');
  });
});

describe('docs/manifest.example.json', () => {
  it('a real demo dump manifest: valid for the schema and for the reader', async () => {
    const { Ajv2020 } = await import('ajv/dist/2020.js');
    const { parseManifest } = await import('../../src/format/manifest-parse.js');
    const validate = new Ajv2020({ allErrors: true, strict: true }).compile(load('manifest.schema.json'));
    const example = load('manifest.example.json');
    expect(validate(example), JSON.stringify(validate.errors, null, 1)).toBe(true);
    expect(parseManifest(readFileSync(path.join(docs, 'manifest.example.json'), 'utf8')).dumpId).toBe(example.dumpId);
  });
});

describe('docs/events.schema.json and docs/EVENTS.md', () => {
  const s = load('events.schema.json');
  const md = readFileSync(path.join(docs, 'EVENTS.md'), 'utf8');

  it('names every event kind and phase of src/core/events.ts, each with its own schema', async () => {
    const { PHASES, RUN_EVENT_KINDS } = await import('../../src/core/events.js');
    expect(at(s, 'properties', 'kind').enum).toEqual([...RUN_EVENT_KINDS]);
    expect(sorted(at(s, '$defs', 'phase').enum as unknown[])).toEqual(sorted(PHASES));
    const defs = at(s, '$defs');
    for (const k of RUN_EVENT_KINDS) {
      expect(at(defs, k, 'properties', 'kind').const, k).toBe(k);
      expect(md, `EVENTS.md documents ${k}`).toContain(`| \`${k}\` |`);
    }
    expect((s.oneOf as { $ref: string }[]).map((o) => o.$ref)).toEqual(RUN_EVENT_KINDS.map((k) => `#/$defs/${k}`));
  });

  it('EVENTS.md lists every error code, and its example lines are valid events', async () => {
    const { ERROR_CODES } = await import('../../src/core/errors.js');
    for (const c of ERROR_CODES) expect(md).toContain(`\`${c}\``);
    const { Ajv2020 } = await import('ajv/dist/2020.js');
    const validate = new Ajv2020({ allErrors: true, strict: true }).compile(s);
    const example = /## Example[^\n]*\n+```json\n([\s\S]*?)```/.exec(md)?.[1] ?? '';
    const lines = example.trim().split('\n');
    expect(lines.length).toBeGreaterThan(5);
    for (const l of lines) expect(validate(JSON.parse(l)), `${l}\n${JSON.stringify(validate.errors)}`).toBe(true);
    // not vacuous: an unknown field, a missing chunk id, a wrong kind fail
    const progress = { v: 1, t: '2026-12-02T18:31:02.401Z', tool: 'tsload', kind: 'progress', phase: 'data', database: 'd', table: 't', chunk: 1, rows: 1, bytes: 1 };
    expect(validate(progress)).toBe(true);
    expect(validate({ ...progress, chunk: undefined })).toBe(false);
    expect(validate({ ...progress, extra: 1 })).toBe(false);
    expect(validate({ ...progress, kind: 'nope' })).toBe(false);
  });
});
