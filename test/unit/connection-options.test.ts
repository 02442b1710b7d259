import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command, Option } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import type { ConnectionOptionValues, ResolveIo } from '../../src/cli/connection-options.js';
import { addConnectionOptions, applyFileDefaults, maskUrl, parseConnectionUrl, resolveConnection } from '../../src/cli/connection-options.js';
import { TsError } from '../../src/core/errors.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'tsdump-connopt-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function cnf(name: string, text: string): string {
  const f = path.join(tmp, name);
  writeFileSync(f, text);
  return f;
}

function io(env: Record<string, string> = {}, tty = false, answer = 'typed'): ResolveIo {
  return { env, stdinIsTTY: tty, prompt: async () => answer, homeDir: tmp };
}

function parseArgs(args: string[], extra?: (c: Command) => void): { cmd: Command; opts: ConnectionOptionValues } {
  const cmd = addConnectionOptions(new Command('tsdump'));
  extra?.(cmd);
  cmd.exitOverride();
  cmd.configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
  cmd.parse(args, { from: 'user' });
  return { cmd, opts: cmd.opts<ConnectionOptionValues>() };
}

describe('connection URL', () => {
  it('parses and percent-decodes user, password and database', () => {
    expect(parseConnectionUrl('mysql://al%40ice:p%3Ass%2F%23@db.example:3307/my%20db?ssl-mode=required')).toEqual({
      host: 'db.example',
      port: 3307,
      user: 'al@ice',
      password: 'p:ss/#',
      database: 'my db',
      sslMode: 'REQUIRED',
    });
    expect(parseConnectionUrl('mysql://u@[::1]')).toEqual({ host: '::1', user: 'u' });
  });

  it('tells an empty password from no password', () => {
    expect(parseConnectionUrl('mysql://u:@h').password).toBe('');
    expect(parseConnectionUrl('mysql://u@h').password).toBeUndefined();
  });

  it('never echoes the password in errors', () => {
    for (const bad of ['http://u:s3cret@h', 'mysql://u:s3cret@h/?bogus=1', 'mysql://u:s3cret@h:notaport', 'mysql://u:%E0%A4%A@h']) {
      try {
        parseConnectionUrl(bad);
        expect.unreachable(bad);
      } catch (e) {
        expect(e).toBeInstanceOf(TsError);
        expect((e as TsError).code).toBe('usage');
        expect((e as TsError).message).not.toContain('s3cret');
      }
    }
    expect(maskUrl('see mysql://u:s3cret@h:1/db and mariadb://x:y@z')).toBe('see mysql://u:***@h:1/db and mariadb://x:***@z');
  });
});

