/**
 * Where a dump lives, from the command line and the environment: a local directory or
 * s3://bucket/prefix with the S3 settings that are not credentials. The AWS conventions, read here
 * and put into the StoreLocation so nothing below cli/ reads the environment:
 *   --s3-endpoint, else AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL: an S3-compatible server (MinIO,
 *   Ceph, …), addressed path-style;
 *   AWS_REGION, else AWS_DEFAULT_REGION: the region (without one, the SDK looks in the AWS profile;
 *   with a custom endpoint and none, us-east-1).
 * Credentials are left to the AWS SDK's default chain (see storage/s3-store.ts).
 */
import type { Command } from 'commander';
import type { StoreLocation } from '../storage/dump-store.js';
import { parseLocation } from '../storage/open-store.js';
import { maskUrl } from '../core/mask-url.js';
import { usageError } from './run-command.js';

export interface S3OptionValues {
  s3Endpoint?: string;
}

export function addS3Options(cmd: Command): Command {
  return cmd.option('--s3-endpoint <url>', 'S3-compatible server for s3:// locations (default: $AWS_ENDPOINT_URL_S3 or $AWS_ENDPOINT_URL); addressed path-style');
}

function checkEndpoint(url: string, from: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw usageError(`${from} '${maskUrl(url)}' is not a URL`, 'write it as http://host:port or https://host');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw usageError(`${from} '${maskUrl(url)}' is not an http:// or https:// URL`);
  return url.replace(/\/+$/, '');
}

/** The location of `text` (-o/-d/verify argument) with the S3 settings of the options and environment. */
export function storeLocation(text: string, what: string, flags: S3OptionValues, env: NodeJS.ProcessEnv = process.env): StoreLocation {
  const location = parseLocation(text, what);
  if (location.kind !== 's3') {
    if (flags.s3Endpoint !== undefined) throw usageError(`--s3-endpoint is for s3:// locations; ${what} '${text}' is a local directory`);
    return location;
  }
  const fromEnv = env.AWS_ENDPOINT_URL_S3 ? 'AWS_ENDPOINT_URL_S3' : env.AWS_ENDPOINT_URL ? 'AWS_ENDPOINT_URL' : null;
  const endpoint = flags.s3Endpoint !== undefined ? checkEndpoint(flags.s3Endpoint, '--s3-endpoint') : fromEnv ? checkEndpoint(env[fromEnv]!, fromEnv) : undefined;
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined;
  // The SDK warns once per process on Node.js < 22 about its releases after January 2027; this
  // build pins one that supports Node.js 20 (package-lock.json), so the warning says nothing to a user.
  env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  return Object.freeze({ ...location, ...(endpoint !== undefined ? { endpoint } : {}), ...(region !== undefined ? { region } : {}) });
}
