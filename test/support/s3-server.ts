/**
 * A real S3 API server for the tests: s3rver in a child process (s3rver-child.mjs) on 127.0.0.1 and
 * a free port, its data in a temp directory, random credentials. `env()` is what a tool needs to
 * reach it through the AWS conventions (AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, …), with the machine's
 * own AWS configuration kept out: no profile, no config files, and no instance-metadata lookups
 * (nothing may leave the loopback).
 *
 * What s3rver does not do, so the tests cannot check it here: it accepts any signature of a known
 * access key (SigV4 is not verified: a wrong secret passes, a wrong key id is refused), and has
 * no access policies (no AccessDenied). If-None-Match: * and If-Match on PutObject (the conditional
 * writes tsdump claims a prefix and refreshes its marker with) are added by s3rver-child.mjs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { CreateBucketCommand, DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { REPO_ROOT } from './cli.js';

export interface S3TestServer {
  readonly endpoint: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** Environment for a tool run against `endpoint` (default: this server; pass a proxy's). */
  env(endpoint?: string): Record<string, string | undefined>;
  readonly client: S3Client;
  createBucket(name: string): Promise<void>;
  /** Keys under `prefix` (listed through the API). */
  keys(bucket: string, prefix: string): Promise<string[]>;
  getObject(bucket: string, key: string): Promise<Buffer>;
  putObject(bucket: string, key: string, body: Buffer): Promise<void>;
  deleteObject(bucket: string, key: string): Promise<void>;
  /** Multipart uploads begun and neither completed nor aborted, in `bucket`. */
  pendingUploads(bucket: string): number;
  /** The keys of those uploads, sorted. */
  pendingUploadKeys(bucket: string): string[];
  stop(): Promise<void>;
}

/**
 * `conditionalWrites: false`: PutObject's If-None-Match and If-Match are ignored (s3rver's own
 * behaviour, older S3-compatible servers'); `'refused'`: such a put is answered 501 NotImplemented.
 */
export async function startS3Server(buckets: readonly string[] = [], { conditionalWrites = true }: { conditionalWrites?: boolean | 'refused' } = {}): Promise<S3TestServer> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tsdump-s3rver-'));
  const accessKeyId = `AKTEST${randomBytes(7).toString('hex').toUpperCase()}`;
  const secretAccessKey = randomBytes(20).toString('base64url');
  const child: ChildProcess = spawn(process.execPath, ['--openssl-legacy-provider', '--no-warnings', path.join(REPO_ROOT, 'test', 'support', 's3rver-child.mjs'), JSON.stringify({ dir, accessKeyId, secretAccessKey, buckets, conditionalWrites })], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const errors: string[] = [];
  child.stderr!.on('data', (b: Buffer) => errors.push(b.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (l) => resolve((JSON.parse(l) as { port: number }).port));
    child.once('exit', (code) => reject(new Error(`s3rver exited with ${code}: ${errors.join('')}`)));
    setTimeout(() => reject(new Error(`s3rver did not start within 30 s: ${errors.join('')}`)), 30_000).unref();
  });
  const endpoint = `http://127.0.0.1:${port}`;
  // the SDK's notice that its 2027 releases need Node.js 22 is for us, not for a test's output
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const client = new S3Client({ endpoint, forcePathStyle: true, region: 'us-east-1', credentials: { accessKeyId, secretAccessKey }, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
  const noConfig = path.join(dir, 'no-aws-config');
  return {
    endpoint,
    accessKeyId,
    secretAccessKey,
    client,
    env: (at = endpoint) => ({
      AWS_ENDPOINT_URL: at,
      AWS_ENDPOINT_URL_S3: undefined,
      AWS_ACCESS_KEY_ID: accessKeyId,
      AWS_SECRET_ACCESS_KEY: secretAccessKey,
      AWS_SESSION_TOKEN: undefined,
      AWS_REGION: 'us-east-1',
      AWS_DEFAULT_REGION: undefined,
      AWS_PROFILE: undefined,
      AWS_CONFIG_FILE: noConfig,
      AWS_SHARED_CREDENTIALS_FILE: noConfig,
      AWS_EC2_METADATA_DISABLED: 'true',
    }),
    createBucket: async (name) => {
      await client.send(new CreateBucketCommand({ Bucket: name }));
    },
    keys: async (bucket, prefix) => {
      const out: string[] = [];
      let token: string | undefined;
      do {
        const r = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ...(token ? { ContinuationToken: token } : {}) }));
        out.push(...(r.Contents ?? []).map((o) => o.Key!));
        token = r.IsTruncated ? r.NextContinuationToken : undefined;
      } while (token);
      return out.sort();
    },
    getObject: async (bucket, key) => Buffer.from(await (await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToByteArray()),
    putObject: async (bucket, key, body) => {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    },
    deleteObject: async (bucket, key) => {
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    },
    pendingUploads: (bucket) => {
      const uploads = path.join(dir, bucket, '._S3rver_uploads');
      return existsSync(uploads) ? readdirSync(uploads).length : 0;
    },
    pendingUploadKeys: (bucket) => {
      const uploads = path.join(dir, bucket, '._S3rver_uploads');
      return existsSync(uploads) ? readdirSync(uploads).map((id) => (existsSync(path.join(uploads, id, 'key')) ? readFileSync(path.join(uploads, id, 'key'), 'utf8') : `(upload ${id} being begun)`)).sort() : [];
    },
    stop: async () => {
      client.destroy();
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A bucket name of the tests: lower case, unique per run. */
export function uniqueBucket(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`.toLowerCase();
}
