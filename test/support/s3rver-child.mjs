/**
 * The S3 API server of the tests, run as its own process by s3-server.ts: s3rver on 127.0.0.1 and a
 * free port, data in a temp directory, one account with the random credentials it is given (the
 * built-in S3RVER/S3RVER key is revoked). Prints {"port": N} once it listens.
 *
 * Started with --openssl-legacy-provider: s3rver 3.7.1 encrypts ListObjectsV2 continuation tokens
 * with DES, which OpenSSL 3 only has in its legacy provider (without it every second page fails).
 * Added here because s3rver lacks it: AbortMultipartUpload (DELETE ?uploadId=…) removes the
 * upload's parts, as S3 does, instead of answering MethodNotAllowed; ListMultipartUploads
 * (GET /bucket?uploads&prefix=…) lists the uploads begun and neither completed nor aborted (one
 * page: the tests begin few), instead of answering NotImplemented. A PutObject with
 * If-None-Match: * (S3's conditional write: AWS since 2024, MinIO, …) is refused with 412
 * PreconditionFailed when the key exists, and one with If-Match: <etag> with 404 NoSuchKey when it
 * does not, 412 when its ETag differs. The writes of one key (PutObject, DeleteObject,
 * CompleteMultipartUpload; conditional or not) are settled one at a time, as S3 does: s3rver runs
 * them at once, so a conditional put whose check had passed could finish after a plain put of the
 * key begun later, and put back what that one had replaced. And a put is answered once its object
 * is written whole, and put in place at once (a read sees the old object or the new one): s3rver
 * answers once the body has gone through its hash, with the file write still under way (two puts
 * of one key one after the other could interleave their bytes in one file). With
 * {"conditionalWrites": false} both are ignored, as s3rver itself (and older S3-compatible servers)
 * do; with {"conditionalWrites": "refused"} such a put is answered 501 NotImplemented, as other
 * S3-compatible servers without conditional writes do.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { createRequire } from 'node:module';
import { mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';

const require = createRequire(import.meta.url);
const S3rver = require('s3rver');
const AWSAccount = require('s3rver/lib/models/account');

const config = JSON.parse(process.argv[2]);
AWSAccount.DUMMY_ACCOUNT.revokeAccessKey('S3RVER');
AWSAccount.DUMMY_ACCOUNT.createKeyPair(config.accessKeyId, config.secretAccessKey);

const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: config.dir, configureBuckets: config.buckets.map((name) => ({ name })) });
server.store.putObject = async function putObject(object) {
  const objectPath = this.getResourcePath(object.bucket, object.key, 'object');
  await mkdir(path.dirname(objectPath), { recursive: true });
  // not a name s3rver lists (those end in ._S3rver_object)
  const temp = `${objectPath}.${randomBytes(6).toString('hex')}.writing`;
  const md5 = createHash('md5');
  let size = 0;
  const hashed = async function* (chunks) {
    for await (const chunk of chunks) {
      md5.update(chunk);
      size += chunk.length;
      yield chunk;
    }
  };
  try {
    await pipeline(Buffer.isBuffer(object.content) ? [object.content] : object.content, hashed, createWriteStream(temp));
    await rename(temp, objectPath);
  } catch (e) {
    await rm(temp, { force: true });
    throw e;
  }
  const digest = md5.digest('hex');
  await this.putMetadata(object.bucket, object.key, object.metadata, digest);
  return { size, md5: digest };
};
const conditionalWrites = config.conditionalWrites !== false && config.conditionalWrites !== 'refused';
const refuseConditions = config.conditionalWrites === 'refused';
/** Per key, the write being settled. */
const putting = new Map();
server.middleware.unshift(async (ctx, next) => {
  const o = /^\/([^/]+)\/(.+)$/.exec(ctx.path);
  const ifMatch = ctx.get('if-match');
  if (refuseConditions && ctx.method === 'PUT' && o && (ctx.get('if-none-match') || ifMatch)) {
    ctx.status = 501;
    ctx.type = 'application/xml';
    ctx.body = '<?xml version="1.0" encoding="UTF-8"?><Error><Code>NotImplemented</Code><Message>A header you provided implies functionality that is not implemented</Message></Error>';
    return;
  }
  // a write of the key itself: a put or delete of it, or the completion of an upload of it (not a part, nor an abort)
  const ofUpload = ctx.query.uploadId !== undefined;
  const writesKey = o !== null && (ofUpload ? ctx.method === 'POST' : ctx.method === 'PUT' || ctx.method === 'DELETE');
  // a read of the key waits for a write under way (then it sees the object and its ETag of one write)
  if (o !== null && (ctx.method === 'GET' || ctx.method === 'HEAD')) while (putting.has(ctx.path)) await putting.get(ctx.path);
  if (writesKey) {
    while (putting.has(ctx.path)) await putting.get(ctx.path);
    const settled = (async () => {
      const key = decodeURIComponent(o[2]);
      if (!conditionalWrites || ctx.method !== 'PUT' || !(ctx.get('if-none-match') === '*' || ifMatch)) return next();
      const refuse = (status, code, message) => {
        ctx.status = status;
        ctx.type = 'application/xml';
        ctx.body = `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message>${status === 412 ? `<Condition>${ifMatch ? 'If-Match' : 'If-None-Match'}</Condition>` : ''}</Error>`;
      };
      if (ifMatch) {
        const held = await server.store.getMetadata(o[1], key).catch(() => null);
        if (!held) return refuse(404, 'NoSuchKey', 'The specified key does not exist.');
        if (held.etag !== ifMatch) return refuse(412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold');
      } else if (await server.store.existsObject(o[1], key)) {
        return refuse(412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold');
      }
      await next();
    })();
    putting.set(ctx.path, settled.catch(() => undefined));
    try {
      await settled;
    } finally {
      putting.delete(ctx.path);
    }
    return;
  }
  const m = /^\/([^/]+)\/.+/.exec(ctx.path);
  if (ctx.method === 'DELETE' && m && typeof ctx.query.uploadId === 'string' && /^[0-9a-f]+$/.test(ctx.query.uploadId)) {
    const dir = path.join(server.store.getResourcePath(m[1], undefined, 'uploads'), ctx.query.uploadId);
    await rm(dir, { recursive: true, force: true });
    ctx.status = 204;
    return;
  }
  const b = /^\/([^/]+)\/?$/.exec(ctx.path);
  if (ctx.method === 'GET' && b && ctx.query.uploads !== undefined) {
    const root = server.store.getResourcePath(b[1], undefined, 'uploads');
    const prefix = typeof ctx.query.prefix === 'string' ? ctx.query.prefix : '';
    const xml = (t) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
    let uploads = '';
    for (const id of await readdir(root).catch(() => [])) {
      const key = await readFile(path.join(root, id, 'key'), 'utf8').catch(() => null);
      if (key === null || !key.startsWith(prefix)) continue;
      const initiated = (await stat(path.join(root, id))).birthtime.toISOString();
      uploads += `<Upload><Key>${xml(key)}</Key><UploadId>${id}</UploadId><Initiated>${initiated}</Initiated></Upload>`;
    }
    ctx.type = 'application/xml';
    ctx.body = `<?xml version="1.0" encoding="UTF-8"?><ListMultipartUploadsResult><Bucket>${b[1]}</Bucket><Prefix>${xml(prefix)}</Prefix><IsTruncated>false</IsTruncated>${uploads}</ListMultipartUploadsResult>`;
    return;
  }
  await next();
});
const info = await server.run();
process.stdout.write(JSON.stringify({ port: info.port }) + '\n');
process.on('SIGTERM', () => {
  server.close().finally(() => process.exit(0));
});
