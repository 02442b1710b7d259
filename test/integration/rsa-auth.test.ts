/**
 * caching_sha2_password / sha256_password full authentication without TLS: the password is never
 * sent (not even encrypted to a key the server hands out) unless the user vouched for a key, as the
 * mysql client does (its error 2061). The server is a fake (test/support/fake-rsa-server.ts) that
 * records every password it can read: MySQL 8 cannot be installed here.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { TsError } from '../../src/core/errors.js';
import { Session, type ConnectionSettings } from '../../src/db/session.js';
import { runCli } from '../support/cli.js';
import { startFakeRsaServer, type FakeRsaServer, type FakeRsaServerOptions } from '../support/fake-rsa-server.js';

const PASSWORD = 'hunter2-secret';
const tmp = mkdtempSync(path.join(os.tmpdir(), 'tsdump-rsa-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let fake: FakeRsaServer | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function serve(opts: FakeRsaServerOptions): Promise<FakeRsaServer> {
  fake = await startFakeRsaServer(opts);
  return fake;
}

function settings(server: FakeRsaServer, extra: Partial<ConnectionSettings> = {}): ConnectionSettings {
  return { host: '127.0.0.1', port: server.port, user: 'app', password: PASSWORD, connectTimeoutMs: 5000, ...extra };
}

async function refusal(p: Promise<Session>): Promise<TsError> {
  try {
    (await p).destroy();
  } catch (e) {
    expect(e).toBeInstanceOf(TsError);
    return e as TsError;
  }
  throw new Error('the connection was opened');
}

describe('RSA-key authentication over plain TCP', () => {
  for (const plugin of ['caching_sha2_password', 'sha256_password'] as const) {
    for (const ssl of [undefined, { mode: 'DISABLED' } as const]) {
      it(`${plugin}, --ssl-mode ${ssl?.mode ?? 'PREFERRED (default)'}: full authentication is refused, nothing of the password sent`, async () => {
        const server = await serve({ plugin });
        const err = await refusal(Session.open(settings(server, ssl ? { ssl } : {})));
        expect(err.code).toBe('auth');
        expect(err.errno).toBe(2061);
        expect(err.exitCode).toBe(3);
        expect(err.message).toContain(`127.0.0.1:${server.port}`);
        expect(err.message).toContain("'app'");
        expect(err.message).toContain(plugin);
        expect(err.suggestion).toMatch(/--ssl-mode REQUIRED/);
        expect(err.suggestion).toMatch(/--server-public-key-path/);
        expect(err.suggestion).toMatch(/--get-server-public-key/);
        expect(`${err.message} ${err.suggestion}`).not.toContain(PASSWORD);
        expect(server.passwords).toEqual([]);
        expect(server.keyRequests).toBe(0);
        expect(server.authenticated).toBe(0);
      });
    }

    it(`${plugin}: --server-public-key-path encrypts to that key and never asks the server for one`, async () => {
      const server = await serve({ plugin });
      const key = path.join(tmp, `${plugin}.pem`);
      writeFileSync(key, server.publicKeyPem);
      const s = await Session.open(settings(server, { serverPublicKeyPath: key }));
      await s.close();
      expect(server.keyRequests).toBe(0);
      // the fake decrypted it with the private half of the key given: it was encrypted to that key
      expect(server.passwords).toEqual([PASSWORD]);
    });

    it(`${plugin}: --get-server-public-key trusts the key the server sends`, async () => {
      const server = await serve({ plugin });
      const s = await Session.open(settings(server, { getServerPublicKey: true }));
      await s.close();
      expect(server.keyRequests).toBe(1);
      expect(server.passwords).toEqual([PASSWORD]);
    });
  }

  it('caching_sha2_password fast path (a cached account: the scramble alone) works over plain TCP', async () => {
    const server = await serve({ plugin: 'caching_sha2_password', cached: true });
    const s = await Session.open(settings(server));
    await s.close();
    expect(server.authenticated).toBe(1);
    expect(server.passwords).toEqual([]);
    expect(server.keyRequests).toBe(0);
  });

  it('a --server-public-key-path that is not a public key is a usage error naming the file', async () => {
    const server = await serve({ plugin: 'caching_sha2_password' });
    const key = path.join(tmp, 'not-a-key.pem');
    writeFileSync(key, 'hello\n');
    const err = await refusal(Session.open(settings(server, { serverPublicKeyPath: key })));
    expect(err.code).toBe('usage');
    expect(err.message).toContain(key);
    expect(server.passwords).toEqual([]);
  });
});

describe('mysql_clear_password (PAM, LDAP, IAM accounts): with --enable-cleartext-plugin, the password as it is, over TLS or a socket only', () => {
  it('not enabled: refused (also over a socket), saying how to enable it, nothing sent', async () => {
    const socketPath = path.join(tmp, 'clear-off.sock');
    for (const server of [await serve({ plugin: 'mysql_clear_password' }), await startFakeRsaServer({ plugin: 'mysql_clear_password', socketPath })]) {
      try {
        const err = await refusal(Session.open(server.port ? settings(server) : { socket: socketPath, user: 'app', password: PASSWORD, connectTimeoutMs: 5000 }));
        expect(err.code).toBe('auth');
        expect(err.message).toMatch(/in clear text .*the clear-text plugin is not enabled/);
        expect(err.suggestion).toMatch(/--enable-cleartext-plugin/);
        expect(`${err.message} ${err.suggestion}`).not.toContain(PASSWORD);
        expect(server.passwords).toEqual([]);
      } finally {
        if (!server.port) await server.close();
      }
    }
  });

  for (const ssl of [undefined, { mode: 'DISABLED' } as const]) {
    it(`enabled, over plain TCP, --ssl-mode ${ssl?.mode ?? 'PREFERRED (default)'}: refused, nothing of the password sent`, async () => {
      const server = await serve({ plugin: 'mysql_clear_password' });
      const err = await refusal(Session.open(settings(server, { enableCleartextPlugin: true, ...(ssl ? { ssl } : {}) })));
      expect(err.code).toBe('auth');
      expect(err.exitCode).toBe(3);
      expect(err.message).toContain(`127.0.0.1:${server.port}`);
      expect(err.message).toContain("'app'");
      expect(err.message).toMatch(/in clear text \(mysql_clear_password/);
      expect(err.suggestion).toMatch(/--ssl-mode REQUIRED/);
      expect(err.suggestion).toMatch(/Unix socket/);
      expect(`${err.message} ${err.suggestion}`).not.toContain(PASSWORD);
      expect(server.passwords).toEqual([]);
      expect(server.authenticated).toBe(0);
    });
  }

  it('enabled, over a Unix socket the password is sent', async () => {
    const socketPath = path.join(tmp, 'clear.sock');
    const server = await serve({ plugin: 'mysql_clear_password', socketPath });
    const s = await Session.open({ socket: socketPath, user: 'app', password: PASSWORD, connectTimeoutMs: 5000, enableCleartextPlugin: true });
    await s.close();
    expect(server.passwords).toEqual([PASSWORD]);
  });

  it('tsdump --enable-cleartext-plugin over plain TCP: exit 3, the hint names TLS, the password not sent', async () => {
    const server = await serve({ plugin: 'mysql_clear_password' });
    const r = await runCli('tsdump', ['--no-defaults', '-h', '127.0.0.1', '-P', String(server.port), '-u', 'app', '--enable-cleartext-plugin', '-o', path.join(tmp, 'out-clear')], { env: { MYSQL_PWD: PASSWORD } });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/in clear text/);
    expect(r.stderr).toMatch(/--ssl-mode REQUIRED/);
    expect(r.stderr).not.toContain(PASSWORD);
    expect(server.passwords).toEqual([]);
    // the option file's key enables it too: the refusal is then the transport's, not "not enabled"
    const cnf = path.join(tmp, 'clear.cnf');
    writeFileSync(cnf, '[client]\nenable-cleartext-plugin\n');
    const f = await runCli('tsdump', ['--defaults-file', cnf, '-h', '127.0.0.1', '-P', String(server.port), '-u', 'app', '-o', path.join(tmp, 'out-clear2')], { env: { MYSQL_PWD: PASSWORD } });
    expect(f.code).toBe(3);
    expect(f.stderr).toMatch(/neither TLS nor a Unix socket/);
    expect(server.passwords).toEqual([]);
  });
});

describe('tsdump and tsload against a server that asks for the password without TLS', () => {
  const env = { MYSQL_PWD: PASSWORD };

  it('tsdump refuses by default (exit 3, the hint names the options) and sends nothing', async () => {
    const server = await serve({ plugin: 'caching_sha2_password' });
    const r = await runCli('tsdump', ['--no-defaults', '-h', '127.0.0.1', '-P', String(server.port), '-u', 'app', '-o', path.join(tmp, 'out1')], { env });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/neither TLS nor a Unix socket/);
    expect(r.stderr).toMatch(/--get-server-public-key/);
    expect(r.stderr).not.toContain(PASSWORD);
    expect(server.passwords).toEqual([]);
  });

  it('tsload takes --get-server-public-key, and option files take get-server-public-key / server-public-key-path', async () => {
    const dump = path.join(tmp, 'one.sql');
    writeFileSync(dump, '-- MySQL dump 10.13\nCREATE TABLE t (a int);\n-- Dump completed on 2024-01-01  0:00:00\n');
    let server = await serve({ plugin: 'caching_sha2_password' });
    let r = await runCli('tsload', ['--no-defaults', '-h', '127.0.0.1', '-P', String(server.port), '-u', 'app', '--get-server-public-key', '-d', dump, '-B', 'x'], { env });
    expect(server.passwords).toEqual([PASSWORD]);
    expect(r.stderr).not.toMatch(/neither TLS nor a Unix socket/);
    await server.close();

    server = await serve({ plugin: 'sha256_password' });
    const key = path.join(tmp, 'cli.pem');
    writeFileSync(key, server.publicKeyPem);
    const cnf = path.join(tmp, 'key.cnf');
    writeFileSync(cnf, `[client]\nserver_public_key_path=${key}\n`);
    r = await runCli('tsdump', ['--defaults-file', cnf, '-h', '127.0.0.1', '-P', String(server.port), '-u', 'app', '-o', path.join(tmp, 'out2')], { env });
    expect(r.stderr).not.toMatch(/neither TLS nor a Unix socket/);
    expect(server.keyRequests).toBe(0);
    expect(server.passwords).toEqual([PASSWORD]);
    await server.close();

    server = await serve({ plugin: 'caching_sha2_password' });
    writeFileSync(cnf, '[client]\nenable-get-server-public-key\n');
    r = await runCli('tsdump', ['--defaults-file', cnf, '-h', '127.0.0.1', '-P', String(server.port), '-u', 'app', '-o', path.join(tmp, 'out3')], { env });
    expect(server.keyRequests).toBe(1);
    expect(server.passwords).toEqual([PASSWORD]);
  });
});
