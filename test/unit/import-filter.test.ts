import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../../src/core/events.js';
import { ScriptPlanner, type ScriptPlan } from '../../src/format/script-plan.js';
import { differingSelection, importSelection, selectImport } from '../../src/load/import-filter.js';
import { loadOptions, type RestoreOptions } from '../../src/load/load-options.js';

const DUMP = `/*!40101 SET NAMES utf8mb4 */;
CREATE DATABASE \`shop\`;
USE \`shop\`;
CREATE TABLE \`a\` (\`id\` int NOT NULL, PRIMARY KEY (\`id\`)) ENGINE=InnoDB;
INSERT INTO \`a\` VALUES (1),(2),(3);
UNLOCK TABLES;
DELIMITER ;;
/*!50003 CREATE*/ /*!50017 DEFINER=\`root\`@\`localhost\`*/ /*!50003 TRIGGER \`a_bi\` BEFORE INSERT ON \`a\` FOR EACH ROW SET @x = 1 */;;
DELIMITER ;
CREATE TABLE \`b\` (\`x\` varchar(10)) ENGINE=InnoDB;
INSERT INTO \`b\` VALUES ('x');
UNLOCK TABLES;
/*!50001 CREATE VIEW \`v_b\` AS SELECT 1 AS \`x\` */;
CREATE DATABASE \`crm\`;
USE \`crm\`;
CREATE TABLE \`c\` (\`id\` int) ENGINE=InnoDB;
INSERT INTO \`c\` VALUES (1);
UNLOCK TABLES;
/*!50003 DROP PROCEDURE IF EXISTS \`p\` */;
/*!50003 CREATE*/ /*!50020 DEFINER=\`root\`@\`localhost\`*/ /*!50003 PROCEDURE \`p\`() SELECT 1 */;
USE \`shop\`;
/*!50001 DROP VIEW IF EXISTS \`v_b\`*/;
/*!50001 CREATE ALGORITHM=UNDEFINED */ /*!50001 VIEW \`v_b\` AS select \`shop\`.\`b\`.\`x\` AS \`x\` from \`shop\`.\`b\` */;
/*!50001 CREATE ALGORITHM=UNDEFINED */ /*!50001 VIEW \`v_a\` AS select \`a\`.\`id\` AS \`id\` from \`a\` */;
-- Dump completed on 2026-12-03
`;

function plan(): ScriptPlan {
  const p = new ScriptPlanner({ limits: { statements: 10, bytes: 1 << 20 }, footer: true });
  p.push(Buffer.from(DUMP));
  return p.finish();
}

function select(restore: Partial<RestoreOptions>): { plan: ScriptPlan; events: RunEvent[] } {
  const events: RunEvent[] = [];
  const opts = loadOptions({ connection: { host: 'h', port: 1, user: 'u', password: '' }, source: '/tmp/x.sql', restore });
  return { plan: selectImport(plan(), opts, { emit: (e) => void events.push(e) }), events };
}

const filters = (f: Partial<RestoreOptions['filters']>): RestoreOptions['filters'] => ({ databases: [], tables: [], ignoreTables: [], include: null, exclude: null, ...f });
const tablesOf = (p: ScriptPlan): string[] => p.databases.flatMap((d) => d.tables.map((t) => `${d.name}.${t.name}`));
const objectsOf = (p: ScriptPlan): string[] => p.objects.flatMap((o) => (o.what.kind === 'object' && !o.what.drop ? [`${o.database}.${o.what.object}:${o.what.name}`] : []));

