/**
 * my.cnf option files, read the way the mysql client reads them.
 *
 * Syntax: `[group]`, `key=value`, `key = "quoted value"` (escapes \n \t \r \b \s \\ \" \'), bare `key`,
 * `#` comments (anywhere outside quotes) and `;` comments (line start), `!include FILE`, `!includedir DIR`
 * (its *.cnf files, sorted). Keys are case-insensitive, `-` and `_` are the same, a `loose-` prefix is
 * dropped.
 *
 * Files: /etc/my.cnf, /etc/mysql/my.cnf, $MYSQL_HOME/my.cnf, --defaults-extra-file, ~/.my.cnf (missing
 * ones skipped); --defaults-file replaces that whole list, the extra file included (as the mysql and
 * MariaDB clients: their mysys reads --defaults-extra-file only among the default files, so with
 * --defaults-file it is not read, not even checked to exist); --no-defaults reads nothing.
 * Groups read: [client-server], [client], [client-mariadb], [client<suffix>], [<tool>], [<tool><suffix>].
 * As with the mysql client the group does not rank a value: every line of those groups is applied in
 * the order read (files in the order above, an include in place of its line), and a later line wins
 * whichever of the groups it is in — `[tsdump] port=1` followed by `[client] port=3306` is 3306.
 */
import os from 'node:os';
import path from 'node:path';
import { TsError } from '../core/errors.js';
import { nodeFileSystem, type OptionFileSystem } from '../storage/local-files.js';
import { decodeLoginFile } from './login-file.js';
import { warnOnStderr } from './option-values.js';

/** One `key[=value]` line; value undefined for a bare key. */
export interface OptionEntry {
  readonly group: string;
  readonly key: string;
  readonly value: string | undefined;
  readonly file: string;
  readonly line: number;
  /** Written with a `loose-` prefix: ignored where the key is unknown. */
  readonly loose?: boolean;
}

export { nodeFileSystem, type OptionFileSystem } from '../storage/local-files.js';

const MAX_INCLUDE_DEPTH = 10;

function looseFlag(rawKey: string): { loose?: true } {
  return /^\s*loose[-_]/i.test(rawKey) ? { loose: true } : {};
}

/** Canonical key: lower case, `_` → `-`, without a `loose-` prefix. */
export function normalizeKey(key: string): string {
  const k = key.trim().toLowerCase().replace(/_/g, '-');
  return k.startsWith('loose-') ? k.slice('loose-'.length) : k;
}

/**
 * Parses option-file text into entries in file order, following includes through `fs`.
 * Relative include paths are resolved against the including file's directory.
 */
export function parseOptionText(text: string, file: string, fs: OptionFileSystem = nodeFileSystem, depth = 0): OptionEntry[] {
  const entries: OptionEntry[] = [];
  let group = '';
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const line = (lines[i] ?? '').trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    if (line.startsWith('!')) {
      entries.push(...directive(line, file, lineNo, fs, depth));
      continue;
    }
    if (line.startsWith('[')) {
      const end = line.indexOf(']');
      if (end < 0) throw syntaxError(file, lineNo, 'group header without a closing ]');
      group = line.slice(1, end).trim().toLowerCase();
      continue;
    }
    if (group === '') throw syntaxError(file, lineNo, 'option outside of any [group]');
    const eq = line.indexOf('=');
    if (eq < 0) {
      const key = normalizeKey(stripComment(line));
      if (key) entries.push({ group, key, value: undefined, file, line: lineNo, ...looseFlag(stripComment(line)) });
      continue;
    }
    const key = normalizeKey(line.slice(0, eq));
    if (!key) throw syntaxError(file, lineNo, 'option without a name');
    entries.push({ group, key, value: parseValue(line.slice(eq + 1), file, lineNo), file, line: lineNo, ...looseFlag(line.slice(0, eq)) });
  }
  return entries;
}

function directive(line: string, file: string, lineNo: number, fs: OptionFileSystem, depth: number): OptionEntry[] {
  const m = /^!(include|includedir)\s+(.+)$/.exec(line);
  if (!m) throw syntaxError(file, lineNo, `unknown directive '${line.split(/\s/)[0] ?? line}'`);
  if (depth >= MAX_INCLUDE_DEPTH) throw syntaxError(file, lineNo, `includes nested more than ${MAX_INCLUDE_DEPTH} deep (a loop?)`);
  const target = path.resolve(path.dirname(file), (m[2] ?? '').trim());
  const files =
    m[1] === 'include'
      ? [target]
      : (fs.listDir(target) ?? [])
          .filter((n) => n.endsWith('.cnf'))
          .sort()
          .map((n) => path.join(target, n));
  const out: OptionEntry[] = [];
  for (const f of files) {
    const text = fs.readFile(f);
    if (text !== undefined) out.push(...parseOptionText(text, f, fs, depth + 1));
  }
  return out;
}

