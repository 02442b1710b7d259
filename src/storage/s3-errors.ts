import { TsError, messageOf, sysCodeOf } from '../core/errors.js';
import { maskUrl } from '../core/mask-url.js';

/**
 * S3 failures as TsErrors that say what to do. The SDK has already retried what is worth retrying
 * (throttling, 5xx, resets: see s3-store.ts) when one of these reaches us, so a 5xx here means the
 * service kept failing. Permanent errors name the bucket, and for access problems the provider of
 * the credential chain that supplied the credentials — never a secret.
 */

/** What an SDK error tells: its code (NoSuchBucket, AccessDenied, ECONNREFUSED…) and HTTP status. */
export interface S3Failure {
  readonly code: string;
  readonly status: number | undefined;
  readonly message: string;
  readonly attempts: number | undefined;
}

export function failureOf(e: unknown): S3Failure {
  const o = (typeof e === 'object' && e !== null ? e : {}) as { name?: unknown; Code?: unknown; $metadata?: { httpStatusCode?: number; attempts?: number } };
  const code = typeof o.Code === 'string' ? o.Code : (sysCodeOf(e) ?? (typeof o.name === 'string' ? o.name : 'Error'));
  return { code, status: o.$metadata?.httpStatusCode, message: messageOf(e), attempts: o.$metadata?.attempts };
}

const AUTH_CODES = new Set(['AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'ExpiredToken', 'InvalidToken', 'TokenRefreshRequired', 'AllAccessDisabled', 'AccountProblem', 'InvalidClientTokenId']);
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'TimeoutError', 'RequestTimeout']);
/** Errors worth reading again from where a download stopped (the SDK retries whole requests, not a broken body). */
const BODY_RETRY_CODES = new Set([...NETWORK_CODES, 'ERR_STREAM_PREMATURE_CLOSE', 'ECONNABORTED', 'aborted', 'UND_ERR_SOCKET']);

/** A failure in the middle of a response body that a new ranged request may get past. */
export function isTransientRead(e: unknown): boolean {
  const f = failureOf(e);
  return BODY_RETRY_CODES.has(f.code) || (f.status !== undefined && f.status >= 500) || /aborted|socket hang up|premature/i.test(f.message);
}

export function isNotFound(e: unknown): boolean {
  const f = failureOf(e);
  return f.code === 'NoSuchKey' || f.code === 'NotFound' || (f.status === 404 && f.code !== 'NoSuchBucket');
}

/**
 * Which provider of the SDK's default chain supplied the credentials, in words. The SDK marks
 * credentials with the feature that resolved them ($source); instance-metadata credentials carry
 * no mark.
 */
const SOURCES: readonly (readonly [string, string])[] = [
  ['CREDENTIALS_CODE', 'credentials given in code'],
  ['CREDENTIALS_ENV_VARS_STS_WEB_ID_TOKEN', 'a web identity token named by AWS_WEB_IDENTITY_TOKEN_FILE / AWS_ROLE_ARN'],
  ['CREDENTIALS_ENV_VARS', 'the environment (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY)'],
  ['CREDENTIALS_PROFILE_SSO', 'an SSO profile of ~/.aws/config (AWS_PROFILE)'],
  ['CREDENTIALS_PROFILE_PROCESS', 'a credential_process of ~/.aws/config (AWS_PROFILE)'],
  ['CREDENTIALS_PROFILE_SOURCE_PROFILE', 'a role assumed from a profile of ~/.aws/config (AWS_PROFILE)'],
  ['CREDENTIALS_PROFILE_STS_WEB_ID_TOKEN', 'a web identity profile of ~/.aws/config (AWS_PROFILE)'],
  ['CREDENTIALS_PROFILE', 'a profile of ~/.aws/credentials or ~/.aws/config (AWS_PROFILE, else default)'],
  ['CREDENTIALS_SSO', 'AWS SSO'],
  ['CREDENTIALS_STS_ASSUME_ROLE_WEB_ID', 'a web identity role'],
  ['CREDENTIALS_STS_ASSUME_ROLE', 'an assumed role'],
  ['CREDENTIALS_PROCESS', 'a credential process'],
  ['CREDENTIALS_HTTP', 'the container credentials endpoint (ECS/EKS)'],
];

export function describeCredentials(creds: { accessKeyId?: string; $source?: Record<string, unknown> }): string {
  const marks = Object.keys(creds.$source ?? {});
  const source = SOURCES.find(([mark]) => marks.includes(mark))?.[1] ?? 'the instance metadata service (an EC2 instance role) or another provider of the default chain';
  const key = creds.accessKeyId ? `, access key …${creds.accessKeyId.slice(-4)}` : '';
  return `credentials from ${source}${key}`;
}