describe('resolveConnection precedence', () => {
  const file = cnf('client.cnf', '[client]\nhost=file-host\nport=1111\nuser=file-user\npassword=file-pw\n[tsdump]\ncompress\n');

  it('takes everything from the option file when nothing else is given', async () => {
    const { opts } = parseArgs(['--defaults-file', file]);
    const r = await resolveConnection(opts, 'tsdump', io());
    expect(r.settings).toEqual({ host: 'file-host', port: 1111, user: 'file-user', password: 'file-pw', compress: true, endpointOrigin: `host file-host from ${file}, port 1111 from ${file}` });
    expect(r.fileOptions.compress).toBe('true');
  });

  it('lets the file beat the environment (the mysql client\'s order), the URL beat the file, and the command line beat the URL', async () => {
    const env = { MYSQL_PWD: 'env-pw', MYSQL_HOST: 'env-host', MYSQL_TCP_PORT: '1', USER: 'env-user' };
    let r = await resolveConnection(parseArgs(['--defaults-file', file]).opts, 'tsdump', io(env));
    expect(r.settings).toMatchObject({ host: 'file-host', port: 1111, user: 'file-user', password: 'file-pw' });
    // the environment fills what no file sets
    const bare = cnf('bare.cnf', '[client]\n');
    r = await resolveConnection(parseArgs(['--defaults-file', bare]).opts, 'tsdump', io(env));
    expect(r.settings).toMatchObject({ host: 'env-host', port: 1, user: 'env-user', password: 'env-pw' });
    const sock = cnf('sock-file.cnf', '[client]\nsocket=/file.sock\n');
    r = await resolveConnection(parseArgs(['--defaults-file', sock]).opts, 'tsdump', io({ MYSQL_UNIX_PORT: '/env.sock' }));
    expect(r.settings.socket).toBe('/file.sock');
    r = await resolveConnection(parseArgs(['--defaults-file', file, '--url', 'mysql://url-user:url-pw@url-host:2222/udb']).opts, 'tsdump', io(env));
    expect(r.settings).toMatchObject({ host: 'url-host', port: 2222, user: 'url-user', password: 'url-pw', database: 'udb' });
    r = await resolveConnection(
      parseArgs(['--defaults-file', file, '--url', 'mysql://url-user:url-pw@url-host:2222', '-h', 'cli-host', '-P', '3333', '-u', 'cli-user', '-pcli-pw']).opts,
      'tsdump',
      io(env),
    );
    expect(r.settings).toMatchObject({ host: 'cli-host', port: 3333, user: 'cli-user', password: 'cli-pw' });
    // a URL without a password leaves the file's (and without one MYSQL_PWD) in force
    r = await resolveConnection(parseArgs(['--defaults-file', file, '--url', 'mysql://url-user@url-host']).opts, 'tsdump', io(env));
    expect(r.settings.password).toBe('file-pw');
    r = await resolveConnection(parseArgs(['--defaults-file', bare, '--url', 'mysql://url-user@url-host']).opts, 'tsdump', io(env));
    expect(r.settings.password).toBe('env-pw');
  });

  it('reads nothing with --no-defaults', async () => {
    const r = await resolveConnection(parseArgs(['--no-defaults', '--defaults-file', file]).opts, 'tsdump', io());
    expect(r.settings).toEqual({ compress: false });
    expect(r.fileOptions).toEqual({});
  });

  it('prompts for a bare -p on a terminal, and refuses without one', async () => {
    const r = await resolveConnection(parseArgs(['--no-defaults', '-u', 'x', '-p']).opts, 'tsdump', io({}, true, 'secret'));
    expect(r.settings.password).toBe('secret');
    await expect(resolveConnection(parseArgs(['--no-defaults', '-p']).opts, 'tsdump', io({}, false))).rejects.toMatchObject({ code: 'usage' });
  });

  it('uses the socket for localhost, but TCP when a port is asked for on the command line', async () => {
    const sock = cnf('sock.cnf', '[client-server]\nsocket=/run/x.sock\n');
    let r = await resolveConnection(parseArgs(['--defaults-file', sock]).opts, 'tsdump', io());
    expect(r.settings).toMatchObject({ socket: '/run/x.sock' });
    expect(r.settings.host).toBeUndefined();
    r = await resolveConnection(parseArgs(['--defaults-file', sock, '-P', '3307']).opts, 'tsdump', io());
    expect(r.settings).toMatchObject({ port: 3307 });
    expect(r.settings.socket).toBeUndefined();
    r = await resolveConnection(parseArgs(['--defaults-file', sock, '-h', '127.0.0.1']).opts, 'tsdump', io());
    expect(r.settings.socket).toBeUndefined();
    r = await resolveConnection(parseArgs(['--defaults-file', sock, '-S', '/cli.sock', '-P', '1']).opts, 'tsdump', io());
    expect(r.settings.socket).toBe('/cli.sock');
  });

  it('validates --ssl-mode and the port, and takes TLS settings from files', async () => {
    expect(() => parseArgs(['--ssl-mode', 'sometimes'])).toThrow();
    expect(() => parseArgs(['-P', '70000'])).toThrow();
    expect(parseArgs(['--ssl-mode', 'verify_ca']).opts.sslMode).toBe('VERIFY_CA');
    const tls = cnf('tls.cnf', '[client]\nssl-ca=/ca.pem\n');
    let r = await resolveConnection(parseArgs(['--defaults-file', tls]).opts, 'tsdump', io());
    expect(r.settings.ssl).toEqual({ mode: 'VERIFY_CA', ca: '/ca.pem' });
    r = await resolveConnection(parseArgs(['--defaults-file', tls, '--ssl-mode', 'REQUIRED']).opts, 'tsdump', io());
    expect(r.settings.ssl).toEqual({ mode: 'REQUIRED', ca: '/ca.pem' });
    const badTls = cnf('badtls.cnf', '[client]\nssl-mode=maybe\n');
    await expect(resolveConnection(parseArgs(['--defaults-file', badTls]).opts, 'tsdump', io())).rejects.toMatchObject({ code: 'usage' });
  });

  it('frees -h from help', () => {
    expect(parseArgs(['-h', 'db']).opts.host).toBe('db');
  });
});