/** A value: trimmed, `#` starts a comment outside quotes, one surrounding pair of quotes removed, escapes decoded. */
function parseValue(raw: string, file: string, lineNo: number): string {
  const s = stripComment(raw).trim();
  const q = s[0];
  if ((q === '"' || q === "'") && s.length >= 2 && s.endsWith(q) && !isEscapedAt(s, s.length - 1)) {
    return unescape(s.slice(1, -1));
  }
  if (q === '"' || q === "'") {
    if (s.length < 2 || !s.endsWith(q)) throw syntaxError(file, lineNo, 'unterminated quoted value');
  }
  return unescape(s);
}

function isEscapedAt(s: string, i: number): boolean {
  let n = 0;
  for (let j = i - 1; j >= 0 && s[j] === '\\'; j--) n++;
  return n % 2 === 1;
}

/** Drops a trailing `# comment` that is outside quotes (the mysql client's rule). */
function stripComment(s: string): string {
  let quote = '';
  let escape = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if ((c === '"' || c === "'") && !escape) {
      if (!quote) quote = c;
      else if (quote === c) quote = '';
    }
    if (!quote && c === '#') return s.slice(0, i);
    escape = quote !== '' && c === '\\' && !escape;
  }
  return s;
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', s: ' ', '\\': '\\', '"': '"', "'": "'" };

function unescape(s: string): string {
  return s.replace(/\\(.)/g, (all, c: string) => ESCAPES[c] ?? all);
}

function syntaxError(file: string, line: number, what: string): TsError {
  return new TsError({
    code: 'usage',
    message: `option file syntax error at line ${line}: ${what}`,
    object: { file },
    suggestion: 'fix the option file, or run with --no-defaults to ignore option files',
  });
}


// ---------------------------------------------------------------------------------------------

export type ToolName = 'tsdump' | 'tsload';

export interface OptionFileRequest {
  readonly tool: ToolName;
  /** --no-defaults: read no option files at all. */
  readonly noDefaults?: boolean;
  /** --defaults-file: read only this file (must exist). */
  readonly defaultsFile?: string;
  /** --defaults-extra-file: read this file too (must exist), unless defaultsFile is given. */
  readonly defaultsExtraFile?: string;
  /** --defaults-group-suffix: also read [client<suffix>] and [<tool><suffix>]. */
  readonly groupSuffix?: string;
  /** --login-path: the group of ~/.mylogin.cnf to read. */
  readonly loginPath?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly homeDir?: string;
  /** Where a file ignored for its permissions is reported (default: a warning line on stderr). */
  readonly warn?: (message: string) => void;
}

/**
 * The mysql client's rule (MySQL's and MariaDB's alike): an option file anyone may write is ignored
 * with a warning, since anyone could have pointed it at their own server (which then receives the
 * password) or turned TLS off in it. Includes are read through this too.
 */
function ignoredWorldWritable(fs: OptionFileSystem, file: string, warn: (message: string) => void): boolean {
  if (((fs.permissions?.(file) ?? 0) & 0o002) === 0) return false;
  warn(`world-writable option file '${file}' is ignored (as the mysql client does): chmod o-w it`);
  return true;
}

/** `fs` with the world-writable files left out (for includes). */
function ignoringWorldWritable(fs: OptionFileSystem, warn: (message: string) => void): OptionFileSystem {
  return {
    readFile: (file) => {
      const text = fs.readFile(file);
      return text === undefined || ignoredWorldWritable(fs, file, warn) ? undefined : text;
    },
    listDir: (dir) => fs.listDir(dir),
    readBytes: (file) => fs.readBytes(file),
  };
}

/**
 * MySQL's rule for the login path file: it is ignored, with a warning, unless only its owner may
 * read and write it (mysql_config_editor makes it 0600): it holds passwords, merely obscured.
 */
function loginFileExposed(fs: OptionFileSystem, file: string): boolean {
  return ((fs.permissions?.(file) ?? 0) & 0o177) !== 0;
}

