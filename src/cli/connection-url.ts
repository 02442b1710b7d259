import { TsError } from '../core/errors.js';
import type { SslMode } from '../db/session.js';
import { freezeDefined, parseSslMode } from './option-values.js';
import { normalizeKey } from './option-files.js';
import { maskUrl } from '../core/mask-url.js';

export { maskUrl } from '../core/mask-url.js';

export interface ParsedUrl {
  readonly host?: string;
  readonly port?: number;
  readonly user?: string;
  /** undefined when the URL has no `:password` part (so option files, then MYSQL_PWD, still apply). */
  readonly password?: string;
  readonly database?: string;
  readonly socket?: string;
  readonly sslMode?: SslMode;
}

/**
 * Parses mysql://user:pass@host:port/db?ssl-mode=REQUIRED&socket=/path (also mariadb://).
 * User, password and database are percent-decoded. Errors show the URL with the password masked.
 */
export function parseConnectionUrl(text: string): ParsedUrl {
  const bad = (why: string): TsError =>
    new TsError({ code: 'usage', message: `invalid --url '${maskUrl(text)}': ${why}`, suggestion: 'use mysql://user:password@host:port/database (percent-encode special characters)' });
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw bad('not a URL');
  }
  if (u.protocol !== 'mysql:' && u.protocol !== 'mariadb:') throw bad(`scheme must be mysql:// (got ${u.protocol}//)`);
  const decode = (s: string, what: string): string => {
    try {
      return decodeURIComponent(s);
    } catch {
      throw bad(`bad percent-encoding in the ${what}`);
    }
  };
  // URL.password is '' both for "u:@h" and "u@h"; only the raw text tells an empty password from none.
  const hasPassword = /^[a-z]+:\/\/[^@/]*:[^@/]*@/i.test(text);
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  const db = u.pathname.replace(/^\//, '');
  let sslMode: SslMode | undefined;
  let socket: string | undefined;
  for (const [k, v] of u.searchParams) {
    const key = normalizeKey(k);
    if (key === 'ssl-mode' || key === 'sslmode') sslMode = parseSslMode(v, 'ssl-mode in --url');
    else if (key === 'socket') socket = v;
    else throw bad(`unknown parameter '${k}' (known: ssl-mode, socket)`);
  }
  return freezeDefined({
    host: host || undefined,
    port: u.port ? Number(u.port) : undefined,
    user: u.username ? decode(u.username, 'user name') : undefined,
    password: hasPassword ? decode(u.password, 'password') : undefined,
    database: db ? decode(db, 'database name') : undefined,
    socket,
    sslMode,
  });
}
