/**
 * cli/store-location.ts: where a dump lives, from the options and the AWS environment conventions
 * (the only place that reads them; storage/ gets a plain StoreLocation).
 */
import { describe, expect, it } from 'vitest';
import { TsError } from '../../src/core/errors.js';
import { storeLocation } from '../../src/cli/store-location.js';

describe('storeLocation', () => {
  it('a local directory stays local; --s3-endpoint with it is a usage error', () => {
    expect(storeLocation('dump', '-o', {}, {})).toMatchObject({ kind: 'local' });
    expect(() => storeLocation('dump', '-o', { s3Endpoint: 'http://x:9000' }, {})).toThrow(/--s3-endpoint is for s3:\/\/ locations/);
  });

  it('s3:// takes the endpoint from --s3-endpoint, else AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL; the region from AWS_REGION, else AWS_DEFAULT_REGION', () => {
    expect(storeLocation('s3://bkt/a/b/', '-o', {}, {})).toEqual({ kind: 's3', bucket: 'bkt', prefix: 'a/b' });
    expect(storeLocation('s3://bkt', '-o', {}, { AWS_ENDPOINT_URL: 'http://h:1/', AWS_DEFAULT_REGION: 'eu-west-1' })).toEqual({ kind: 's3', bucket: 'bkt', prefix: '', endpoint: 'http://h:1', region: 'eu-west-1' });
    expect(storeLocation('s3://bkt/p', '-d', {}, { AWS_ENDPOINT_URL: 'http://h:1', AWS_ENDPOINT_URL_S3: 'http://s3only:2', AWS_REGION: 'us-west-2', AWS_DEFAULT_REGION: 'eu-west-1' })).toMatchObject({ endpoint: 'http://s3only:2', region: 'us-west-2' });
    expect(storeLocation('s3://bkt/p', '-d', { s3Endpoint: 'https://flag:3' }, { AWS_ENDPOINT_URL: 'http://h:1' })).toMatchObject({ endpoint: 'https://flag:3' });
  });

  it('refuses an endpoint that is not an http(s) URL, and a bad bucket name', () => {
    expect(() => storeLocation('s3://bkt/p', '-o', { s3Endpoint: 'localhost:9000' }, {})).toThrow(TsError);
    expect(() => storeLocation('s3://bkt/p', '-o', {}, { AWS_ENDPOINT_URL: 'ftp://x' })).toThrow(/AWS_ENDPOINT_URL 'ftp:\/\/x' is not an http/);
    expect(() => storeLocation('s3://Bad_Bucket/p', '-o', {}, {})).toThrow(/not a valid bucket name/);
  });

  it("refuses a prefix with a '.', '..' or empty segment (a normalizing server would write elsewhere than the checks list)", () => {
    for (const bad of ['s3://bkt/r/q/../x', 's3://bkt/./x', 's3://bkt/a//b', 's3://bkt/a/..', 's3://bkt/a\\b']) {
      expect(() => storeLocation(bad, '-o', {}, {}), bad).toThrow(/has a '\.', '\.\.' or empty segment/);
    }
    expect(storeLocation('s3://bkt/a.b/..c/d', '-o', {}, {})).toMatchObject({ prefix: 'a.b/..c/d' });
  });
});
