/**
 * The assignments of a script's SET statement, read the same way by both trackers of its session
 * (sql-mode-tracker.ts for the splitter, session-state-tracker.ts for the planner): `SET var = v`
 * with v '…', "…" (phpMyAdmin writes `SET SQL_MODE = "NO_AUTO_VALUE_ON_ZERO"`), a bare word, DEFAULT,
 * @@var or @uservar; SESSION / @@SESSION. / @@ prefixes, several per SET, also inside /*!NNNNN … *\/.
 * An expression (`CONCAT(@@sql_mode, …)`) is not read: the trackers keep what they had.
 */
export type SetValue =
  /** A quoted string's text, or a bare word lower-cased. */
  | { readonly kind: 'text'; readonly text: string }
  /** The variable's initial value (`= DEFAULT`). */
  | { readonly kind: 'default' }
  /** Another variable's value: a system variable's name, or a user variable as `@name`. */
  | { readonly kind: 'variable'; readonly name: string };

export interface SetAssignment {
  /** `sql_mode`, `time_zone` …, or a user variable as `@name`; lower case. */
  readonly variable: string;
  readonly value: SetValue;
}

const NAME = '@@(?:session\\.)?[A-Za-z0-9_]+|@[A-Za-z0-9_$.]+';
/** A bare word ends the value: a name followed by '(' is a function call. */
const VALUE = `'(?:[^'\\\\]|\\\\.|'')*'|"(?:[^"\\\\]|\\\\.|"")*"|${NAME}|[A-Za-z0-9_+:.-]+(?![A-Za-z0-9_+:.(-])(?!\\s*\\()`;
const ASSIGN = new RegExp(`(${NAME}|(?:session\\s+)?[A-Za-z0-9_]+)\\s*:?=\\s*(${VALUE})`, 'gi');

/** A head that is a SET once its conditional-comment markers are blanks (what setAssignments reads). */
const SET_HEAD = /^(?:\s|\/\*M?!\d*|\*\/)*SET\s/i;

/** `@@session.time_zone`, `SESSION time_zone`, `TIME_ZONE` → `time_zone`; a user variable stays `@name`. */
export function variableName(raw: string): string {
  const s = raw.toLowerCase();
  if (s.startsWith('@@')) return s.slice(2).replace(/^session\./, '');
  if (s.startsWith('@')) return s;
  return s.replace(/^session\s+/, '');
}

function valueOf(raw: string): SetValue {
  const q = raw[0]!;
  if (q === "'" || q === '"') return { kind: 'text', text: raw.slice(1, -1).replaceAll(q + q, q) };
  if (q === '@') return { kind: 'variable', name: variableName(raw) };
  return /^default$/i.test(raw) ? { kind: 'default' } : { kind: 'text', text: raw.toLowerCase() };
}

/** The head's assignments, in order; none when it is not a SET. */
export function setAssignments(head: string): SetAssignment[] {
  // asked of every statement of a script: the few SETs are told before any copy of the head is made
  if (!SET_HEAD.test(head)) return [];
  const plain = head.replace(/\/\*M?!\d*|\*\//g, ' ');
  return [...plain.matchAll(ASSIGN)].map((m) => ({ variable: variableName(m[1]!), value: valueOf(m[2]!) }));
}
