import { createDecipheriv, createCipheriv } from 'node:crypto';
import { TsError } from '../core/errors.js';

/**
 * mysql_config_editor's login path file (~/.mylogin.cnf): 4 unused bytes, a 20-byte key, then for
 * each line of option-file text a 4-byte little-endian length and that many bytes of the line
 * encrypted with AES-128-ECB (PKCS#7 padding) under the key folded to 16 bytes (byte i XORed into
 * i mod 16). The format obscures, it does not protect: anyone who can read the file can read it.
 */
const KEY_OFFSET = 4;
const KEY_BYTES = 20;

function aesKey(key: Buffer): Buffer {
  const k = Buffer.alloc(16);
  for (let i = 0; i < key.length; i++) k[i % 16]! ^= key[i]!;
  return k;
}

/** The option-file text of a login path file. */
export function decodeLoginFile(bytes: Buffer, file: string): string {
  const bad = (why: string): TsError => new TsError({ code: 'usage', message: `the login path file is damaged (${why})`, object: { file }, suggestion: 'recreate it with mysql_config_editor' });
  if (bytes.length < KEY_OFFSET + KEY_BYTES) throw bad('too short');
  const key = aesKey(bytes.subarray(KEY_OFFSET, KEY_OFFSET + KEY_BYTES));
  let out = '';
  for (let p = KEY_OFFSET + KEY_BYTES; p < bytes.length; ) {
    if (p + 4 > bytes.length) throw bad('a line length is cut off');
    const n = bytes.readInt32LE(p);
    p += 4;
    if (n <= 0 || n % 16 !== 0 || p + n > bytes.length) throw bad(`a line of ${n} bytes`);
    const d = createDecipheriv('aes-128-ecb', key, null);
    try {
      out += Buffer.concat([d.update(bytes.subarray(p, p + n)), d.final()]).toString('utf8');
    } catch {
      throw bad('a line does not decrypt');
    }
    p += n;
  }
  return out;
}

/** The inverse of decodeLoginFile (for tests, and for users without mysql_config_editor). */
export function encodeLoginFile(text: string, key: Buffer): Buffer {
  if (key.length !== KEY_BYTES) throw new Error(`a login file key has ${KEY_BYTES} bytes`);
  const parts = [Buffer.alloc(KEY_OFFSET), key];
  for (const line of text.split(/(?<=\n)/)) {
    if (line === '') continue;
    const c = createCipheriv('aes-128-ecb', aesKey(key), null);
    const enc = Buffer.concat([c.update(line, 'utf8'), c.final()]);
    const len = Buffer.alloc(4);
    len.writeInt32LE(enc.length);
    parts.push(len, enc);
  }
  return Buffer.concat(parts);
}
