/**
 * Connection options shared by tsdump and tsload, with mysql-client conventions: -h -P -u -p -S,
 * option files (see option-files.ts), MYSQL_PWD, plus a --url.
 *
 * Precedence, per setting, as the mysql client's (its manual: the command line beats option files and
 * environment variables, option files beat environment variables): command line > --url > option
 * files > environment (MYSQL_HOST, MYSQL_TCP_PORT, MYSQL_UNIX_PORT, MYSQL_PWD; USER/LOGNAME for the
 * user). A password never appears in an error message or the process title.
 */
import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import type { ConnectionSettings, SslMode } from '../db/session.js';
import { SSL_MODES } from '../db/session.js';
import { TsError } from '../core/errors.js';
import type { ToolName } from './option-files.js';
import { parseConnectionUrl } from './connection-url.js';
import { endpointOrigin, sourceOf } from './endpoint-origin.js';
import { refuseUnknownKeys } from './option-file-keys.js';
import { freezeDefined, parseSslModeArg } from './option-values.js';
import { sslSettings, type FileFlag } from './ssl-settings.js';
import { BOOLEAN_PREFIXES, booleanOption, groupsFor, mergeOptionGroups, normalizeKey, occurrenceBoolean, occurrences, parseBool, readLoginPathEntries, readOptionFileEntries, toolGroupsFor, type OptionEntry } from './option-files.js';

export { maskUrl, parseConnectionUrl, type ParsedUrl } from './connection-url.js';

/** The option values addConnectionOptions() defines, as commander stores them. */
export interface ConnectionOptionValues {
  readonly host?: string;
  readonly port?: number;
  readonly user?: string;
  /** A string when given with a value, true when given bare (prompt). */
  readonly password?: string | boolean;
  readonly socket?: string;
  readonly url?: string;
  readonly defaultsFile?: string;
  readonly defaultsExtraFile?: string;
  readonly defaultsGroupSuffix?: string;
  /** false with --no-defaults. */
  readonly defaults?: boolean;
  readonly sslMode?: SslMode;
  readonly sslCa?: string;
  readonly sslCert?: string;
  readonly sslKey?: string;
  readonly sslVerifyServerCert?: boolean;
  readonly skipSslVerifyServerCert?: boolean;
  readonly getServerPublicKey?: boolean;
  readonly serverPublicKeyPath?: string;
  readonly enableCleartextPlugin?: boolean;
  readonly compressProtocol?: boolean;
  readonly connectTimeout?: number;
  readonly protocol?: Protocol;
  readonly loginPath?: string;
}

export const PROTOCOLS = ['TCP', 'SOCKET'] as const;
export type Protocol = (typeof PROTOCOLS)[number];

/** Attribute names of the connection options; applyFileDefaults leaves these to resolveConnection. */
export const CONNECTION_OPTION_KEYS: readonly string[] = [
  'host',
  'port',
  'user',
  'password',
  'socket',
  'url',
  'defaultsFile',
  'defaultsExtraFile',
  'defaultsGroupSuffix',
  'defaults',
  'sslMode',
  'sslCa',
  'sslCert',
  'sslKey',
  'sslVerifyServerCert',
  'skipSslVerifyServerCert',
  'getServerPublicKey',
  'serverPublicKeyPath',
  'enableCleartextPlugin',
  'compressProtocol',
  'connectTimeout',
  'protocol',
  'loginPath',
];