describe('applyFileDefaults', () => {
  it('fills the bin options the command line did not give, through their parsers and choices', async () => {
    const f = cnf('tool.cnf', '[client]\nhost=h\n[tsdump]\nthreads=6\nformat=sql\nskip-verify\nchecksum=on\noutput=/from-file\n');
    const { cmd, opts } = parseArgs(['--defaults-file', f, '-o', '/from-cli'], (c) =>
      c
        .option('-t, --threads <n>', 'threads', (v: string) => Number.parseInt(v, 10), 4)
        .option('--format <f>', 'format', 'csv')
        .option('--no-verify', 'skip verify')
        .option('--checksum', 'checksums')
        .option('-o, --output <dir>', 'dir'),
    );
    const r = await resolveConnection(opts, 'tsdump', io());
    applyFileDefaults(cmd, r.fileOptions);
    expect(cmd.opts()).toMatchObject({ threads: 6, format: 'sql', verify: false, checksum: true, output: '/from-cli' });
    expect(cmd.opts().host).toBeUndefined();
    expect(cmd.getOptionValueSource('threads')).toBe('config');
    expect(cmd.getOptionValueSource('output')).toBe('cli');
  });

  it('takes bin options only from the [tool] groups, so [client] compress means protocol compression', async () => {
    const f = cnf('clash.cnf', '[client]\ncompress\nthreads=9\nconnect-timeout=7\n[tsdump]\nformat=sql\n');
    const { cmd, opts } = parseArgs(['--defaults-file', f], (c) =>
      c
        .addOption(new Option('-c, --compress <algo>').choices(['gzip', 'zstd']))
        .option('-t, --threads <n>', 'threads', (v: string) => Number.parseInt(v, 10), 4)
        .option('--format <f>', 'format', 'csv'),
    );
    const r = await resolveConnection(opts, 'tsdump', io());
    applyFileDefaults(cmd, r.fileOptions);
    expect(r.settings).toMatchObject({ compress: true, connectTimeoutMs: 7000 });
    expect(cmd.opts()).toMatchObject({ threads: 4, format: 'sql' });
    expect(cmd.opts().compress).toBeUndefined();
  });

  it('rejects values outside an option\'s choices and non-boolean flags', () => {
    const mk = (): Command => {
      const c = new Command('tsdump');
      c.addOption(new Option('--format <f>').choices(['csv', 'sql']).default('csv'));
      c.option('--checksum', 'x');
      c.parse([], { from: 'user' });
      return c;
    };
    expect(() => applyFileDefaults(mk(), { format: 'xml' })).toThrow(/not one of csv, sql/);
    expect(() => applyFileDefaults(mk(), { checksum: 'sometimes' })).toThrow(/not a boolean/);
  });
});

