// The dump's row encoder in AssemblyScript, compiled to WebAssembly (with SIMD) by `make build`
// into dist/wasm/wire-encoder.wasm. Driven by src/format/wasm-row-encoder.ts, which copies a batch
// of row packets into this module's memory and copies the encoded bytes out. The packets are
// text-protocol rows, or binary-protocol rows (a prepared statement's result, src/db/binary-layout.ts)
// whose integers and temporal values binary-values.ts writes as the text protocol would have.
//
// It writes exactly what src/format/row-encoders.ts's JavaScript row loop writes from text rows (the
// unit tests run both against the same expectations; test/integration/binary-protocol.test.ts
// compares binary rows with text rows); see docs/FORMAT.md for the dialects. Why it exists:
// that loop is where a dump spends half its client CPU, and 16 bytes at a time is 3-4x faster.
//
// Memory is the caller's: every pointer below is an offset it chose in this module's memory.

import { binaryValueLength, writeBinaryValue } from './binary-values';

const TEXT: u8 = 0;
const RAW: u8 = 1;
// kind 2 = hex

// The dialect, set once per encoder (one module instance per encoder).
let quote: u8 = 0x22;
let isSql = false;
let nulLen: i32 = 0;
let hexPrefixLen: i32 = 0;
let emptyHexLen: i32 = 0;
let headPtr: usize = 0;
let headLen: i32 = 0;
let statementSize: i32 = 0;
// the short constants as words (putWord)
let nulWord: u32 = 0;
let hexPrefixWord: u32 = 0;
let emptyHexWord: u32 = 0;
// SQL: bytes in the open INSERT statement (0 = none open)
let statementBytes: i32 = 0;

// The longest line written so far (newline included) and its 1-based number, what
// src/format/longest-line.ts computes by scanning the bytes: a line ends where this code writes
// an LF (a CSV row, a SQL statement), so it is counted here instead of searched for afterwards.
// lineCarry: bytes of the open line written by earlier calls.
let lineNo: i32 = 1;
let lineCarry: i32 = 0;
let longestBytes: i32 = 0;
let longestLine: i32 = 0;

/** First byte of memory the caller may use. */
export function heapBase(): usize {
  return __heap_base;
}

export function setDialect(q: u8, sql: bool, nul: usize, nulN: i32, hp: usize, hpN: i32, eh: usize, ehN: i32, head: usize, headN: i32, size: i32): void {
  quote = q;
  isSql = sql;
  nulLen = nulN;
  hexPrefixLen = hpN;
  emptyHexLen = ehN;
  headPtr = head;
  headLen = headN;
  statementSize = size;
  nulWord = wordOf(nul, nulN);
  hexPrefixWord = wordOf(hp, hpN);
  emptyHexWord = wordOf(eh, ehN);
}

/** The first n (≤ 4) bytes at p as a little-endian word, zero above. */
function wordOf(p: usize, n: i32): u32 {
  let w: u32 = 0;
  for (let i = n - 1; i >= 0; i--) w = (w << 8) | <u32>load<u8>(p + i);
  return w;
}

export function getStatementBytes(): i32 {
  return statementBytes;
}

export function setStatementBytes(n: i32): void {
  statementBytes = n;
}

/** Starts a new file: no line written yet. */
export function resetLines(): void {
  lineNo = 1;
  lineCarry = 0;
  longestBytes = 0;
  longestLine = 0;
}

export function getLongestBytes(): i32 {
  return longestBytes;
}

export function getLongestLine(): i32 {
  return longestLine;
}

/**
 * Ends the open line after `extra` more bytes written by the caller (the ";\n" that closes the
 * last statement; 0 for a last line without LF, as longest-line.ts counts one).
 */
export function closeLine(extra: i32): void {
  if (lineCarry + extra > 0) endLine(0, 0, extra);
}

/** A line ended with the LF just before `end`; it started at `start`, after what earlier calls wrote of it. */
@inline function endLine(start: usize, end: usize, extra: i32): void {
  const n = lineCarry + <i32>(end - start) + extra;
  if (n > longestBytes) {
    longestBytes = n;
    longestLine = lineNo;
  }
  lineNo += 1;
  lineCarry = 0;
}

/** The letter written after a backslash for a byte that needs escaping. */
@inline function escapeLetter(b: u32): u32 {
  if (b == 0) return 0x30; // 0
  if (b == 0x0a) return 0x6e; // n
  if (b == 0x0d) return 0x72; // r
  if (b == 0x1a) return 0x5a; // Z
  return b; // the quote or a backslash
}