/** Adds the connection options to a command. Frees -h from commander's help (help stays on --help). */
export function addConnectionOptions(cmd: Command): Command {
  cmd.helpOption('--help', 'display help for command');
  return cmd
    .option('-h, --host <host>', 'server host (default: localhost socket or 127.0.0.1)')
    .option('-P, --port <port>', 'server TCP port (default 3306)', parsePort)
    .option('-u, --user <user>', 'user name (default: login name)')
    .option('-p, --password [password]', 'password; without a value, prompt for it (or use MYSQL_PWD or an option file)')
    .option('-S, --socket <path>', 'Unix socket file to connect through')
    .option('--url <url>', 'connection URL mysql://user:pass@host:port/db (command-line options win)')
    .option('--defaults-file <file>', 'read only this option file')
    .option('--defaults-extra-file <file>', 'read this option file after the global ones (not with --defaults-file, as the mysql client)')
    .option('--defaults-group-suffix <suffix>', 'also read [client<suffix>] and [<tool><suffix>] groups')
    .option('--no-defaults', 'read no option files')
    .addOption(new Option('--ssl-mode <mode>', `TLS mode: ${SSL_MODES.join(', ')}`).argParser(parseSslModeArg))
    .option('--ssl-ca <file>', 'CA certificate file (PEM)')
    .option('--ssl-cert <file>', 'client certificate file (PEM)')
    .option('--ssl-key <file>', 'client key file (PEM)')
    .option('--ssl-verify-server-cert', 'verify the server certificate and host name (like --ssl-mode VERIFY_IDENTITY)')
    .option('--skip-ssl-verify-server-cert', "do not check the server's host name, whatever an option file says (ssl-verify-server-cert): TLS is still required, and a CA given still verifies the certificate's chain (VERIFY_CA)")
    .option('--get-server-public-key', 'without TLS, let caching_sha2_password/sha256_password encrypt the password to the RSA key the server sends (trusts that key: a man in the middle can send its own)')
    .option('--server-public-key-path <file>', 'without TLS, encrypt the password to this RSA public key (PEM) for caching_sha2_password/sha256_password; the server is never asked for one')
    .option('--enable-cleartext-plugin', 'let a server that asks for it (PAM, LDAP, IAM accounts: mysql_clear_password) have the password in clear text, over TLS or a Unix socket only')
    .option('-C, --compress-protocol', 'compress the client/server protocol')
    .option('--connect-timeout <s>', 'seconds to wait for the server to answer a connection (default 20)', parseSeconds)
    .addOption(new Option('--protocol <p>', 'TCP, or SOCKET (a Unix socket file, -S)').argParser(parseProtocolArg))
    .option('--login-path <name>', 'read options from the login path [name] of ~/.mylogin.cnf (mysql_config_editor)');
}

export interface ResolveIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdinIsTTY: boolean;
  /** Reads a line without echo. */
  readonly prompt: (question: string) => Promise<string>;
  /** Home directory for ~/.my.cnf (default: env HOME). */
  readonly homeDir?: string;
  /** Where an option file ignored for its permissions is reported (default: stderr). */
  readonly warn?: (message: string) => void;
}

export interface ResolvedConnection {
  readonly settings: ConnectionSettings;
  /** The merged [client…]/[<tool>…] option-file groups; feed to applyFileDefaults for the bin's own options. */
  readonly fileOptions: Readonly<Record<string, string>>;
}

export function defaultIo(): ResolveIo {
  return { env: process.env, stdinIsTTY: process.stdin.isTTY === true, prompt: promptHidden };
}

