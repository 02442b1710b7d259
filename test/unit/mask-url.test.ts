/**
 * core/mask-url.ts and the messages that echo a URL: a password never shows, whatever it holds
 * (spaces, `@`, `/`, `#`), and whether or not the text parses as a URL.
 */
import { describe, expect, it } from 'vitest';
import { maskUrl } from '../../src/core/mask-url.js';
import { TsError } from '../../src/core/errors.js';
import { parseConnectionUrl } from '../../src/cli/connection-url.js';
import { storeLocation } from '../../src/cli/store-location.js';
import { explainS3Error } from '../../src/storage/s3-errors.js';

function messageOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(TsError);
    return `${(e as TsError).message} ${(e as TsError).suggestion ?? ''}`;
  }
  throw new Error('no error');
}

describe('maskUrl', () => {
  it('masks from the first : after // to the last @', () => {
    expect(maskUrl('mysql://root:sec ret@127.0.0.1:3431/x?a=1')).toBe('mysql://root:***@127.0.0.1:3431/x?a=1');
    expect(maskUrl('mysql://root:p@ss@127.0.0.1:3431/x?foo=1')).toBe('mysql://root:***@127.0.0.1:3431/x?foo=1');
    expect(maskUrl('mysql://root:a/b#c?d@h/db')).toBe('mysql://root:***@h/db');
    expect(maskUrl('http://AKIA:s3cr/et@minio:9000')).toBe('http://AKIA:***@minio:9000');
    expect(maskUrl('root:pw@host')).toBe('root:***@host');
    expect(maskUrl('mysql://root:a x://y@h/db')).toBe('mysql://root:***@h/db');
  });

  it('masks each URL of a text', () => {
    expect(maskUrl("see 'mysql://u:p@ss@h:1/db' and mariadb://x:y z@w")).toBe("see 'mysql://u:***@h:1/db' and mariadb://x:***@w");
  });

  it('leaves a URL without a password as it is', () => {
    for (const u of ['mysql://root@127.0.0.1:3431/x', 'mysql://h:3306/db', 's3://bucket/prefix', 'http://minio:9000', '/var/backups/x']) expect(maskUrl(u)).toBe(u);
  });
});

describe('messages that echo a URL', () => {
  const secrets = ['sec ret', 'p@ss', 'se#c', 'a/b'];

  it('an invalid --url never shows its password', () => {
    for (const pw of secrets) {
      for (const url of [`mysql://root:${pw}@127.0.0.1:3431/x?a=1`, `mysql://root:${pw}@127.0.0.1:3431/x?foo=1`, `mysql://root:${pw}@h:notaport/x`, `root:${pw}@h`, `http://root:${pw}@h/`]) {
        const text = messageOf(() => parseConnectionUrl(url));
        expect(text, url).not.toContain(pw);
        expect(text).toContain('***');
      }
    }
  });

  it('a bad S3 location or endpoint never shows its credentials', () => {
    expect(messageOf(() => storeLocation('s3://AKIA:s3cret@bucket/p', '-o', {}, {}))).not.toContain('s3cret');
    expect(messageOf(() => storeLocation('gs://AKIA:s3cret@bucket/p', '-o', {}, {}))).not.toContain('s3cret');
    expect(messageOf(() => storeLocation('s3://bkt/p', '-o', { s3Endpoint: 'ftp://AKIA:s3 cret@x' }, {}))).not.toContain('s3 cret');
    expect(messageOf(() => storeLocation('s3://bkt/p', '-o', {}, { AWS_ENDPOINT_URL: 'minio:s3cret@x y' }))).not.toContain('s3cret');
  });

  it('an S3 failure names the endpoint without its credentials', async () => {
    const e = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
    const err = await explainS3Error(e, { op: 'list', display: 's3://bkt', bucket: 'bkt', endpoint: 'http://AKIA:s3cret@127.0.0.1:9', credentials: async () => 'x' });
    expect(err.message).toContain('http://AKIA:***@127.0.0.1:9');
    expect(err.message).not.toContain('s3cret');
  });
});
