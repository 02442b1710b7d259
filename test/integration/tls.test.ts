/**
 * TLS as the mysql client does it, against a private server with a certificate from a private CA
 * (made by the test): --ssl-mode PREFERRED (the default) uses TLS when offered and plain TCP when
 * not; REQUIRED insists; VERIFY_CA and VERIFY_IDENTITY verify, and without --ssl-ca are refused
 * before connecting, as the mysql client refuses them; MariaDB's ssl-verify-server-cert (also in an
 * option file) verifies against the system trust store, where a private CA fails. A failure exits 3
 * with a hint; a missing --ssl-ca file is a usage error.
 */
import { copyFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../support/cli.js';
import { removeTemps, tempDir } from '../support/faults.js';
import { adminSessionOn, startPrivateServer, testServer, type AdminSession, type ServerHandle } from '../support/server.js';
import { makeTestCa, type TestCa } from '../support/tls.js';

describe('TLS like the mysql client', () => {
  let ca: TestCa;
  let server: ServerHandle;
  let admin: AdminSession;
  let serverCert: string;
  let serverKey: string;
  const user = 'tls_user';
  const password = 'tls-Pw-1';

  beforeAll(async () => {
    ca = makeTestCa();
    // the certificate names only "localhost": an IP address does not match it (VERIFY_IDENTITY fails)
    const c = ca.serverCert('server', ['DNS:localhost']);
    serverCert = path.join(ca.dir, 'current.pem');
    serverKey = path.join(ca.dir, 'current-key.pem');
    copyFileSync(c.cert, serverCert);
    copyFileSync(c.key, serverKey);
    server = await startPrivateServer({ extraConfig: [`ssl_ca = ${ca.caCert}`, `ssl_cert = ${serverCert}`, `ssl_key = ${serverKey}`] });
    admin = await adminSessionOn(server.info);
    await admin.query(`CREATE DATABASE tlsdb; CREATE TABLE tlsdb.t (id INT PRIMARY KEY); INSERT INTO tlsdb.t VALUES (1)`);
    await admin.query(`CREATE USER '${user}'@'%' IDENTIFIED BY '${password}' REQUIRE SSL; GRANT ALL ON *.* TO '${user}'@'%'`);
  }, 240_000);

  afterAll(async () => {
    await admin?.close();
    await server?.destroy();
    ca?.remove();
    removeTemps();
  }, 120_000);

  /** A schema-only dump of tlsdb over TCP as the REQUIRE SSL account, with these options. */
  function dump(args: readonly string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
    const out = path.join(tempDir('tls-out'), 'd');
    return runCli('tsdump', ['--no-defaults', '-h', '127.0.0.1', '-P', String(server.info.port), '-u', user, '-B', 'tlsdb', '--no-data', '-o', out, '-q', ...args], {
      env: { MYSQL_PWD: password, ...env },
    });
  }

  it('PREFERRED (the default) uses TLS when the server offers it: an account that requires TLS connects', async () => {
    const r = await dump([]);
    expect(r.code, r.stderr).toBe(0);
  });

  it("a CSV dump loads over TLS by MariaDB's bulk INSERT (the capability asked for in the TLS request and again after it)", async () => {
    const out = path.join(tempDir('tls-out'), 'd');
    const base = ['--no-defaults', '-h', '127.0.0.1', '-P', String(server.info.port), '-u', user, '--ssl-mode', 'REQUIRED'];
    const d = await runCli('tsdump', [...base, '-B', 'tlsdb', '-o', out, '-q'], { env: { MYSQL_PWD: password } });
    expect(d.code, d.stderr).toBe(0);
    const l = await runCli('tsload', [...base, '-d', out, '-B', 'tlsdb_copy', '--insert-method', 'bulk', '--progress', 'plain'], { env: { MYSQL_PWD: password } });
    expect(l.code, l.stderr).toBe(0);
    expect(l.stderr).toContain('rows sent by bulk INSERT (COM_STMT_BULK_EXECUTE) into `tlsdb_copy`.`t`');
    expect(Number(await admin.scalar('SELECT COUNT(*) FROM tlsdb_copy.t WHERE id = 1'))).toBe(1);
  });

  it('DISABLED against an account that requires TLS: exit 3, and the hint says --ssl-mode REQUIRED', async () => {
    const r = await dump(['--ssl-mode', 'DISABLED']);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/--ssl-mode REQUIRED/);
  });

  it('REQUIRED encrypts without verifying (with --ssl-ca too, saying so as the mysql client does)', async () => {
    const r = await dump(['--ssl-mode', 'REQUIRED']);
    expect(r.code, r.stderr).toBe(0);
    const other = makeTestCa();
    try {
      const w = await dump(['--ssl-mode', 'REQUIRED', '--ssl-ca', other.caCert]);
      expect(w.code, w.stderr).toBe(0);
      expect(w.stderr).toContain('warning: no verification of the server certificate will be done: --ssl-ca is given with --ssl-mode REQUIRED');
    } finally {
      other.remove();
    }
  });

  it('VERIFY_CA with the CA connects; without one it is refused before connecting (exit 2 naming --ssl-ca), as the mysql client refuses it', async () => {
    expect((await dump(['--ssl-mode', 'VERIFY_CA', '--ssl-ca', ca.caCert])).code).toBe(0);
    // our CA trusted as a public one is (NODE_EXTRA_CA_CERTS): against the system trust store
    // VERIFY_CA would take any certificate a public CA signed, for any host — this one names only
    // localhost, and 127.0.0.1 was connected to
    const asPublic = { NODE_EXTRA_CA_CERTS: ca.caCert };
    const r = await dump(['--ssl-mode', 'VERIFY_CA'], asPublic);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/--ssl-mode VERIFY_CA needs --ssl-ca: a CA certificate is required/);
    expect(r.stderr).toMatch(/hint: give the CA that signed the server's certificate with --ssl-ca FILE/);
    expect((await dump(['--ssl-mode', 'VERIFY_IDENTITY'], asPublic)).code).toBe(2);
    // MariaDB's ssl-verify-server-cert takes the system store, and checks the host name there too
    const v = await dump(['--ssl-verify-server-cert'], asPublic);
    expect(v.code, v.stderr).toBe(3);
    expect(v.stderr).toMatch(/does not name the host/);
  });

  it('a CA without a mode means VERIFY_CA (a certificate from another CA is refused); with MariaDB\'s `ssl` in an option file too, as its client refuses it', async () => {
    const other = makeTestCa();
    try {
      const r = await dump(['--ssl-ca', other.caCert]);
      expect(r.code, r.stderr).toBe(3);
      expect(r.stderr).toMatch(/could not be verified/);
      // mariadb --ssl --ssl-ca=<another CA> fails with 'self-signed certificate in certificate chain'
      const cnf = path.join(tempDir('tls-cnf'), 'my.cnf');
      writeFileSync(cnf, `[client]\nssl\nssl-ca = ${other.caCert}\n`);
      const out = path.join(tempDir('tls-out'), 'd');
      const f = await runCli('tsdump', [`--defaults-file=${cnf}`, '-h', '127.0.0.1', '-P', String(server.info.port), '-u', user, '-B', 'tlsdb', '--no-data', '-o', out, '-q'], { env: { MYSQL_PWD: password } });
      expect(f.code, f.stderr).toBe(3);
      expect(f.stderr).toMatch(/could not be verified.*--ssl-mode VERIFY_CA/);
    } finally {
      other.remove();
    }
  });

  it('ssl-verify-server-cert in an option file is honoured: no CA given → refused (exit 3)', async () => {
    const cnf = path.join(tempDir('tls-cnf'), 'my.cnf');
    writeFileSync(cnf, `[client]\nssl-verify-server-cert\n`);
    const out = path.join(tempDir('tls-out'), 'd');
    const r = await runCli('tsdump', [`--defaults-file=${cnf}`, '-h', '127.0.0.1', '-P', String(server.info.port), '-u', user, '-B', 'tlsdb', '--no-data', '-o', out, '-q'], { env: { MYSQL_PWD: password } });
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/could not be verified/);
    // and with the CA as well: the host name 127.0.0.1 is not in the certificate
    writeFileSync(cnf, `[client]\nssl-verify-server-cert\nssl-ca = ${ca.caCert}\n`);
    const r2 = await runCli('tsdump', [`--defaults-file=${cnf}`, '-h', '127.0.0.1', '-P', String(server.info.port), '-u', user, '-B', 'tlsdb', '--no-data', '-o', path.join(tempDir('tls-out'), 'd'), '-q'], { env: { MYSQL_PWD: password } });
    expect(r2.code, r2.stderr).toBe(3);
    expect(r2.stderr).toMatch(/does not name the host/);
    // --skip-ssl-verify-server-cert on the command line overrides the file: the host is not checked, the chain still is
    const skip = (file: string) => runCli('tsdump', [`--defaults-file=${file}`, '--skip-ssl-verify-server-cert', '-h', '127.0.0.1', '-P', String(server.info.port), '-u', user, '-B', 'tlsdb', '--no-data', '-o', path.join(tempDir('tls-out'), 'd'), '-q'], { env: { MYSQL_PWD: password } });
    const r3 = await skip(cnf);
    expect(r3.code, r3.stderr).toBe(0);
    const other = makeTestCa();
    try {
      writeFileSync(cnf, `[client]\nssl-verify-server-cert\nssl-ca = ${other.caCert}\n`);
      const r4 = await skip(cnf);
      expect(r4.code, r4.stderr).toBe(3);
      expect(r4.stderr).toMatch(/could not be verified/);
    } finally {
      other.remove();
    }
  });

  it('VERIFY_IDENTITY checks the host name: refused for a certificate without it, accepted once the server has one with its IP', async () => {
    const r = await dump(['--ssl-mode', 'VERIFY_IDENTITY', '--ssl-ca', ca.caCert]);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/does not name the host/);
    expect(r.stderr).toMatch(/VERIFY_CA/);
    const c = ca.serverCert('server-ip', ['DNS:localhost', 'IP:127.0.0.1']);
    copyFileSync(c.cert, serverCert);
    copyFileSync(c.key, serverKey);
    await admin.query('FLUSH SSL');
    const ok = await dump(['--ssl-mode', 'VERIFY_IDENTITY', '--ssl-ca', ca.caCert]);
    expect(ok.code, ok.stderr).toBe(0);
  });

  it('a missing --ssl-ca file is a usage error naming it, not a stack', async () => {
    const r = await dump(['--ssl-mode', 'VERIFY_CA', '--ssl-ca', '/nonexistent/ca.pem']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/cannot read --ssl-ca \/nonexistent\/ca\.pem: no such file/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('against a server without TLS: PREFERRED falls back to plain TCP, REQUIRED is refused with a hint (exit 3)', async () => {
    const s = testServer();
    const base = ['--no-defaults', '-h', s.host, '-P', String(s.port), '-u', s.user, '--no-data', '-B', 'mysql', '-q'];
    const env = { MYSQL_PWD: s.password || undefined };
    const plain = await runCli('tsdump', [...base, '-o', path.join(tempDir('tls-out'), 'd')], { env });
    expect(plain.code, plain.stderr).toBe(0);
    const required = await runCli('tsdump', [...base, '--ssl-mode', 'REQUIRED', '-o', path.join(tempDir('tls-out'), 'd')], { env });
    expect(required.code, required.stderr).toBe(3);
    expect(required.stderr).toMatch(/does not offer TLS/);
  });
});