/** Turns parsed options into frozen ConnectionSettings (reading option files and, for bare -p, prompting). */
export async function resolveConnection(opts: ConnectionOptionValues, tool: ToolName, io: ResolveIo = defaultIo()): Promise<ResolvedConnection> {
  const request = {
    tool,
    noDefaults: opts.defaults === false,
    defaultsFile: opts.defaultsFile,
    defaultsExtraFile: opts.defaultsExtraFile,
    groupSuffix: opts.defaultsGroupSuffix,
    loginPath: opts.loginPath,
    env: io.env,
    homeDir: io.homeDir,
    warn: io.warn,
  };
  const entries = [...readOptionFileEntries(request), ...readLoginPathEntries(request)];
  const groups = groupsFor(tool, opts.defaultsGroupSuffix, opts.loginPath !== undefined);
  const fileOptions = Object.freeze(mergeOptionGroups(entries, groups));
  const toolGroups = toolGroupsFor(tool, opts.defaultsGroupSuffix);
  const toolEntries = entries.filter((e) => toolGroups.includes(e.group));
  TOOL_OPTIONS.set(fileOptions, { entries: toolEntries, groups: toolGroups });
  const file = (key: string): string | undefined => fileOptions[key];
  // Boolean keys with the mysql client's enable-/skip-/disable- prefixes. In [tsdump], `compress=zstd`
  // is tsdump's --compress <algo>, not a protocol-compression flag that is not a boolean.
  const algo = (e: OptionEntry): boolean => e.key === 'compress' && toolGroups.includes(e.group) && e.value !== undefined && parseBool(e.value) === undefined;
  const flagEntries = entries.filter((e) => !algo(e));
  const fileFlag: FileFlag = (key) => booleanOption(flagEntries, groups, key);
  const url = opts.url !== undefined ? parseConnectionUrl(opts.url) : undefined;
  const env = io.env;

  const host = opts.host ?? url?.host ?? file('host') ?? nonEmpty(env.MYSQL_HOST);
  const explicitPort = opts.port ?? url?.port;
  const port = explicitPort ?? numberFrom(file('port'), 'port in option file') ?? numberFrom(env.MYSQL_TCP_PORT, 'MYSQL_TCP_PORT');
  const socket = opts.socket ?? url?.socket ?? file('socket') ?? nonEmpty(env.MYSQL_UNIX_PORT);
  // The socket is used for localhost (like the mysql client), unless a port was asked for explicitly and
  // the socket only came from the environment or a file: `-P 3307` then means TCP to 127.0.0.1:3307.
  const protocol = opts.protocol ?? (file('protocol') !== undefined ? parseProtocol(file('protocol')!, 'protocol in option file') : undefined);
  let useSocket =
    socket !== undefined && (host === undefined || host === 'localhost') && (opts.socket !== undefined || url?.socket !== undefined || explicitPort === undefined);
  if (protocol === 'TCP') useSocket = false;
  if (protocol === 'SOCKET') {
    if (socket === undefined) throw usage('--protocol SOCKET needs a socket file: pass -S /path/to/mysqld.sock (or socket= in an option file)');
    useSocket = true;
  }

  let password: string | undefined;
  if (typeof opts.password === 'string') password = opts.password;
  else if (opts.password === true) {
    if (!io.stdinIsTTY) {
      throw new TsError({
        code: 'usage',
        message: '-p without a value prompts for the password, but standard input is not a terminal',
        suggestion: 'set MYSQL_PWD, put password= in an option file, or give --url',
      });
    }
    password = await io.prompt('Enter password: ');
  } else password = url?.password ?? file('password') ?? env.MYSQL_PWD;

  // the file of the line that set `key` (the last one read), when its value was used
  const fileOf = (key: string, used: boolean): string | undefined => (used ? occurrences(entries, groups, key, []).at(-1)?.entry.file : undefined);
  const origin = endpointOrigin(
    useSocket
      ? [{ name: 'socket', value: socket, from: sourceOf(opts.socket, url?.socket, fileOf('socket', file('socket') !== undefined), 'MYSQL_UNIX_PORT') }]
      : [
          { name: 'host', value: host, from: sourceOf(opts.host, url?.host, fileOf('host', file('host') !== undefined), 'MYSQL_HOST') },
          { name: 'port', value: port, from: sourceOf(opts.port, url?.port, fileOf('port', nonEmpty(file('port')) !== undefined), 'MYSQL_TCP_PORT') },
        ],
  );

  const settings: ConnectionSettings = {
    host: useSocket ? undefined : host,
    port: useSocket ? undefined : port,
    socket: useSocket ? socket : undefined,
    // like the mysql client: the login name when no user is given
    user: opts.user ?? url?.user ?? file('user') ?? nonEmpty(env.USER) ?? nonEmpty(env.LOGNAME),
    password,
    database: url?.database ?? file('database'),
    ssl: sslSettings(opts, url, file, fileFlag, useSocket, io.warn),
    compress: opts.compressProtocol === true || fileFlag('compress-protocol') === true || fileFlag('compress') === true,
    connectTimeoutMs: opts.connectTimeout !== undefined ? opts.connectTimeout * 1000 : secondsFrom(file('connect-timeout'), 'connect-timeout in option file'),
    getServerPublicKey: opts.getServerPublicKey === true || fileFlag('get-server-public-key') === true ? true : undefined,
    serverPublicKeyPath: opts.serverPublicKeyPath ?? file('server-public-key-path'),
    enableCleartextPlugin: opts.enableCleartextPlugin === true || fileFlag('enable-cleartext-plugin') === true ? true : undefined,
    endpointOrigin: origin,
  };
  return { settings: freezeDefined(settings), fileOptions };
}

