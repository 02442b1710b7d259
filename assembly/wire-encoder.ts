// The dump's row encoder in AssemblyScript, compiled to WebAssembly (with SIMD) by `make build`
// into dist/wasm/wire-encoder.wasm. Driven by src/format/wasm-row-encoder.ts, which copies a batch
// of text-protocol row packets into this module's memory and copies the encoded bytes out.
//
// It writes exactly what src/format/row-encoders.ts's JavaScript row loop writes (the unit tests
// run both against the same expectations); see docs/FORMAT.md for the dialects. Why it exists:
// that loop is where a dump spends half its client CPU, and 16 bytes at a time is 3-4x faster.
//
// Memory is the caller's: every pointer below is an offset it chose in this module's memory.

const TEXT: u8 = 0;
const RAW: u8 = 1;
// kind 2 = hex

// The dialect, set once per encoder (one module instance per encoder).
let quote: u8 = 0x22;
let isSql = false;
let nulPtr: usize = 0;
let nulLen: i32 = 0;
let hexPrefixPtr: usize = 0;
let hexPrefixLen: i32 = 0;
let emptyHexPtr: usize = 0;
let emptyHexLen: i32 = 0;
let headPtr: usize = 0;
let headLen: i32 = 0;
let statementSize: i32 = 0;
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
  nulPtr = nul;
  nulLen = nulN;
  hexPrefixPtr = hp;
  hexPrefixLen = hpN;
  emptyHexPtr = eh;
  emptyHexLen = ehN;
  headPtr = head;
  headLen = headN;
  statementSize = size;
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

@inline function isSpecial(b: u32, q: u32): bool {
  return b == 0 || b == 0x0a || b == 0x0d || b == 0x1a || b == q || b == 0x5c;
}

/**
 * Copies [p, end) to o, escaping. 16 bytes at a time: compare with the six special bytes; a clean
 * block is stored whole; otherwise the bytes before the first special one are kept (the block was
 * stored anyway) and that byte is escaped. May write up to 16 bytes past the returned end.
 */
function writeText(p: usize, end: usize, o: usize): usize {
  const q = <u32>quote;
  const s0 = i8x16.splat(0);
  const s1 = i8x16.splat(0x0a);
  const s2 = i8x16.splat(0x0d);
  const s3 = i8x16.splat(0x1a);
  const s4 = i8x16.splat(<i8>q);
  const s5 = i8x16.splat(0x5c);
  while (p + 16 <= end) {
    const v = v128.load(p);
    const m = v128.or(
      v128.or(v128.or(i8x16.eq(v, s0), i8x16.eq(v, s1)), v128.or(i8x16.eq(v, s2), i8x16.eq(v, s3))),
      v128.or(i8x16.eq(v, s4), i8x16.eq(v, s5)),
    );
    v128.store(o, v);
    const bits = i8x16.bitmask(m);
    if (bits == 0) {
      p += 16;
      o += 16;
      continue;
    }
    const n = <usize>ctz(bits);
    o += n;
    p += n;
    store<u8>(o, 0x5c);
    store<u8>(o + 1, <u8>escapeLetter(<u32>load<u8>(p)));
    o += 2;
    p += 1;
  }
  while (p < end) {
    const b = <u32>load<u8>(p);
    if (isSpecial(b, q)) {
      store<u8>(o, 0x5c);
      store<u8>(o + 1, <u8>escapeLetter(b));
      o += 2;
    } else {
      store<u8>(o, <u8>b);
      o += 1;
    }
    p += 1;
  }
  return o;
}

@inline function hexDigit(n: u32): u8 {
  return <u8>(n < 10 ? 0x30 + n : 0x57 + n);
}

function copyBytes(src: usize, n: i32, o: usize): usize {
  for (let i = 0; i < n; i++) store<u8>(o + i, load<u8>(src + i));
  return o + n;
}

/**
 * One row's values, comma-separated, at o; returns the new end. A row packet is one
 * length-encoded string per column: < 0xfb the length; 0xfc + 2 bytes; 0xfd + 3; 0xfe + 8; 0xfb NULL.
 */
function writeRow(kinds: usize, nCols: i32, p: usize, o: usize): usize {
  for (let i = 0; i < nCols; i++) {
    if (i > 0) {
      store<u8>(o, 0x2c);
      o += 1;
    }
    let len = <usize>load<u8>(p);
    p += 1;
    if (len >= 0xfb) {
      if (len == 0xfb) {
        o = copyBytes(nulPtr, nulLen, o);
        continue;
      }
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
    const kind = load<u8>(kinds + i);
    if (kind == TEXT) {
      store<u8>(o, quote);
      o = writeText(p, end, o + 1);
      store<u8>(o, quote);
      o += 1;
    } else if (kind == RAW) {
      memory.copy(o, p, len);
      o += len;
    } else if (len == 0) {
      o = copyBytes(emptyHexPtr, emptyHexLen, o);
    } else {
      o = copyBytes(hexPrefixPtr, hexPrefixLen, o);
      for (let x = p; x < end; x++) {
        const b = <u32>load<u8>(x);
        store<u8>(o, hexDigit(b >> 4));
        store<u8>(o + 1, hexDigit(b & 15));
        o += 2;
      }
    }
    p = end;
  }
  return o;
}

/**
 * Encodes nRows wire rows (row k starts at the u32 idx[k]) at out and returns the new end.
 * CSV: each row, then LF. SQL: rows added to multi-row INSERT statements of at most
 * statementSize bytes (a single longer row gets a statement of its own), each ending ";\n".
 * The caller reserves 2 bytes per packet byte plus (6 x columns + head + 8) per row, plus 64.
 */
export function encode(kinds: usize, nCols: i32, idx: usize, nRows: i32, out: usize): usize {
  let o = out;
  let lineStart = out;
  for (let r = 0; r < nRows; r++) {
    const p = <usize>load<u32>(idx + 4 * r);
    if (!isSql) {
      o = writeRow(kinds, nCols, p, o);
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
      o = writeRow(kinds, nCols, p, o + 1);
      store<u8>(o, 0x29);
      o += 1;
      statementBytes = headLen + <i32>(o - rs);
      continue;
    }
    // after a one-byte gap for the comma; moved right when the row starts a new statement
    const rs = o + 1;
    store<u8>(rs, 0x28);
    let e = writeRow(kinds, nCols, p, rs + 1);
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