describe('unknown keys in the tool groups (like the mysql client)', () => {
  const build = (c: Command): Command => c.option('-t, --threads <n>', 'threads', (v: string) => Number.parseInt(v, 10), 4).option('--no-verify', 'skip verify');

  it('a typo in [tsdump] is an error naming file, line and the option meant', async () => {
    const f = cnf('typo.cnf', '[client]\nuser=u\nnot-ours=1\n[tsdump]\nthreads=2\nthreds=4\n');
    const { cmd, opts } = parseArgs(['--defaults-file', f], build);
    const r = await resolveConnection(opts, 'tsdump', io());
    let err: unknown;
    try {
      applyFileDefaults(cmd, r.fileOptions);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TsError);
    expect((err as TsError).message).toMatch(/unknown option 'threds' in group \[tsdump\] at line 6/);
    expect((err as TsError).object.file).toBe(f);
    expect((err as TsError).suggestion).toMatch(/did you mean 'threads'/);
    expect((err as TsError).exitCode).toBe(2);
  });

  it('keys of other programs in [client], loose- keys and skip-/no- forms of our options are fine', async () => {
    const f = cnf('fine.cnf', '[client]\ndefault-character-set=utf8mb4\n[tsdump]\nloose-threds=4\nskip-verify\nhost=h\n');
    const { cmd, opts } = parseArgs(['--defaults-file', f], build);
    const r = await resolveConnection(opts, 'tsdump', io());
    expect(() => applyFileDefaults(cmd, r.fileOptions)).not.toThrow();
    expect(cmd.opts().verify).toBe(false);
  });
});