/** The files to read, in order. Required ones (given on the command line) are marked. */
export function optionFileList(req: OptionFileRequest): { file: string; required: boolean }[] {
  if (req.noDefaults) return [];
  if (req.defaultsFile) return [{ file: path.resolve(req.defaultsFile), required: true }];
  const extra = req.defaultsExtraFile ? [{ file: path.resolve(req.defaultsExtraFile), required: true }] : [];
  const env = req.env ?? process.env;
  const home = req.homeDir ?? env.HOME ?? os.homedir();
  return [
    { file: '/etc/my.cnf', required: false },
    { file: '/etc/mysql/my.cnf', required: false },
    ...(env.MYSQL_HOME ? [{ file: path.join(env.MYSQL_HOME, 'my.cnf'), required: false }] : []),
    ...extra,
    ...(home ? [{ file: path.join(home, '.my.cnf'), required: false }] : []),
  ];
}

/** The group name the entries of the --login-path group of ~/.mylogin.cnf are given (one of the groups read with --login-path). */
export const LOGIN_PATH_GROUP = '@login-path';

/** The groups a tool reads (which of them a line is in does not rank it: see mergeOptionGroups). */
export function groupsFor(tool: ToolName, suffix = '', loginPath = false): string[] {
  const s = suffix.toLowerCase();
  const groups = ['client-server', 'client', 'client-mariadb', `client${s}`, tool, `${tool}${s}`, ...(loginPath ? [LOGIN_PATH_GROUP] : [])];
  return groups.filter((g, i) => groups.indexOf(g) === i);
}

/** Only the tool's own groups: [<tool>], [<tool><suffix>]. */
export function toolGroupsFor(tool: ToolName, suffix = ''): string[] {
  const s = suffix.toLowerCase();
  return s ? [tool, `${tool}${s}`] : [tool];
}

/**
 * Merges the entries of `groups` into one flat record in the order read, a later entry winning
 * whichever of the groups it is in (the mysql client's rule: no group outranks another). A bare key
 * becomes 'true'; a bare `password` (the mysql client would prompt) is ignored — use -p for that.
 */
export function mergeOptionGroups(entries: readonly OptionEntry[], groups: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of entries) {
    if (!groups.includes(e.group)) continue;
    if (e.value === undefined && e.key === 'password') continue;
    out[e.key] = e.value ?? 'true';
  }
  return out;
}

/** The prefixes the mysql client's option parser (my_getopt) reads on any boolean option: `enable-x` is x=1, `skip-x` and `disable-x` are x=0. */
export const BOOLEAN_PREFIXES = ['enable', 'skip', 'disable'] as const;
export type BooleanPrefix = (typeof BOOLEAN_PREFIXES)[number] | 'no';

/** The occurrence of an option that decides its value: the entry, and the prefix it was written with. */
export interface OptionOccurrence {
  readonly entry: OptionEntry;
  readonly prefix?: BooleanPrefix;
}

/**
 * Every occurrence of option `name` in `groups`, in the order read (as mergeOptionGroups applies
 * them), written as `name` or with one of `prefixes` (`skip-name`…). The last one decides: `ssl`
 * then `skip-ssl` is skip-ssl.
 */
export function occurrences(
  entries: readonly OptionEntry[],
  groups: readonly string[],
  name: string,
  prefixes: readonly BooleanPrefix[] = BOOLEAN_PREFIXES,
): OptionOccurrence[] {
  const out: OptionOccurrence[] = [];
  for (const entry of entries) {
    if (!groups.includes(entry.group)) continue;
    if (entry.key === name) out.push({ entry });
    else {
      const prefix = prefixes.find((p) => entry.key === `${p}-${name}`);
      if (prefix) out.push({ entry, prefix });
    }
  }
  return out;
}

/**
 * The boolean an occurrence sets, with my_getopt's rules: a bare key or `enable-` is true, `skip-`,
 * `disable-` (and our `no-`) false, and a value `0`/`false`/`off` inverts the prefix (`skip-x=0` is
 * x=1). A value that is not a boolean is an error naming the file, group and key: `x=banana` must
 * not silently mean false.
 */
export function occurrenceBoolean(occurrence: OptionOccurrence): boolean {
  const { entry, prefix } = occurrence;
  const given = entry.value === undefined ? true : parseBool(entry.value);
  if (given === undefined) {
    throw new TsError({
      code: 'usage',
      message: `option file value ${entry.key}${entry.file ? ` in group [${entry.group}] at line ${entry.line}` : ''}: '${entry.value}' is not a boolean`,
      ...(entry.file ? { object: { file: entry.file } } : {}),
      suggestion: 'use 0/1, true/false, on/off (or a bare key, or a skip-/disable-/enable- prefix)',
    });
  }
  return prefix === undefined || prefix === 'enable' ? given : !given;
}