/**
 * Copies [p, end) to o, escaping. 16 bytes at a time, the last (short) block too: compare with the
 * six special bytes and store the block whole; then for each special byte in it, its escape and the
 * rest of the block again right after (each later byte one further on). Most values are shorter
 * than a block, so a byte loop for the tail would be the common case. Reads up to 16 bytes past
 * `end` (the caller's memory goes on) and may write up to 16 bytes past the returned end.
 */
function writeText(p: usize, end: usize, o: usize): usize {
  const s0 = i8x16.splat(0);
  const s1 = i8x16.splat(0x0a);
  const s2 = i8x16.splat(0x0d);
  const s3 = i8x16.splat(0x1a);
  const s4 = i8x16.splat(<i8>quote);
  const s5 = i8x16.splat(0x5c);
  while (p < end) {
    const v = v128.load(p);
    const m = v128.or(
      v128.or(v128.or(i8x16.eq(v, s0), i8x16.eq(v, s1)), v128.or(i8x16.eq(v, s2), i8x16.eq(v, s3))),
      v128.or(i8x16.eq(v, s4), i8x16.eq(v, s5)),
    );
    v128.store(o, v);
    let bits = i8x16.bitmask(m);
    const left = end - p;
    let n: usize = 16;
    if (left < 16) {
      n = left;
      bits &= (1 << <i32>left) - 1; // only the value's own bytes
    }
    while (bits != 0) {
      const i = <usize>ctz(bits);
      const at = o + i; // o counts the escapes before this one
      store<u8>(at, 0x5c);
      store<u8>(at + 1, <u8>escapeLetter(<u32>load<u8>(p + i)));
      v128.store(at + 2, v128.load(p + i + 1));
      o += 1;
      bits &= bits - 1;
    }
    p += n;
    o += n;
  }
  return o;
}

/** Copies n bytes from src to o, 16 at a time; may write up to 15 bytes past o + n. */
@inline function copyBlocks(src: usize, n: usize, o: usize): usize {
  for (let k: usize = 0; k < n; k += 16) v128.store(o + k, v128.load(src + k));
  return o + n;
}

/**
 * Writes [p, end) as lowercase hex digits at o, 16 bytes (32 digits) at a time: each nibble looked
 * up in a table of the 16 digits, high and low nibbles interleaved. May write up to 31 bytes past
 * the returned end.
 */
function writeHex(p: usize, end: usize, o: usize): usize {
  const digits = i8x16(0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66);
  const low = i8x16.splat(0x0f);
  for (let x = p; x < end; x += 16) {
    const v = v128.load(x);
    const hi = i8x16.swizzle(digits, v128.and(i16x8.shr_u(v, 4), low));
    const lo = i8x16.swizzle(digits, v128.and(v, low));
    v128.store(o + 2 * (x - p), i8x16.shuffle(hi, lo, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23));
    v128.store(o + 2 * (x - p) + 16, i8x16.shuffle(hi, lo, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31));
  }
  return o + 2 * (end - p);
}

/** A short constant (at most 4 bytes: NULL, 0x, '') at o, as one store. */
@inline function putWord(word: u32, n: i32, o: usize): usize {
  store<u32>(o, word);
  return o + n;
}

function copyBytes(src: usize, n: i32, o: usize): usize {
  for (let i = 0; i < n; i++) store<u8>(o + i, load<u8>(src + i));
  return o + n;
}

/** Where the value after the one writeString wrote starts in its row. */
let after: usize = 0;

/**
 * The length-encoded string at p (< 0xfb the length; 0xfc + 2 bytes; 0xfd + 3; 0xfe + 8) as a
 * value of `kind` at o; returns the new end and leaves `after` past the string.
 */
@inline function writeString(kind: u8, p: usize, o: usize): usize {
  let len = <usize>load<u8>(p);
  p += 1;
  if (len >= 0xfc) {
    if (len == 0xfc) {
      len = <usize>load<u16>(p);
      p += 2;
    } else if (len == 0xfd) {
      len = <usize>load<u16>(p) | (<usize>load<u8>(p + 2) << 16);
      p += 3;
    } else {
      len = <usize>load<u32>(p); // a value fits in 4 GiB of memory
      p += 8;
    }
  }
  const end = p + len;
  after = end;
  if (kind == TEXT) {
    store<u8>(o, quote);
    o = writeText(p, end, o + 1);
    store<u8>(o, quote);
    return o + 1;
  }
  // numbers: short, one or two blocks (a call of memory.copy costs more than the copy)
  if (kind == RAW) return copyBlocks(p, len, o);
  if (len == 0) return putWord(emptyHexWord, emptyHexLen, o);
  return writeHex(p, end, putWord(hexPrefixWord, hexPrefixLen, o));
}

/**
 * One row's values, comma-separated, at o; returns the new end. A text-protocol row packet is one
 * length-encoded string per column, 0xfb for NULL.
 */