/**
 * The [<tool>] groups alone, for each fileOptions record resolveConnection returned: generic [client]
 * settings (e.g. `compress`, which means protocol compression to every mysql client) must not land on a
 * bin option that happens to share the name (tsdump's --compress <algo>).
 */
const TOOL_OPTIONS = new WeakMap<object, { readonly entries: readonly OptionEntry[]; readonly groups: readonly string[] }>();

/**
 * Sets option values of `command` from option-file values that the command line did not give.
 * Keys match the long option name (`--chunk-size` ← `chunk-size`/`chunk_size`); a boolean takes the
 * mysql client's prefixes (`enable-x`, `skip-x`, `disable-x`, and `no-x` for our `--no-x` options), the
 * last occurrence winning; a boolean value that is not one is an error naming the file, group and line. Values go through the option's own parser and choices.
 * A repeatable option (its default an array: --ignore-table, -B, --where…) takes every occurrence in
 * the files, in the order read (a `skip-`/`no-` form empties what the files gave so far); the command
 * line's values replace them, except for the exclusions (--ignore-table, --users-exclude), which add
 * up as mysqldump's --ignore-table does: a command line naming what to dump (-B, -T, --where,
 * --rename) means that, not that plus the file's. Any other option: the command line wins, else the
 * last occurrence.
 * Connection options are skipped (resolveConnection already applied them with the right precedence).
 * Given the `fileOptions` of resolveConnection, only the [<tool>] groups count; any other record is used whole.
 */
/** The repeatable options whose option-file and command-line values add up (applyFileDefaults). */
const ADDITIVE_OPTIONS: ReadonlySet<string> = new Set(['ignoreTable', 'usersExclude']);

export function applyFileDefaults(command: Command, fileOptions: Readonly<Record<string, string>>): void {
  const tool = TOOL_OPTIONS.get(fileOptions);
  if (tool) refuseUnknownKeys(command, tool.entries);
  const { entries, groups } = tool ?? recordEntries(fileOptions);
  for (const option of command.options) {
    const attr = option.attributeName();
    if (CONNECTION_OPTION_KEYS.includes(attr) || option.long === '--help' || option.long === '--version') continue;
    const source = command.getOptionValueSource(attr);
    const fromCli = source !== undefined && source !== 'default';
    const initial: unknown = option.defaultValue;
    const collecting = Array.isArray(initial);
    if (fromCli && !(collecting && ADDITIVE_OPTIONS.has(attr))) continue;
    const long = normalizeKey((option.long ?? '').replace(/^--/, ''));
    const name = option.negate ? long.replace(/^no-/, '') : long;
    const boolean = option.isBoolean() || option.negate;
    const all = occurrences(entries, groups, name, TOOL_PREFIXES);
    const last = all.at(-1);
    if (last === undefined) continue;
    const where = `option file value ${name}`;
    let value: unknown;
    if (boolean) {
      for (const o of all) value = occurrenceBoolean(o);
    } else if (collecting) {
      value = initial;
      for (const o of all) value = o.prefix !== undefined ? initial : parseFileValue(option, o.entry.value, value, where);
      // the command line's values were collected onto the default: they go after the files'
      const cli = fromCli ? (command.getOptionValue(attr) as unknown[]).slice(initial.length) : [];
      value = [...(value as unknown[]), ...cli];
    } else {
      // a skip-/no- form of an option that takes a value leaves it at its default
      if (last.prefix !== undefined) continue;
      value = parseFileValue(option, last.entry.value, command.getOptionValue(attr) as unknown, where);
    }
    command.setOptionValueWithSource(attr, value, fromCli ? source : 'config');
  }
}

