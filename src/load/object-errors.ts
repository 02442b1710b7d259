import { TsError } from '../core/errors.js';
import { qualified } from '../core/ident.js';
import type { ObjectEntry } from '../format/manifest.js';
import type { LoadContext, TargetDb } from './load-context.js';
import { readsOutsideLoad } from './object-order.js';

/** Errors of a view or routine that reads something absent: a table or view (1146), a function (1305), a DEFINER (1449). */
const ABSENT_ERRNOS = [1146, 1305, 1449];

const RERUN = 'then rerun the same command (the load resumes with this object)';

/**
 * The error of an object the target refused, with the fix its cause needs: the server's own hint
 * for a missing table speaks of -T filters, which is not why a view of a dump is refused.
 */
export async function objectError(ctx: LoadContext, t: TargetDb, o: ObjectEntry, e: unknown): Promise<unknown> {
  if (!(e instanceof TsError) || !ABSENT_ERRNOS.includes(e.errno ?? 0)) return e;
  const suggestion = e.errno === 1449 ? definerHint() : await absentHint(ctx, o);
  return new TsError({ code: e.code, message: e.message, object: e.object, suggestion, cause: e.cause ?? e, errno: e.errno });
}

function definerHint(): string {
  return `the object, or a view it reads, has a DEFINER account the target does not have: pass --load-users (the dump's accounts, when tsdump --users wrote them; they are created before the objects), create the account on the target, or pass --skip-definer (the objects then belong to the loading user); ${RERUN}`;
}

async function absentHint(ctx: LoadContext, o: ObjectEntry): Promise<string> {
  const outside = readsOutsideLoad(o, new Set(ctx.renames.keys()));
  const databases = [...new Set(outside.map((r) => r.database))];
  const present = new Set<string>();
  for (const d of databases) if (Number(await ctx.control.scalar('SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [d])) > 0) present.add(d);
  const absent = databases.filter((d) => !present.has(d));
  const names = (d: string): string => outside.filter((r) => r.database === d).map((r) => qualified(r.database, r.name)).join(', ');
  if (absent.length > 0) {
    return `it reads ${absent.map(names).join(', ')}, and database ${absent.join(', ')} is not part of this load and does not exist on the target: load that database first (dump it with tsdump -B and load it), or create what it reads there; ${RERUN}`;
  }
  if (databases.length > 0) return `it reads ${databases.map(names).join(', ')}, in database ${databases.join(', ')}, which this load does not create: create what it reads there; ${RERUN}`;
  return `it reads a table, view or function the target does not have: create it first; ${RERUN}`;
}