export interface FailureContext {
  /** What we were doing: 'list', 'read', 'write'… */
  readonly op: string;
  /** s3://bucket/prefix */
  readonly display: string;
  readonly bucket: string;
  readonly endpoint: string | undefined;
  /** The file inside the store, when there is one. */
  readonly file?: string;
  /** Words for the credentials in use (resolved lazily: only when an access error needs them). */
  readonly credentials: () => Promise<string>;
}

/** The TsError for an SDK failure that retries did not cure. */
export async function explainS3Error(e: unknown, c: FailureContext): Promise<TsError> {
  if (e instanceof TsError) return e;
  const f = failureOf(e);
  const object = c.file !== undefined ? { file: c.file } : undefined;
  const where = c.endpoint ? ` at ${maskUrl(c.endpoint)}` : '';
  const what = c.file !== undefined ? `${c.op} ${c.file} in ${c.display}` : `${c.op} ${c.display}`;
  if (f.code === 'CredentialsProviderError' || /could not load credentials/i.test(f.message)) {
    return new TsError({
      code: 'auth',
      message: `cannot ${what}: no AWS credentials found (${f.message})`,
      object,
      suggestion: 'set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary ones), or AWS_PROFILE, or run where an instance/container role is available',
      cause: e,
    });
  }
  if (/region is missing/i.test(f.message)) {
    return new TsError({ code: 'usage', message: `cannot ${what}: no AWS region is configured`, object, suggestion: 'set AWS_REGION (or region in your AWS profile) to the region of the bucket', cause: e });
  }
  if (f.code === 'NoSuchKey' || f.code === 'NotFound') {
    return new TsError({ code: 'io', message: `cannot ${what}: no such object (${c.display}/${c.file ?? ''})`, object, suggestion: 'the dump is incomplete or was changed: `tsdump verify` lists what is missing', cause: e });
  }
  if (f.code === 'NoSuchBucket') {
    return new TsError({
      code: 'io',
      message: `cannot ${what}: the bucket '${c.bucket}' does not exist${where}`,
      object,
      suggestion: `check the bucket name in ${c.display}${c.endpoint ? ' and the endpoint (--s3-endpoint / AWS_ENDPOINT_URL)' : ' and AWS_REGION'}; tsdump does not create buckets`,
      cause: e,
    });
  }
  if (AUTH_CODES.has(f.code) || f.status === 403) {
    return new TsError({
      code: 'auth',
      message: `cannot ${what}: access denied to bucket '${c.bucket}'${where} (${f.code}: ${f.message}) using ${await c.credentials().catch(() => 'credentials of unknown origin')}`,
      object,
      suggestion: 'check the credentials (a wrong or expired key, or a clock far off) and that they may list, read, write and delete objects under the prefix (s3:ListBucket, s3:GetObject, s3:PutObject, s3:DeleteObject, s3:AbortMultipartUpload)',
      cause: e,
    });
  }
  if (f.code === 'PermanentRedirect' || f.code === 'AuthorizationHeaderMalformed' || f.status === 301) {
    return new TsError({ code: 'usage', message: `cannot ${what}: the bucket '${c.bucket}' is in another region (${f.message})`, object, suggestion: 'set AWS_REGION to the region of the bucket', cause: e });
  }
  if (NETWORK_CODES.has(f.code)) {
    return new TsError({
      code: 'io',
      message: `cannot ${what}: the S3 endpoint${where || ' of the region'} cannot be reached (${f.code}${f.attempts ? ` after ${f.attempts} attempts` : ''})`,
      object,
      suggestion: c.endpoint ? 'check --s3-endpoint / AWS_ENDPOINT_URL and that the server is running' : 'check the network and AWS_REGION',
      cause: e,
    });
  }
  if ((f.status !== undefined && f.status >= 500) || f.code === 'SlowDown' || f.code === 'ThrottlingException' || /retry quota/i.test(f.message)) {
    return new TsError({
      code: 'io',
      message: `cannot ${what}: the S3 service kept failing (${f.code}${f.status ? `, HTTP ${f.status}` : ''}${f.attempts ? `, ${f.attempts} attempts` : ''})`,
      object,
      suggestion: 'try again later, or with fewer threads (-t); a rerun resumes (tsload) or starts over cleanly (tsdump --overwrite)',
      cause: e,
    });
  }
  return new TsError({ code: 'io', message: `cannot ${what}: ${f.code}${f.status ? ` (HTTP ${f.status})` : ''}: ${f.message}`, object, suggestion: 'check the bucket, the prefix and the credentials', cause: e });
}
