/**
 * --events-disabled: an event's status clause (ENABLE | DISABLE | DISABLE ON SLAVE/REPLICA) in its
 * CREATE EVENT text, rewritten before the event is created — so it never runs on the restored copy
 * (an ALTER EVENT after the CREATE would leave a window in which a due event fires).
 *
 * Grammar: CREATE … EVENT name ON SCHEDULE … [ON COMPLETION [NOT] PRESERVE] [status] [COMMENT '…']
 * DO body. The status is the last ENABLE/DISABLE word before the first DO outside quotes; SHOW
 * CREATE EVENT always prints one. Without one the clause is added before COMMENT/DO.
 */
export const EVENT_STATES = ['disable', 'replica'] as const;
export type EventState = (typeof EVENT_STATES)[number];

interface Word {
  readonly upper: string;
  readonly start: number;
  readonly end: number;
}

/** Words outside quotes and comments, up to and including the first DO. */
function headWords(sql: string): Word[] {
  const out: Word[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    if (c === "'" || c === '"' || c === '`') {
      i++;
      while (i < sql.length && sql[i] !== c) i += sql[i] === '\\' && c !== '`' ? 2 : 1;
      i++;
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      const start = i;
      while (i < sql.length && /[A-Za-z0-9_$]/.test(sql[i]!)) i++;
      const w = { upper: sql.slice(start, i).toUpperCase(), start, end: i };
      out.push(w);
      if (w.upper === 'DO') return out;
      continue;
    }
    i++;
  }
  return out;
}

export function withEventStatus(sql: string, clause: string): string {
  const words = headWords(sql);
  const doAt = words.findIndex((w) => w.upper === 'DO');
  if (doAt < 0) return sql;
  let from = -1;
  for (let k = 0; k < doAt; k++) if (words[k]!.upper === 'ENABLE' || words[k]!.upper === 'DISABLE') from = k;
  if (from < 0) {
    const comment = words.findIndex((w, k) => k < doAt && w.upper === 'COMMENT');
    const at = words[comment >= 0 ? comment : doAt]!.start;
    return `${sql.slice(0, at)}${clause} ${sql.slice(at)}`;
  }
  let to = from;
  // DISABLE ON SLAVE / DISABLE ON REPLICA
  if (words[from]!.upper === 'DISABLE' && words[from + 1]?.upper === 'ON' && (words[from + 2]?.upper === 'SLAVE' || words[from + 2]?.upper === 'REPLICA')) to = from + 2;
  return `${sql.slice(0, words[from]!.start)}${clause}${sql.slice(words[to]!.end)}`;
}