/** An option-file value through the option's choices and parser (`previous`: the value so far). */
function parseFileValue(option: Option, value: string | undefined, previous: unknown, where: string): unknown {
  const raw = value ?? 'true';
  if (option.argChoices && !option.argChoices.includes(raw)) {
    throw usage(`${where}: '${raw}' is not one of ${option.argChoices.join(', ')}`);
  }
  try {
    return option.parseArg ? option.parseArg(raw, previous) : raw;
  } catch (e) {
    throw usage(`${where}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** The mysql client's prefixes, and `no-x` for our `--no-x` options. */
const TOOL_PREFIXES = [...BOOLEAN_PREFIXES, 'no'] as const;

/** A plain record (not from resolveConnection) as entries of one group. */
function recordEntries(record: Readonly<Record<string, string>>): { entries: OptionEntry[]; groups: string[] } {
  return { entries: Object.entries(record).map(([key, value]) => ({ group: '', key, value, file: '', line: 0 })), groups: [''] };
}

// ---------------------------------------------------------------------------------------------

function parsePort(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < 1 || n > 65535) throw new InvalidArgumentError('must be a TCP port number (1-65535)');
  return n;
}


function parseProtocolArg(value: string): Protocol {
  const v = value.toUpperCase();
  if (v === 'PIPE' || v === 'MEMORY') throw new InvalidArgumentError(`${v} is a Windows transport; use TCP or SOCKET`);
  if (!(PROTOCOLS as readonly string[]).includes(v)) throw new InvalidArgumentError(`must be one of ${PROTOCOLS.join(', ')}`);
  return v as Protocol;
}

function parseProtocol(value: string, where: string): Protocol {
  try {
    return parseProtocolArg(value);
  } catch (e) {
    throw usage(`${where}: '${value}' ${(e as Error).message}`);
  }
}

function parseSeconds(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < 1) throw new InvalidArgumentError('must be a whole number of seconds (1 or more)');
  return n;
}


function numberFrom(value: string | undefined, where: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  try {
    return parsePort(value);
  } catch {
    throw usage(`${where}: '${value}' is not a TCP port number`);
  }
}

function secondsFrom(value: string | undefined, where: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < 1) throw usage(`${where}: '${value}' is not a number of seconds`);
  return n * 1000;
}


function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v === '' ? undefined : v;
}

function usage(message: string, suggestion?: string): TsError {
  return new TsError({ code: 'usage', message, suggestion });
}


/** Reads a line from the terminal with echo off. Ctrl-C aborts with an 'interrupted' error. */
export async function promptHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(question);
  const wasRaw = stdin.isRaw;
  stdin.setRawMode(true);
  stdin.resume();
  try {
    return await new Promise<string>((resolve, reject) => {
      let answer = '';
      const onData = (chunk: Buffer): void => {
        for (const ch of chunk.toString('utf8')) {
          if (ch === '\r' || ch === '\n' || ch === '\u0004') {
            stdin.off('data', onData);
            resolve(answer);
            return;
          }
          if (ch === '\u0003') {
            stdin.off('data', onData);
            reject(new TsError({ code: 'interrupted', message: 'interrupted at the password prompt' }));
            return;
          }
          if (ch === '\u007f' || ch === '\b') answer = answer.slice(0, -1);
          else answer += ch;
        }
      };
      stdin.on('data', onData);
    });
  } finally {
    stdin.setRawMode(wasRaw);
    stdin.pause();
    process.stderr.write('\n');
  }
}
