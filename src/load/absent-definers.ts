import type { Problem } from '../core/problem.js';
import type { DatabaseEntry, ObjectEntry } from '../format/manifest.js';
import { DEFINER } from '../format/sql-classify.js';
import { unquote } from './users-plan.js';

/**
 * The dump's objects whose DEFINER account the target lacks and this load neither creates
 * (--load-users) nor rewrites (--skip-definer). The server creates such an object with a note
 * (1449) only, and it fails when used (a view read, a routine called, a trigger fired, an event
 * run) until the account exists: a warning each, as such loads work today and the account may come
 * later. But a view that reads such a view cannot be created at all (error 1449, after all the
 * data, and again on every rerun) when that view runs with its definer's rights (SQL SECURITY
 * DEFINER, the default): that load is refused before anything is changed. An SQL SECURITY INVOKER
 * view is read with the reader's rights, and the view over it is created: a warning.
 */
export interface Account {
  readonly user: string;
  readonly host: string;
}

export interface DefinerPlan {
  readonly targets: readonly { readonly name: string; readonly source: DatabaseEntry }[];
  /** The accounts --load-users creates before the objects; null without --load-users. */
  readonly accounts: readonly Account[] | null;
  readonly skipDefiner: boolean;
  /** Of blockingViews, those with SQL SECURITY INVOKER (`source db\0name`), read from their files. */
  readonly invokerViews?: ReadonlySet<string>;
}

export interface AbsentDefiners {
  readonly problems: Problem[];
  readonly warnings: { readonly database: string; readonly name: string; readonly message: string }[];
}


/** A DEFINER as the server prints it (`user`@`host`, 'user'@'host', user@host); null for CURRENT_USER or what it cannot read. */
export function parseDefiner(definer: string): Account | null {
  const m = /^(`(?:[^`]|``)*`|'(?:[^']|'')*'|[^@`']+)@(`(?:[^`]|``)*`|'(?:[^']|'')*'|[^@`']+)$/.exec(definer.trim());
  if (!m || /^CURRENT_USER\b/i.test(definer)) return null;
  return { user: unquote(m[1]!), host: unquote(m[2]!) };
}

/** The DEFINERs of the dump's objects, as written in the manifest (what the preflight asks the target about). */
export function dumpDefiners(targets: DefinerPlan['targets']): string[] {
  return [...new Set(targets.flatMap((t) => t.source.objects.map((o) => o.definer).filter((d): d is string => !!d && parseDefiner(d) !== null)))];
}

/** Views of the load some other view reads, by source database and name. */
function readViews(targets: DefinerPlan['targets']): Set<string> {
  const out = new Set<string>();
  for (const t of targets) {
    for (const v of t.source.objects.filter((o) => o.kind === 'view')) {
      for (const r of v.reads ?? []) if (r.kind === 'table') out.add(`${r.database}\0${r.name}`);
      for (const d of v.dependsOn ?? []) out.add(`${t.source.name}\0${d}`);
    }
  }
  return out;
}

/**
 * `present`: for each DEFINER of dumpDefiners, whether the target has that account; null when the
 * target's accounts cannot be read (nothing is judged then).
 */
export function absentDefiners(plan: DefinerPlan, present: ReadonlyMap<string, boolean> | null): AbsentDefiners {
  const out: AbsentDefiners = { problems: [], warnings: [] };
  if (plan.skipDefiner || present === null) return out;
  const absent = absentTest(plan, present);
  const read = readViews(plan.targets);
  const skip = 'or pass --skip-definer (the objects then belong to the loading user)';
  const fix = plan.accounts === null ? `pass --load-users (the dump's accounts, when tsdump --users wrote them), create the account on the target first, ${skip}` : `let --load-users create it (--users-include, --users-exclude, --include-system-users choose the accounts), create it on the target first, ${skip}`;
  for (const t of plan.targets) {
    for (const o of t.source.objects.filter(absent)) {
      const key = `${t.source.name}\0${o.name}`;
      if (o.kind === 'view' && read.has(key) && !plan.invokerViews?.has(key)) {
        out.problems.push({
          code: 'definer-absent',
          object: { database: t.name, table: o.name },
          message: `view ${t.name}.${o.name} has DEFINER ${o.definer}, an account the target does not have and this load does not create: a view that reads it cannot be created (error 1449)`,
          fix,
        });
      } else {
        out.warnings.push({ database: t.name, name: o.name, message: `${o.kind} ${t.name}.${o.name} has DEFINER ${o.definer}, an account the target does not have and this load does not create: it is created, but fails when used until the account exists (${fix})` });
      }
    }
  }
  return out;
}

function absentTest(plan: DefinerPlan, present: ReadonlyMap<string, boolean>): (o: ObjectEntry) => boolean {
  const loaded = new Set((plan.accounts ?? []).map((a) => `${a.user}\0${a.host.toLowerCase()}`));
  return (o) => {
    const a = o.definer ? parseDefiner(o.definer) : null;
    return a !== null && present.get(o.definer!) === false && !loaded.has(`${a.user}\0${a.host.toLowerCase()}`);
  };
}

/** The views absentDefiners refuses unless SQL SECURITY INVOKER: read by another view, their DEFINER absent. */
export function blockingViews(plan: DefinerPlan, present: ReadonlyMap<string, boolean> | null): { readonly sourceDb: string; readonly view: ObjectEntry }[] {
  if (plan.skipDefiner || present === null) return [];
  const absent = absentTest(plan, present);
  const read = readViews(plan.targets);
  return plan.targets.flatMap((t) => t.source.objects.filter((o) => o.kind === 'view' && absent(o) && read.has(`${t.source.name}\0${o.name}`)).map((view) => ({ sourceDb: t.source.name, view })));
}

/** Whether a view's CREATE (as tsdump writes it) says SQL SECURITY INVOKER, before its SELECT. */
export function invokerView(create: string): boolean {
  return INVOKER_VIEW.test(create);
}

/** The clauses before VIEW (sql-classify.ts's DEFINER reads the account whole: a host may be view.example.com). */
const INVOKER_VIEW = new RegExp(`^\\s*CREATE\\s+(?:OR\\s+REPLACE\\s+)?(?:ALGORITHM\\s*=\\s*\\w+\\s+)?${DEFINER}SQL\\s+SECURITY\\s+INVOKER\\s+VIEW\\b`, 'i');
