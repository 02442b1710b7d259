import { AbortMultipartUploadCommand, DeleteObjectCommand, GetObjectCommand, HeadBucketCommand, HeadObjectCommand, ListMultipartUploadsCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import { TsError } from '../core/errors.js';
import { displayLocation, readPieces, type ByteSource, type ClaimResult, type DumpStore, type PendingFile, type RefreshResult, type StoreLocation, type StoredEntry, type StoredFile } from './dump-store.js';
import { describeCredentials, explainS3Error, failureOf, isNotFound } from './s3-errors.js';
import { ObjectReader, type RangedBody } from './s3-reader.js';
import { ObjectUpload } from './s3-upload.js';
import { checkRelativePath } from './store-path.js';

type S3Location = Extract<StoreLocation, { kind: 's3' }>;

/**
 * Attempts per request (the SDK's standard retry mode: exponential backoff with jitter, for
 * throttling, 5xx, timeouts and connection resets; a retry token bucket per client stops a storm
 * from being retried forever). Eight attempts wait up to about 13 s in all.
 */
const MAX_ATTEMPTS = 8;

/**
 * A dump under `s3://bucket/prefix` of AWS S3 or an S3-compatible server. Keys are
 * `prefix/<relative path>`; every path is checked by checkRelativePath first, so no key leaves the
 * prefix. Same guarantees as the local store: an object appears only when its upload completes
 * (see ObjectUpload), so the manifest — written last — marks a complete dump; list() shows
 * completed objects only.
 *
 * Configuration comes in the StoreLocation (the CLI reads options and environment): the endpoint of
 * an S3-compatible server (then addressed path-style: http://host/bucket/key, which such servers
 * expect) and the region. Credentials are the SDK's default provider chain, which itself reads
 * AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, AWS_PROFILE with ~/.aws/config and
 * ~/.aws/credentials, web identity, container and instance roles: the documented AWS behaviour,
 * and the one exception to "nothing below cli/ reads the environment". Without a region in the
 * location the SDK's region chain (AWS_REGION, the profile) applies too.
 */
export class S3Store implements DumpStore {
  readonly location: S3Location;
  readonly display: string;
  private readonly client: S3Client;
  private readonly base: string;
  private bucketChecked: Promise<void> | null = null;
  /** Whether the server honours If-None-Match on PutObject: learned at the first claim. */
  private conditionalWrites: boolean | undefined;

  constructor(location: S3Location) {
    this.location = location;
    this.display = displayLocation(location);
    this.base = location.prefix ? `${location.prefix}/` : '';
    const custom = location.endpoint !== undefined;
    this.client = new S3Client({
      region: location.region ?? (custom ? 'us-east-1' : undefined),
      ...(custom ? { endpoint: location.endpoint } : {}),
      forcePathStyle: custom,
      // AWS: a bucket in another region than AWS_REGION is followed there
      followRegionRedirects: !custom,
      maxAttempts: MAX_ATTEMPTS,
      retryMode: 'standard',
      // S3-compatible servers differ in the newer default integrity checksums; AWS gets them
      requestChecksumCalculation: custom ? 'WHEN_REQUIRED' : 'WHEN_SUPPORTED',
      responseChecksumValidation: custom ? 'WHEN_REQUIRED' : 'WHEN_SUPPORTED',
      requestHandler: { connectionTimeout: 10_000, requestTimeout: 120_000 },
    });
  }

  private key(relative: string): string {
    return this.base + checkRelativePath(relative);
  }

  private async explain(e: unknown, op: string, file?: string): Promise<TsError> {
    return explainS3Error(e, {
      op,
      display: this.display,
      bucket: this.location.bucket,
      endpoint: this.location.endpoint,
      ...(file !== undefined ? { file } : {}),
      credentials: async () => describeCredentials(await this.client.config.credentials()),
    });
  }

  private async call<T>(op: string, file: string | undefined, body: () => Promise<T>): Promise<T> {
    try {
      return await body();
    } catch (e) {
      throw await this.explain(e, op, file);
    }
  }

  async whyNotWritable(): Promise<string | null> {
    return null; // only a write would tell (bucket policies, object locks)
  }

  async list(): Promise<StoredEntry[]> {
    const out: StoredEntry[] = [];
    let token: string | undefined;
    do {
      const page = await this.call('list', undefined, () => this.client.send(new ListObjectsV2Command({ Bucket: this.location.bucket, Prefix: this.base, ...(token ? { ContinuationToken: token } : {}) })));
      for (const o of page.Contents ?? []) {
        const rel = (o.Key ?? '').slice(this.base.length);
        // "folder" marker objects (a key ending in '/', made by consoles) hold no file
        if (rel === '' || (rel.endsWith('/') && (o.Size ?? 0) === 0)) continue;
        out.push({ path: rel, bytes: o.Size ?? 0, regular: true, ...(o.LastModified ? { modified: o.LastModified.getTime() } : {}) });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  async stat(relative: string): Promise<StoredFile | null> {
    const Key = this.key(relative);
    try {
      const h = await this.client.send(new HeadObjectCommand({ Bucket: this.location.bucket, Key }));
      return { path: relative, bytes: h.ContentLength ?? 0 };
    } catch (e) {
      if (!isNotFound(e)) throw await this.explain(e, 'read', relative);
    }
    // A HEAD answers a missing bucket with the same bodiless 404 as a missing object: ask once which.
    await (this.bucketChecked ??= this.checkBucket());
    return null;
  }

  private async checkBucket(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.location.bucket }));
    } catch (e) {
      const f = failureOf(e);
      throw await this.explain(f.status === 404 ? Object.assign(new Error('The specified bucket does not exist'), { Code: 'NoSuchBucket', $metadata: { httpStatusCode: 404 } }) : e, 'read');
    }
  }

  async readFile(relative: string): Promise<Buffer> {
    const pieces: Buffer[] = [];
    for await (const p of readPieces(await this.open(relative), 1 << 20, { reuse: false })) pieces.push(p);
    return Buffer.concat(pieces);
  }

  async open(relative: string, offset = 0): Promise<ByteSource> {
    const Key = this.key(relative);
    const range = async (from: number, etag: string | undefined): Promise<RangedBody | null> => {
      try {
        const r = await this.client.send(new GetObjectCommand({ Bucket: this.location.bucket, Key, ...(from > 0 ? { Range: `bytes=${from}-` } : {}), ...(etag ? { IfMatch: etag } : {}) }));
        const m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(r.ContentRange ?? '');
        const start = m ? Number(m[1]) : 0;
        return { body: r.Body as Readable, start, end: start + (r.ContentLength ?? 0), etag: r.ETag };
      } catch (e) {
        // a read from the very end: S3 refuses the empty range, the file has no more bytes
        if (from > 0 && (failureOf(e).code === 'InvalidRange' || failureOf(e).status === 416) && (await this.stat(relative))?.bytes === from) return null;
        if (failureOf(e).code === 'PreconditionFailed') {
          throw new TsError({ code: 'io', message: `${relative} in ${this.display} was replaced while it was being read`, object: { file: relative }, suggestion: 'nothing may write into a dump while it is read; run again', cause: e });
        }
        throw await this.explain(e, 'read', relative);
      }
    };
    const reader = await ObjectReader.open(range, relative, offset);
    return {
      read: async (into, at, length) => {
        try {
          return await reader.read(into, at, length);
        } catch (e) {
          throw await this.explain(e, 'read', relative);
        }
      },
      close: () => reader.close(),
    };
  }

  async create(relative: string): Promise<PendingFile> {
    const key = this.key(relative);
    return new ObjectUpload({ client: this.client, bucket: this.location.bucket, key }, (e) => this.explain(e, 'write', relative));
  }

  /**
   * A PutObject with If-None-Match: * (see DumpStore.claim). A server that does not know the
   * condition either refuses it (501: then an unconditional put) or ignores it, taking the put as a
   * plain one: the first claim of a store puts the same bytes again under the condition, which such
   * a server also takes while one that honours it refuses (412). Either way the claim is
   * 'unguarded'. A 412 for a claim whose object holds exactly our bytes is our own put, retried by
   * the SDK after its answer was lost.
   */
  async claim(relative: string, bytes: Buffer): Promise<ClaimResult> {
    const Key = this.key(relative);
    const put = (IfNoneMatch?: string) => this.client.send(new PutObjectCommand({ Bucket: this.location.bucket, Key, Body: bytes, ...(IfNoneMatch ? { IfNoneMatch } : {}) }));
    const first = await this.putIfAbsent(relative, () => put('*'));
    if (first === 'refused') {
      await this.call('write', relative, () => put());
      this.conditionalWrites = false;
    } else if (first === 'taken') {
      const held = await this.readFile(relative).catch(() => null);
      return held?.equals(bytes) ? 'won' : 'lost';
    } else if (this.conditionalWrites === undefined) {
      // the claim is made: a failure to learn more removes it, or the next run takes it for another's
      const again = await this.putIfAbsent(relative, () => put('*')).catch(async (e: unknown) => {
        await this.remove(relative).catch(() => undefined);
        throw e;
      });
      this.conditionalWrites = again === 'taken';
    }
    return this.conditionalWrites ? 'won' : 'unguarded';
  }

  /**
   * A conditional put: 'taken' (412, or 409 again and again: another conditional write of the key
   * won or is in flight), 'refused' (the server has no conditional writes: 501 NotImplemented).
   */
  private async putIfAbsent(relative: string, put: () => Promise<unknown>): Promise<'put' | 'taken' | 'refused'> {
    for (let attempt = 1; ; attempt++) {
      try {
        await put();
        return 'put';
      } catch (e) {
        const f = failureOf(e);
        if (f.status === 412 || f.code === 'PreconditionFailed') return 'taken';
        if (f.status === 501 || f.code === 'NotImplemented') return 'refused';
        // AWS: "a conflicting operation occurred", to be retried; it settles which write won
        if ((f.status === 409 || f.code === 'ConditionalRequestConflict') && attempt < 4) {
          await new Promise((r) => setTimeout(r, 100 * attempt));
          continue;
        }
        if (f.status === 409 || f.code === 'ConditionalRequestConflict') return 'taken';
        throw await this.explain(e, 'write', relative);
      }
    }
  }

  async replace(relative: string, bytes: Buffer): Promise<void> {
    const Key = this.key(relative);
    await this.call('write', relative, () => this.client.send(new PutObjectCommand({ Bucket: this.location.bucket, Key, Body: bytes })));
  }

  /**
   * Read, compared, then put with If-Match on the ETag read: a put never brings back a marker
   * deleted meanwhile, nor overwrites the one of a run that replaced it (where the server honours
   * If-Match; where it does not, the comparison just before still stands). A server known to have
   * no conditional writes (the claim learned it), or that answers If-Match 501 NotImplemented, gets
   * a plain put after the comparison: sending the condition there would fail every refresh.
   */
  async refresh(relative: string, bytes: Buffer): Promise<RefreshResult> {
    const Key = this.key(relative);
    const Bucket = this.location.bucket;
    let etag: string | undefined;
    try {
      const r = await this.client.send(new GetObjectCommand({ Bucket, Key }));
      etag = r.ETag;
      if (!Buffer.from(await r.Body!.transformToByteArray()).equals(bytes)) return 'replaced';
    } catch (e) {
      if (isNotFound(e)) return 'gone';
      throw await this.explain(e, 'read', relative);
    }
    const put = (IfMatch?: string) => this.client.send(new PutObjectCommand({ Bucket, Key, Body: bytes, ...(IfMatch ? { IfMatch } : {}) }));
    try {
      await put(this.conditionalWrites === false ? undefined : etag);
      return 'refreshed';
    } catch (e) {
      const f = failureOf(e);
      if (isNotFound(e)) return 'gone';
      if (f.status === 412 || f.code === 'PreconditionFailed') return 'replaced';
      if (f.status === 501 || f.code === 'NotImplemented') {
        this.conditionalWrites = false;
        await this.call('write', relative, () => put());
        return 'refreshed';
      }
      // 409 ConditionalRequestConflict (a write of the key in flight) and the rest: tried again at the next beat
      throw await this.explain(e, 'write', relative);
    }
  }

  async remove(relative: string): Promise<void> {
    const Key = this.key(relative);
    await this.call('remove', relative, () => this.client.send(new DeleteObjectCommand({ Bucket: this.location.bucket, Key })));
  }

  /**
   * Aborts the incomplete multipart uploads of `ours` under the prefix. A tsdump stopped mid-chunk
   * (SIGINT, a failed chunk elsewhere) ends its worker threads with their uploads in flight, and a
   * killed one leaves all of them: each keeps its parts stored until aborted. Listed with the
   * prefix and its '/', so a sibling prefix (`dump2` next to `dump`) is never touched.
   */
  async discardUnfinished(ours: (path: string) => boolean): Promise<number> {
    let dropped = 0;
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    do {
      const page = await this.call('list unfinished uploads of', undefined, () =>
        this.client.send(new ListMultipartUploadsCommand({ Bucket: this.location.bucket, Prefix: this.base, ...(keyMarker ? { KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker } : {}) })),
      );
      for (const u of page.Uploads ?? []) {
        const rel = (u.Key ?? '').slice(this.base.length);
        if (!u.Key?.startsWith(this.base) || !u.UploadId || !ours(rel)) continue;
        try {
          await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.location.bucket, Key: u.Key, UploadId: u.UploadId }));
          dropped++;
        } catch (e) {
          // aborted meanwhile by the writer itself
          if (failureOf(e).code !== 'NoSuchUpload' && failureOf(e).status !== 404) throw await this.explain(e, 'abort the unfinished upload of', rel);
        }
      }
      keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
      uploadIdMarker = page.NextUploadIdMarker;
    } while (keyMarker);
    return dropped;
  }

  /** Completed uploads are durable: nothing to do. */
  async flush(): Promise<void> {}

  async close(): Promise<void> {
    this.client.destroy();
  }
}

export function s3Store(location: S3Location): S3Store {
  return new S3Store(location);
}