/** The value of boolean option `name` over `groups` (see occurrences), or undefined when it is not set. Every occurrence must be a boolean. */
export function booleanOption(entries: readonly OptionEntry[], groups: readonly string[], name: string): boolean | undefined {
  let value: boolean | undefined;
  for (const o of occurrences(entries, groups, name)) value = occurrenceBoolean(o);
  return value;
}

/** Reads the option files in order and returns all their entries (every group). */
export function readOptionFileEntries(req: OptionFileRequest, fs: OptionFileSystem = nodeFileSystem): OptionEntry[] {
  const entries: OptionEntry[] = [];
  const warn = req.warn ?? warnOnStderr;
  const guarded = ignoringWorldWritable(fs, warn);
  for (const { file, required } of optionFileList(req)) {
    const text = fs.readFile(file);
    if (text === undefined) {
      if (required) {
        throw new TsError({ code: 'usage', message: 'option file not found', object: { file }, suggestion: 'check the --defaults-file / --defaults-extra-file path' });
      }
      continue;
    }
    if (ignoredWorldWritable(fs, file, warn)) continue;
    entries.push(...parseOptionText(text, file, guarded));
  }
  return entries;
}

/** Reads the option files for a tool and returns its merged [client]/[tool] options. */
export function readOptionFiles(req: OptionFileRequest, fs: OptionFileSystem = nodeFileSystem): Record<string, string> {
  return mergeOptionGroups(readOptionFileEntries(req, fs), groupsFor(req.tool, req.groupSuffix));
}

/** Interprets an option-file value as a boolean the way the mysql client does; undefined if it is not one. */
export function parseBool(value: string): boolean | undefined {
  const v = value.trim().toLowerCase();
  if (['', '1', 'true', 'on', 'yes', 'enabled'].includes(v)) return true;
  if (['0', 'false', 'off', 'no', 'disabled'].includes(v)) return false;
  return undefined;
}

/**
 * The login path file of mysql_config_editor (~/.mylogin.cnf, or MYSQL_TEST_LOGIN_FILE): read after
 * every other option file (so its host, user and password win over theirs, as with the mysql client),
 * its [client] and [<tool>] groups as such and the --login-path group as LOGIN_PATH_GROUP. Without
 * --login-path only [client] and [<tool>] are read; a missing file is fine unless --login-path asks for it.
 */
export function readLoginPathEntries(req: OptionFileRequest, fs: OptionFileSystem = nodeFileSystem): OptionEntry[] {
  if (req.noDefaults) return [];
  const env = req.env ?? process.env;
  const home = req.homeDir ?? env.HOME ?? os.homedir();
  const file = env.MYSQL_TEST_LOGIN_FILE ?? (home ? path.join(home, '.mylogin.cnf') : undefined);
  let bytes = file ? fs.readBytes(file) : undefined;
  const exposed = bytes !== undefined && loginFileExposed(fs, file!);
  if (exposed) {
    (req.warn ?? warnOnStderr)(`the login path file ${file} is ignored: it should be readable and writable only by its owner (as the mysql client requires): chmod 600 it`);
    bytes = undefined;
  }
  if (bytes === undefined) {
    if (req.loginPath !== undefined) throw new TsError({ code: 'usage', message: `--login-path ${req.loginPath}: ${exposed ? 'the login path file is ignored: others may read or write it' : 'there is no login path file'}${file ? ` (${file})` : ''}`, object: file ? { file } : {}, suggestion: exposed ? `chmod 600 ${file}` : 'create it with mysql_config_editor set --login-path=NAME --host=… --user=… --password' });
    return [];
  }
  const entries = parseOptionText(decodeLoginFile(bytes, file!), file!, fs);
  const wanted = req.loginPath?.toLowerCase();
  if (wanted !== undefined && !entries.some((e) => e.group === wanted)) {
    throw new TsError({ code: 'usage', message: `--login-path ${req.loginPath}: no such login path in ${file}`, object: { file: file! }, suggestion: 'list them with mysql_config_editor print --all' });
  }
  return entries
    .filter((e) => e.group === 'client' || e.group === req.tool || e.group === wanted)
    .map((e) => (e.group === wanted && wanted !== 'client' && wanted !== req.tool ? { ...e, group: LOGIN_PATH_GROUP } : e));
}
