/**
 * The one error type of tsdump/tsload. Every failure that reaches the user carries a code, the
 * object it concerns (database, table, chunk, file), the underlying cause, and a suggestion.
 */

export const EXIT_CODES = {
  ok: 0,
  failed: 1,
  usage: 2,
  connection: 3,
  verification: 4,
  interrupted: 5,
  badDump: 6,
} as const;
export type ExitCodeName = keyof typeof EXIT_CODES;

export const ERROR_CODES = [
  'usage',
  'connect',
  'connection-lost',
  'auth',
  'privilege',
  'lock',
  'snapshot',
  'query',
  'io',
  'disk-full',
  'bad-dump',
  'verify',
  'interrupted',
  'target-changed',
  'packet-too-large',
  'local-infile',
  'preflight',
  /** A statement that did not finish in time (--statement-timeout); it was killed. */
  'timeout',
  'internal',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** Exit code for each error code: a closed map, so a new code will not compile until it is mapped. */
const EXIT_FOR: Record<ErrorCode, ExitCodeName> = {
  usage: 'usage',
  connect: 'connection',
  // A connection that worked and then broke is a failed run (rerun it), not a cannot-connect.
  'connection-lost': 'failed',
  auth: 'connection',
  privilege: 'failed',
  lock: 'failed',
  snapshot: 'failed',
  query: 'failed',
  io: 'failed',
  'disk-full': 'failed',
  'bad-dump': 'badDump',
  verify: 'verification',
  interrupted: 'interrupted',
  'target-changed': 'failed',
  'packet-too-large': 'failed',
  'local-infile': 'failed',
  // the run would fail: nothing was changed (the problems are listed in the message)
  preflight: 'failed',
  timeout: 'failed',
  internal: 'failed',
};

/** What an error is about. All fields optional; the message builder prints those present. */
export interface ErrorObject {
  readonly database?: string;
  readonly table?: string;
  readonly chunk?: string | number;
  readonly file?: string;
  readonly row?: number;
}

export interface TsErrorInit {
  readonly code: ErrorCode;
  readonly message: string;
  readonly object?: ErrorObject;
  readonly suggestion?: string;
  readonly cause?: unknown;
  /** Server errno when the error came from the server or the driver. */
  readonly errno?: number;
}

export class TsError extends Error {
  readonly code: ErrorCode;
  readonly object: ErrorObject;
  readonly suggestion: string | undefined;
  readonly errno: number | undefined;

  constructor(init: TsErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'TsError';
    this.code = init.code;
    this.object = init.object ?? {};
    this.suggestion = init.suggestion;
    this.errno = init.errno ?? errnoOf(init.cause);
  }

  get exitCode(): number {
    return EXIT_CODES[EXIT_FOR[this.code]];
  }

  /** A copy with more context about the object (outer layers know the table, inner ones the row). */
  withObject(object: ErrorObject): TsError {
    return new TsError({
      code: this.code,
      message: this.message,
      object: { ...object, ...this.object },
      suggestion: this.suggestion,
      cause: this.cause,
      errno: this.errno,
    });
  }
}

export function describeObject(o: ErrorObject): string {
  const parts: string[] = [];
  if (o.database !== undefined && o.table !== undefined) parts.push(`table ${o.database}.${o.table}`);
  else if (o.database !== undefined) parts.push(`database ${o.database}`);
  else if (o.table !== undefined) parts.push(`table ${o.table}`);
  if (o.chunk !== undefined) parts.push(`chunk ${o.chunk}`);
  if (o.file !== undefined) parts.push(`file ${o.file}`);
  if (o.row !== undefined) parts.push(`row ${o.row}`);
  return parts.join(', ');
}

/** The full text shown to a user: message, object, errno, suggestion. Never contains a password. */
export function formatError(err: TsError): string {
  const obj = describeObject(err.object);
  const lines = [`error: ${err.message}${obj ? ` (${obj})` : ''}${err.errno !== undefined && err.errno > 0 ? ` [server error ${err.errno}]` : ''}`];
  if (err.suggestion) lines.push(`  hint: ${err.suggestion}`);
  return lines.join('\n');
}

export function errnoOf(e: unknown): number | undefined {
  if (typeof e === 'object' && e !== null && 'errno' in e) {
    const n = (e as { errno: unknown }).errno;
    if (typeof n === 'number') return n;
  }
  return undefined;
}

export function sysCodeOf(e: unknown): string | undefined {
  if (typeof e === 'object' && e !== null && 'code' in e) {
    const c = (e as { code: unknown }).code;
    if (typeof c === 'string') return c;
  }
  return undefined;
}

export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
