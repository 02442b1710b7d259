import { TsError } from '../core/errors.js';
import { activeAuthPlugins } from '../db/accounts.js';
import { parseVersion } from '../db/flavor.js';
import type { Manifest } from '../format/manifest.js';
import type { DumpStore } from '../storage/dump-store.js';
import { accountLabel, parseUsersFile, type AccountEntry, type UsersFile } from '../format/users-file.js';
import { readSchemaFile } from './dump-reader.js';
import type { LoadContext } from './load-context.js';
import type { UsersReport, UsersSelection } from './load-options.js';
import { redact, redactReason } from '../core/sql-secrets.js';
import { accountStatements, isSystemAccount, matchesAny, type AccountStatement } from './users-plan.js';

/**
 * --load-users: the dump's accounts and roles onto the target, for the target's flavor: every
 * CREATE (roles first; IF NOT EXISTS: an account that exists keeps its password and limits) before
 * the objects (step 9a), then every grant and role grant, then default roles (step 10b).
 * Idempotent, so a rerun after an interruption simply repeats both halves. A statement the target cannot take (an authentication plugin it lacks, a
 * privilege it does not know) does not stop the others: each is reported with the reason, and the
 * run ends with exit 1 after everything else is done (cli/tsload.ts).
 */
/** The users file and the accounts --users-include/--users-exclude/--include-system-users choose. */
async function chooseAccounts(store: DumpStore, manifest: Manifest, sel: UsersSelection): Promise<{ file: UsersFile; chosen: AccountEntry[]; skipped: UsersReport['skipped'] }> {
  const entry = manifest.users;
  if (!entry) {
    throw new TsError({ code: 'usage', message: '--load-users: this dump holds no accounts (it was taken without tsdump --users)', suggestion: 'dump again with --users, or leave out --load-users' });
  }
  const file = parseUsersFile(await readSchemaFile(store, entry), entry.path);
  const chosen: AccountEntry[] = [];
  const skipped: UsersReport['skipped'] = [];
  for (const a of file.accounts) {
    const label = accountLabel(a);
    if (sel.exclude.length > 0 && matchesAny(label, sel.exclude)) skipped.push({ account: label, reason: '--users-exclude' });
    else if (sel.include.length > 0 && !matchesAny(label, sel.include)) skipped.push({ account: label, reason: 'not matched by --users-include' });
    else if (!sel.system && isSystemAccount(a)) skipped.push({ account: label, reason: 'root or system account (--include-system-users loads it)' });
    else chosen.push(a);
  }
  return { file, chosen, skipped };
}

/** --dry-run: the statements, spelled for a target of the source's flavor (hashes hidden). */
export async function describeUsers(store: DumpStore, manifest: Manifest, sel: UsersSelection, renames: ReadonlyMap<string, string>): Promise<string[]> {
  const { file, chosen, skipped } = await chooseAccounts(store, manifest, sel);
  const flavor = parseVersion(manifest.server.version);
  return [
    `users: ${chosen.length} account(s)/role(s) to create, ${skipped.length} skipped${skipped.length > 0 ? ` (${skipped.slice(0, 5).map((x) => `${x.account}: ${x.reason}`).join('; ')}${skipped.length > 5 ? '; …' : ''})` : ''}:`,
    ...accountStatements(chosen, file.flavor, flavor, renames).map((x) => `  ${redact(x.sql)};`),
  ];
}

/** What createAccounts did, for grantAccounts to finish: the statements, and the report so far. */
export interface AccountsCreated {
  readonly statements: readonly AccountStatement[];
  readonly report: UsersReport;
}

/** The accounts --load-users creates (user and host; a role's host is ''), for the preflight's DEFINER check. */
export async function accountsToLoad(store: DumpStore, manifest: Manifest, sel: UsersSelection): Promise<{ user: string; host: string }[]> {
  return (await chooseAccounts(store, manifest, sel)).chosen.map((a) => ({ user: a.user, host: a.host }));
}

/**
 * The first half, before the views, routines, triggers and events (step 9): a view that reads a
 * view whose DEFINER is one of these accounts cannot be created until the account exists (error
 * 1449). Grants wait for the second half: a table-, column- or routine-level GRANT needs its object.
 */
export async function createAccounts(ctx: LoadContext, sel: UsersSelection): Promise<AccountsCreated> {
  const { file, chosen, skipped } = await chooseAccounts(ctx.store, ctx.manifest, sel);
  const report: UsersReport = { created: [], existed: [], skipped, problems: [] };
  const plugins = await activeAuthPlugins(ctx.control.session);
  const statements = accountStatements(chosen, file.flavor, ctx.flavor, ctx.renames);
  for (const s of statements.filter((x) => x.phase === 'create')) {
    const a = chosen.find((c) => accountLabel(c) === s.account)!;
    const exists = Number(await ctx.control.scalar('SELECT COUNT(*) FROM mysql.user WHERE User = ? AND Host = ?', [a.user, a.host])) > 0;
    if (exists) report.existed.push(s.account);
    else if (await runAccountStatement(ctx, s, report, plugins)) report.created.push(s.account);
  }
  return { statements, report };
}

/** The second half, after the objects: every grant and role grant, then default roles; then the report. */
export async function grantAccounts(ctx: LoadContext, { statements, report }: AccountsCreated): Promise<UsersReport> {
  const failed = new Set(report.problems.map((p) => p.account));
  for (const s of statements.filter((x) => x.phase !== 'create')) {
    if (failed.has(s.account)) continue; // its CREATE failed: its grants would fail the same way
    await runAccountStatement(ctx, s, report, new Set());
  }
  ctx.reporter.emit({ kind: 'info', message: `users: ${report.created.length} created, ${report.existed.length} existed already (kept as they were, grants added), ${report.skipped.length} skipped, ${report.problems.length} statement(s) the target could not take` });
  // never silently: an account kept as it was may differ from the dump's (password, limits, TLS)
  if (report.existed.length > 0) ctx.reporter.emit({ kind: 'info', message: `users: kept as they are on the target (password, limits and TLS requirement not changed): ${report.existed.join(', ')}` });
  for (const p of report.problems) ctx.reporter.emit({ kind: 'warning', message: `users: ${p.account}: ${p.reason}: ${p.statement}` });
  return report;
}

/** Runs one statement; a refusal is added to the report (and false returned), never thrown. */
async function runAccountStatement(ctx: LoadContext, s: AccountStatement, report: UsersReport, plugins: ReadonlySet<string>): Promise<boolean> {
  try {
    await ctx.control.exec(s.sql, [], { database: 'mysql', table: s.account });
    return true;
  } catch (e) {
    const lacks = s.plugin !== null && s.phase === 'create' && !plugins.has(s.plugin.toLowerCase());
    // the server's text quotes the statement, hash and all (`near '0x2441…'`)
    const message = redactReason(e instanceof Error ? e.message : String(e), s.sql);
    report.problems.push({ account: s.account, statement: redact(s.sql), reason: lacks ? `the target has no authentication plugin '${s.plugin}' (${message})` : message });
    return false;
  }
}