describe('TLS, protocol, timeouts and login paths', () => {
  it('ssl-verify-server-cert (flag or option file) means VERIFY_IDENTITY; with --ssl-mode DISABLED it is a contradiction', async () => {
    let r = await resolveConnection(parseArgs(['--no-defaults', '--ssl-verify-server-cert']).opts, 'tsdump', io());
    expect(r.settings.ssl).toEqual({ mode: 'VERIFY_IDENTITY' });
    const f = cnf('verify.cnf', '[client]\nssl-verify-server-cert\nssl-ca=/ca.pem\n');
    r = await resolveConnection(parseArgs(['--defaults-file', f]).opts, 'tsdump', io());
    expect(r.settings.ssl).toEqual({ mode: 'VERIFY_IDENTITY', ca: '/ca.pem' });
    await expect(resolveConnection(parseArgs(['--defaults-file', f, '--ssl-mode', 'DISABLED']).opts, 'tsdump', io())).rejects.toThrow(/DISABLED/);
  });

  it("--skip-ssl-verify-server-cert overrides an option file's ssl-verify-server-cert (its CA still verifies the chain); with --ssl-verify-server-cert it is a contradiction", async () => {
    const withCa = cnf('verify-ca.cnf', '[client]\nssl-verify-server-cert\nssl-ca=/ca.pem\n');
    expect((await resolveConnection(parseArgs(['--defaults-file', withCa, '--skip-ssl-verify-server-cert']).opts, 'tsdump', io())).settings.ssl).toEqual({ mode: 'VERIFY_CA', ca: '/ca.pem' });
    // without a CA the connection still requires TLS: never PREFERRED, which falls back to plain text
    const bare = cnf('verify-bare.cnf', '[client]\nssl-verify-server-cert\n');
    expect((await resolveConnection(parseArgs(['--defaults-file', bare, '--skip-ssl-verify-server-cert']).opts, 'tsdump', io())).settings.ssl).toEqual({ mode: 'REQUIRED' });
    // an explicit VERIFY_IDENTITY checks the host name: the skip contradicts it
    await expect(resolveConnection(parseArgs(['--defaults-file', bare, '--skip-ssl-verify-server-cert', '--ssl-mode', 'VERIFY_IDENTITY', '--ssl-ca', '/ca.pem']).opts, 'tsdump', io())).rejects.toMatchObject({ code: 'usage', message: expect.stringMatching(/contradicts --ssl-mode VERIFY_IDENTITY/) });
    // a PREFERRED of the files is raised too (it would fall back to plain text); the command line's own PREFERRED stands
    const preferred = cnf('verify-preferred.cnf', '[client]\nssl-verify-server-cert\nssl-mode=PREFERRED\n');
    expect((await resolveConnection(parseArgs(['--defaults-file', preferred, '--skip-ssl-verify-server-cert']).opts, 'tsdump', io())).settings.ssl).toEqual({ mode: 'REQUIRED' });
    expect((await resolveConnection(parseArgs(['--defaults-file', preferred, '--skip-ssl-verify-server-cert', '--ssl-mode', 'PREFERRED']).opts, 'tsdump', io())).settings.ssl).toEqual({ mode: 'PREFERRED' });
    // an explicit mode still stands
    expect((await resolveConnection(parseArgs(['--defaults-file', bare, '--skip-ssl-verify-server-cert', '--ssl-mode', 'REQUIRED']).opts, 'tsdump', io())).settings.ssl).toEqual({ mode: 'REQUIRED' });
    await expect(resolveConnection(parseArgs(['--no-defaults', '--ssl-verify-server-cert', '--skip-ssl-verify-server-cert']).opts, 'tsdump', io())).rejects.toMatchObject({ code: 'usage', message: expect.stringMatching(/contradict/) });
  });

  it('VERIFY_CA / VERIFY_IDENTITY as an ssl-mode need a CA (the mysql client\'s error 2026), from the command line, the URL or a file', async () => {
    const refused = /--ssl-mode VERIFY_(CA|IDENTITY) needs --ssl-ca/;
    for (const args of [['--no-defaults', '--ssl-mode', 'VERIFY_CA'], ['--no-defaults', '--ssl-mode', 'VERIFY_IDENTITY'], ['--no-defaults', '--url', 'mysql://u@h/?ssl-mode=verify_ca'], ['--defaults-file', cnf('vca.cnf', '[client]\nssl-mode=VERIFY_CA\n')], ['--no-defaults', '--ssl-mode', 'VERIFY_CA', '--ssl-verify-server-cert']]) {
      await expect(resolveConnection(parseArgs(args).opts, 'tsdump', io()), args.join(' ')).rejects.toMatchObject({ code: 'usage', message: expect.stringMatching(refused) });
    }
    expect((await resolveConnection(parseArgs(['--no-defaults', '--ssl-mode', 'VERIFY_CA', '--ssl-ca', '/ca.pem']).opts, 'tsdump', io())).settings.ssl).toEqual({ mode: 'VERIFY_CA', ca: '/ca.pem' });
  });

  it('ssl-capath in an option file is refused (not supported: ignored, it would connect unverified where verification was asked for)', async () => {
    const f = cnf('capath.cnf', '[client]\nssl-capath=/etc/ssl/certs\n');
    await expect(resolveConnection(parseArgs(['--defaults-file', f]).opts, 'tsdump', io())).rejects.toMatchObject({ code: 'usage', message: expect.stringMatching(/ssl-capath .* is not supported/) });
  });

  it('a CA given with a mode that does not verify: a warning, as the mysql client prints', async () => {
    const warnings: string[] = [];
    const withWarn: ResolveIo = { ...io(), warn: (m) => warnings.push(m) };
    const r = await resolveConnection(parseArgs(['--no-defaults', '--ssl-mode', 'REQUIRED', '--ssl-ca', '/ca.pem']).opts, 'tsdump', withWarn);
    expect(r.settings.ssl).toEqual({ mode: 'REQUIRED', ca: '/ca.pem' });
    expect(warnings).toEqual(['no verification of the server certificate will be done: --ssl-ca is given with --ssl-mode REQUIRED; use --ssl-mode VERIFY_CA or VERIFY_IDENTITY']);
    // no mode, or one that verifies: no warning
    await resolveConnection(parseArgs(['--no-defaults', '--ssl-ca', '/ca.pem']).opts, 'tsdump', withWarn);
    await resolveConnection(parseArgs(['--no-defaults', '--ssl-mode', 'VERIFY_IDENTITY', '--ssl-ca', '/ca.pem']).opts, 'tsdump', withWarn);
    expect(warnings).toHaveLength(1);
  });

  it('connection keys take the enable-/skip-/disable- prefixes, the last occurrence winning, - and _ alike', async () => {
    const ssl = async (text: string): Promise<unknown> => (await resolveConnection(parseArgs(['--defaults-file', cnf('prefix.cnf', text)]).opts, 'tsdump', io())).settings.ssl;
    expect(await ssl('[client]\nenable-ssl-verify-server-cert\n')).toEqual({ mode: 'VERIFY_IDENTITY' });
    expect(await ssl('[client]\nEnable_SSL_Verify_Server_Cert=1\n')).toEqual({ mode: 'VERIFY_IDENTITY' });
    expect(await ssl('[client]\nssl-verify-server-cert\n[client]\ndisable-ssl-verify-server-cert\n')).toBeUndefined();
    expect(await ssl('[client]\nskip-ssl-verify-server-cert\n[tsdump]\nssl-verify-server-cert=on\n')).toEqual({ mode: 'VERIFY_IDENTITY' });
    expect(await ssl('[client]\nenable-ssl\n')).toEqual({ mode: 'REQUIRED' });
    // MariaDB's client verifies the chain whenever it has a CA
    expect(await ssl('[client]\nssl\nssl-ca=/ca.pem\n')).toEqual({ mode: 'VERIFY_CA', ca: '/ca.pem' });
    expect(await ssl('[client]\nssl\nskip-ssl\n')).toEqual({ mode: 'DISABLED' });
    expect(await ssl('[client]\nskip-ssl\nssl\n')).toEqual({ mode: 'REQUIRED' });
    expect(await ssl('[client]\ndisable_ssl\n')).toEqual({ mode: 'DISABLED' });
    // my_getopt: a 0 value inverts the prefix
    expect(await ssl('[client]\nskip-ssl=0\n')).toEqual({ mode: 'REQUIRED' });
    const compress = await resolveConnection(parseArgs(['--defaults-file', cnf('prefix.cnf', '[client]\nenable-compress\n')]).opts, 'tsdump', io());
    expect(compress.settings.compress).toBe(true);
  });

  it('a boolean connection key whose value is not a boolean is refused, naming the file, group and key', async () => {
    for (const text of ['[client]\nssl-verify-server-cert=banana\n', '[client]\nssl=banana\n', '[client-mariadb]\nenable-ssl=maybe\n', '[client]\ncompress=2\n']) {
      const f = cnf('bad-bool.cnf', text);
      let err: unknown;
      try {
        await resolveConnection(parseArgs(['--defaults-file', f]).opts, 'tsdump', io());
      } catch (e) {
        err = e;
      }
      expect(err, text).toBeInstanceOf(TsError);
      expect((err as TsError).code).toBe('usage');
      expect((err as TsError).message).toMatch(/(ssl-verify-server-cert|ssl|compress) in group \[client(-mariadb)?\] at line 2: '[a-z0-9]+' is not a boolean/);
      expect((err as TsError).object.file).toBe(f);
    }
  });

  it('tool options take the same prefixes, the last occurrence winning', async () => {
    const build = (c: Command): Command => c.option('--checksum', 'x').option('--no-verify', 'y');
    const f = cnf('tool-prefix.cnf', '[tsdump]\nenable-checksum\nverify\nskip-verify\n');
    const { cmd, opts } = parseArgs(['--defaults-file', f], build);
    applyFileDefaults(cmd, (await resolveConnection(opts, 'tsdump', io())).fileOptions);
    expect(cmd.opts()).toMatchObject({ checksum: true, verify: false });
    const g = cnf('tool-prefix2.cnf', '[tsdump]\nchecksum\ndisable-checksum\nskip-verify\nverify=1\n');
    const second = parseArgs(['--defaults-file', g], build);
    applyFileDefaults(second.cmd, (await resolveConnection(second.opts, 'tsdump', io())).fileOptions);
    expect(second.cmd.opts()).toMatchObject({ checksum: false, verify: true });
  });

  it('--get-server-public-key and --server-public-key-path, from the command line or an option file', async () => {
    const none = await resolveConnection(parseArgs(['--no-defaults']).opts, 'tsdump', io());
    expect(none.settings.getServerPublicKey).toBeUndefined();
    expect(none.settings.serverPublicKeyPath).toBeUndefined();
    const cli = await resolveConnection(parseArgs(['--no-defaults', '--get-server-public-key', '--server-public-key-path', '/k.pem']).opts, 'tsload', io());
    expect(cli.settings).toMatchObject({ getServerPublicKey: true, serverPublicKeyPath: '/k.pem' });
    const f = cnf('rsa.cnf', '[client]\nget_server_public_key\nserver-public-key-path=/f.pem\n');
    expect((await resolveConnection(parseArgs(['--defaults-file', f]).opts, 'tsdump', io())).settings).toMatchObject({ getServerPublicKey: true, serverPublicKeyPath: '/f.pem' });
    const g = cnf('rsa2.cnf', '[client]\nget-server-public-key\n[tsdump]\nskip-get-server-public-key\n');
    expect((await resolveConnection(parseArgs(['--defaults-file', g]).opts, 'tsdump', io())).settings.getServerPublicKey).toBeUndefined();
  });

  it('a client certificate needs its key', async () => {
    await expect(resolveConnection(parseArgs(['--no-defaults', '--ssl-cert', '/c.pem']).opts, 'tsdump', io())).rejects.toThrow(/--ssl-cert is given without --ssl-key/);
  });

  it('--protocol TCP does not use the socket; SOCKET needs one; PIPE is refused', async () => {
    const sock = { MYSQL_UNIX_PORT: '/run/mysqld.sock' };
    expect((await resolveConnection(parseArgs(['--no-defaults']).opts, 'tsdump', io(sock))).settings.socket).toBe('/run/mysqld.sock');
    const tcp = (await resolveConnection(parseArgs(['--no-defaults', '--protocol', 'tcp']).opts, 'tsdump', io(sock))).settings;
    expect(tcp.socket).toBeUndefined();
    await expect(resolveConnection(parseArgs(['--no-defaults', '--protocol', 'SOCKET']).opts, 'tsdump', io())).rejects.toThrow(/needs a socket file/);
    expect(() => parseArgs(['--protocol', 'pipe'])).toThrow();
  });

  it('--connect-timeout in seconds; the user defaults to the login name', async () => {
    const r = await resolveConnection(parseArgs(['--no-defaults', '--connect-timeout', '3']).opts, 'tsdump', io({ USER: 'alice' }));
    expect(r.settings).toMatchObject({ connectTimeoutMs: 3000, user: 'alice' });
    expect(() => parseArgs(['--connect-timeout', '0'])).toThrow();
  });

  it('--login-path reads ~/.mylogin.cnf (mysql_config_editor\'s format), above the other option files', async () => {
    const { encodeLoginFile } = await import('../../src/cli/login-file.js');
    const home = mkdtempSync(path.join(tmp, 'home-'));
    writeFileSync(path.join(home, '.my.cnf'), '[client]\nuser=from-my-cnf\nhost=h1\n[tsdump]\nhost=h2\n');
    // mysql_config_editor makes it 0600 (a looser one is ignored: see below)
    writeFileSync(path.join(home, '.mylogin.cnf'), encodeLoginFile('[client]\nuser = login-client\n[prod]\nhost = prod.example\npassword = "s3cr#t"\nport = 3307\n', Buffer.from('0123456789abcdefghij')), { mode: 0o600 });
    const withHome = (env: Record<string, string> = {}): ResolveIo => ({ env, stdinIsTTY: false, prompt: async () => '', homeDir: home });
    let r = await resolveConnection(parseArgs(['--login-path', 'prod']).opts, 'tsdump', withHome());
    expect(r.settings).toMatchObject({ host: 'prod.example', port: 3307, password: 's3cr#t', user: 'login-client' });
    // without --login-path, only its [client] group counts ([tsdump] of my.cnf still beats it for host)
    r = await resolveConnection(parseArgs([]).opts, 'tsdump', withHome());
    expect(r.settings).toMatchObject({ host: 'h2', user: 'login-client' });
    expect(r.settings.password).toBeUndefined();
    await expect(resolveConnection(parseArgs(['--login-path', 'nope']).opts, 'tsdump', withHome())).rejects.toThrow(/no such login path/);
    const bare = mkdtempSync(path.join(tmp, 'home-'));
    await expect(resolveConnection(parseArgs(['--login-path', 'prod']).opts, 'tsdump', { env: {}, stdinIsTTY: false, prompt: async () => '', homeDir: bare })).rejects.toThrow(/no login path file/);
  });

  it('a world-writable option file is ignored with a warning, as the mysql client does; so is an include', async () => {
    const warnings: string[] = [];
    const home = mkdtempSync(path.join(tmp, 'home-'));
    const withHome: ResolveIo = { env: {}, stdinIsTTY: false, prompt: async () => '', homeDir: home, warn: (m) => warnings.push(m) };
    const file = cnf('ww.cnf', '[client]\nhost=attacker.example\nssl-mode=DISABLED\n');
    chmodSync(file, 0o666);
    let r = await resolveConnection(parseArgs(['--defaults-file', file]).opts, 'tsdump', withHome);
    expect(r.settings.host).toBeUndefined();
    expect(r.settings.ssl).toBeUndefined();
    expect(warnings).toEqual([`world-writable option file '${file}' is ignored (as the mysql client does): chmod o-w it`]);
    // ~/.my.cnf, and a world-writable file it includes
    const inc = cnf('inc.cnf', '[client]\nport=4444\n');
    chmodSync(inc, 0o646);
    writeFileSync(path.join(home, '.my.cnf'), `[client]\nuser=me\n!include ${inc}\n`, { mode: 0o644 });
    r = await resolveConnection(parseArgs([]).opts, 'tsdump', withHome);
    expect(r.settings).toMatchObject({ user: 'me' });
    expect(r.settings.port).toBeUndefined();
    expect(warnings.at(-1)).toMatch(/world-writable option file '.*inc\.cnf' is ignored/);
    chmodSync(path.join(home, '.my.cnf'), 0o666);
    r = await resolveConnection(parseArgs([]).opts, 'tsdump', withHome);
    expect(r.settings.user).toBeUndefined();
    chmodSync(file, 0o644);
    expect((await resolveConnection(parseArgs(['--defaults-file', file]).opts, 'tsdump', withHome)).settings.host).toBe('attacker.example');
  });

  it('a login path file others may read or write is ignored with a warning (MySQL\'s rule); --login-path then says why', async () => {
    const { encodeLoginFile } = await import('../../src/cli/login-file.js');
    const warnings: string[] = [];
    const home = mkdtempSync(path.join(tmp, 'home-'));
    const login = path.join(home, '.mylogin.cnf');
    writeFileSync(login, encodeLoginFile('[client]\nuser = lp\n[prod]\nhost = prod.example\n', Buffer.from('0123456789abcdefghij')), { mode: 0o600 });
    chmodSync(login, 0o640);
    const withHome: ResolveIo = { env: {}, stdinIsTTY: false, prompt: async () => '', homeDir: home, warn: (m) => warnings.push(m) };
    expect((await resolveConnection(parseArgs([]).opts, 'tsdump', withHome)).settings.user).toBeUndefined();
    expect(warnings).toEqual([`the login path file ${login} is ignored: it should be readable and writable only by its owner (as the mysql client requires): chmod 600 it`]);
    await expect(resolveConnection(parseArgs(['--login-path', 'prod']).opts, 'tsdump', withHome)).rejects.toThrow(/the login path file is ignored: others may read or write it/);
    chmodSync(login, 0o600);
    expect((await resolveConnection(parseArgs(['--login-path', 'prod']).opts, 'tsdump', withHome)).settings).toMatchObject({ user: 'lp', host: 'prod.example' });
  });
});