function writeRow(kinds: usize, nCols: i32, p: usize, o: usize): usize {
  for (let i = 0; i < nCols; i++) {
    if (i > 0) {
      store<u8>(o, 0x2c);
      o += 1;
    }
    if (load<u8>(p) == 0xfb) {
      o = putWord(nulWord, nulLen, o);
      p += 1;
      continue;
    }
    o = writeString(load<u8>(kinds + i), p, o);
    p = after;
  }
  return o;
}

/**
 * The same for a binary-protocol row packet (layout: 4 bytes per column, its wire kind, zero-fill
 * width and fractional digits (binary-values.ts), then its kind here): a 0x00 byte, the NULL bitmap (bit i + 2 for
 * column i), then each non-NULL value: integers and temporal values as their bytes, the rest as
 * length-encoded strings. Integers and temporal values are written as the text protocol has them.
 */
function writeBinaryRow(layout: usize, nCols: i32, p: usize, o: usize): usize {
  const bitmap = p + 1;
  p = bitmap + <usize>((nCols + 9) >> 3);
  for (let i = 0; i < nCols; i++) {
    if (i > 0) {
      store<u8>(o, 0x2c);
      o += 1;
    }
    const bit = i + 2;
    if ((<u32>load<u8>(bitmap + <usize>(bit >> 3)) & (1 << (bit & 7))) != 0) {
      o = putWord(nulWord, nulLen, o);
      continue;
    }
    const l = load<u32>(layout + 4 * <usize>i); // wire kind, width, decimals, value kind
    const wire = <u8>l;
    const kind = <u8>(l >> 24);
    if (wire == 0) {
      o = writeString(kind, p, o);
      p = after;
      continue;
    }
    const width = <i32>((l >> 8) & 0xff);
    const decimals = <i32>((l >> 16) & 0xff);
    if (kind == TEXT) {
      store<u8>(o, quote);
      o = writeBinaryValue(wire, width, decimals, p, o + 1);
      store<u8>(o, quote);
      o += 1;
    } else {
      o = writeBinaryValue(wire, width, decimals, p, o);
    }
    p += binaryValueLength(wire, p);
  }
  return o;
}

@inline function writeAnyRow(kinds: usize, layout: usize, nCols: i32, p: usize, o: usize): usize {
  return layout == 0 ? writeRow(kinds, nCols, p, o) : writeBinaryRow(layout, nCols, p, o);
}

/**
 * Encodes nRows wire rows (row k starts at the u32 idx[k]; text-protocol rows when layout is 0,
 * else binary-protocol rows read by that layout) at out and returns the new end.
 * CSV: each row, then LF. SQL: rows added to multi-row INSERT statements of at most
 * statementSize bytes (a single longer row gets a statement of its own), each ending ";\n".
 * The caller reserves 2 bytes per packet byte plus (6 x columns + head + 8) per row, plus 64.
 */
export function encode(kinds: usize, layout: usize, nCols: i32, idx: usize, nRows: i32, out: usize): usize {
  let o = out;
  let lineStart = out;
  for (let r = 0; r < nRows; r++) {
    const p = <usize>load<u32>(idx + 4 * r);
    if (!isSql) {
      o = writeAnyRow(kinds, layout, nCols, p, o);
      store<u8>(o, 0x0a);
      o += 1;
      endLine(lineStart, o, 0);
      lineStart = o;
      continue;
    }
    if (statementBytes == 0) {
      o = copyBytes(headPtr, headLen, o);
      const rs = o;
      store<u8>(o, 0x28);
      o = writeAnyRow(kinds, layout, nCols, p, o + 1);
      store<u8>(o, 0x29);
      o += 1;
      statementBytes = headLen + <i32>(o - rs);
      continue;
    }
    // after a one-byte gap for the comma; moved right when the row starts a new statement
    const rs = o + 1;
    store<u8>(rs, 0x28);
    let e = writeAnyRow(kinds, layout, nCols, p, rs + 1);
    store<u8>(e, 0x29);
    e += 1;
    const rowLen = <i32>(e - rs);
    if (statementBytes + 1 + rowLen + 2 <= statementSize) {
      store<u8>(o, 0x2c);
      statementBytes += 1 + rowLen;
      o = e;
      continue;
    }
    memory.copy(o + 2 + headLen, rs, rowLen);
    store<u8>(o, 0x3b);
    store<u8>(o + 1, 0x0a);
    endLine(lineStart, o + 2, 0);
    lineStart = o + 2;
    o = copyBytes(headPtr, headLen, o + 2);
    statementBytes = headLen + rowLen;
    o += rowLen;
  }
  lineCarry += <i32>(o - lineStart);
  return o;
}