describe('selectImport: part of a script dump', () => {
  it('-T: the tables named and their triggers, nothing else of any database', () => {
    const { plan: p } = select({ filters: filters({ tables: [{ database: 'shop', table: 'a' }] }) });
    expect(tablesOf(p)).toEqual(['shop.a']);
    expect(objectsOf(p)).toEqual(['shop.trigger:a_bi']);
    expect(p.objects.every((o) => o.database === 'shop')).toBe(true);
  });

  it('--ignore-table: a view reading the table is left out with a warning naming it; routines of a database not selected are not loaded', () => {
    const { plan: p, events } = select({ filters: filters({ databases: ['shop'], ignoreTables: [{ database: 'shop', table: 'b' }] }) });
    expect(tablesOf(p)).toEqual(['shop.a']);
    expect(objectsOf(p)).toEqual(['shop.trigger:a_bi', 'shop.view:v_a']);
    expect(events.filter((e) => e.kind === 'warning').map((e) => (e.kind === 'warning' ? e.message : ''))).toEqual([expect.stringMatching(/^view shop\.v_b is not loaded: it reads shop\.b/)]);
  });

  it('a view naming its tables unqualified (as mysqldump prints it) is left out with the table it reads', () => {
    const { plan: p, events } = select({ filters: filters({ ignoreTables: [{ database: 'shop', table: 'a' }] }) });
    expect(objectsOf(p)).toEqual(['shop.view:v_b', 'crm.procedure:p', 'shop.view:v_b']);
    expect(events.map((e) => (e.kind === 'warning' ? e.message : ''))).toEqual([expect.stringMatching(/^view shop\.v_a is not loaded: it reads shop\.a/)]);
  });

  it("a one-database file's database goes by the name its header gives, else by -B's", () => {
    const text = (head: string): ScriptPlan => {
      const p = new ScriptPlanner({ limits: { statements: 10, bytes: 1 << 20 }, footer: true });
      p.push(Buffer.from(`${head}CREATE TABLE \`a\` (\`id\` int) ENGINE=InnoDB;\nINSERT INTO \`a\` VALUES (1);\nCREATE TABLE \`b\` (\`id\` int) ENGINE=InnoDB;\nUNLOCK TABLES;\n-- Dump completed\n`));
      return p.finish();
    };
    const opts = (tables: string, target: string) => loadOptions({ connection: { host: 'h', port: 1, user: 'u', password: '' }, source: '/tmp/x.sql', targetDatabase: target, restore: { filters: filters({ tables: [{ database: tables, table: 'a' }] }) } });
    const named = selectImport(text('-- Host: localhost    Database: shop\n'), opts('shop', 'copy'), { emit: () => undefined });
    expect(named.databases.map((d) => [d.name, d.tables.map((t) => t.name)])).toEqual([[null, ['a']]]);
    const unnamed = selectImport(text(''), opts('copy', 'copy'), { emit: () => undefined });
    expect(unnamed.databases.map((d) => d.tables.map((t) => t.name))).toEqual([['a']]);
  });

  it('a filter matching nothing is refused, saying what the dump holds', () => {
    expect(() => select({ filters: filters({ tables: [{ database: 'shop', table: 'nope' }] }) })).toThrow(/-T shop\.nope: no such table/);
    try {
      select({ filters: filters({ tables: [{ database: 'shop', table: 'nope' }] }) });
    } catch (e) {
      expect((e as { suggestion: string }).suggestion).toMatch(/the dump holds: shop \(a, b\); crm \(c\)/);
    }
    expect(() => select({ filters: filters({ databases: ['nodb'] }) })).toThrow(/database 'nodb' is not in the dump \(it holds shop, crm\)/);
  });

  it('--no-data keeps every table without its batches; --no-schema keeps the rows and no object', () => {
    const noData = select({ noData: true }).plan;
    expect(tablesOf(noData)).toEqual(['shop.a', 'shop.b', 'crm.c']);
    expect(noData.databases.flatMap((d) => d.tables).every((t) => t.batches.length === 0 && t.rows === 0)).toBe(true);
    // the stand-in view mysqldump creates before the data, and the rest
    expect(objectsOf(noData)).toEqual(['shop.trigger:a_bi', 'shop.view:v_b', 'crm.procedure:p', 'shop.view:v_b', 'shop.view:v_a']);
    const noSchema = select({ noSchema: true }).plan;
    expect(noSchema.databases.flatMap((d) => d.tables).map((t) => t.rows)).toEqual([3, 1, 1]);
    expect(noSchema.objects).toEqual([]);
  });

  it('records what a part covers; another part differs, naming the option', () => {
    const part = (t: string): Record<string, string> => {
      const r = { filters: filters({ tables: [{ database: 'shop', table: t }] }), noData: false, noSchema: false } as RestoreOptions;
      const { plan: p } = select(r);
      return importSelection(p.databases[0]!, p.objects, r);
    };
    const a = part('a');
    expect(differingSelection(a, part('a'))).toBeNull();
    expect(differingSelection(a, part('b'))).toEqual({ option: '-s, -T, --ignore-table, -x, --exclude-regex', first: 'with -T shop.a', now: 'with -T shop.b' });
    expect(differingSelection(null, { ...a, selection: 'all', '--no-data': 'on' })).toMatchObject({ option: '--no-data', first: 'without --no-data', now: 'with --no-data' });
    expect(differingSelection(null, importSelection(plan().databases[0]!, [], { filters: filters({}), noData: false, noSchema: false } as RestoreOptions))).toBeNull();
  });
});
