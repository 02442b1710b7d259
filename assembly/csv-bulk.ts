// The load's CSV -> COM_STMT_BULK_EXECUTE row data converter in AssemblyScript, compiled to
// WebAssembly (with SIMD) by `npm run build:wasm` into dist/wasm/csv-bulk.wasm. Driven by
// src/format/wasm-csv-bulk.ts, which copies a span of whole CSV rows into this module's memory and
// copies the row data out.
//
// It writes exactly what src/format/csv-bulk.ts's JavaScript convertRow writes, and fails on the
// same byte with the same error (the unit tests compare both on generated and damaged input); see
// docs/FORMAT.md §4 for the input. Why it exists: it runs over every byte loaded, and finding the
// quotes, backslashes, commas and LFs 16 bytes at a time is what makes it several times faster.
//
// Memory is the caller's: every pointer below is an offset it chose in this module's memory. The
// input span ends with an LF and is followed by 16 readable bytes; the output region has 5 bytes
// per input byte plus 64 (a field grows at most 4.5 times: "0," -> 9 bytes of index).

const TEXT: u32 = 0;
const STRING: u32 = 1;
const INDEX: u32 = 2;
// kind 3 = hex
/** Flag on the last column's kind. */
const LAST: u32 = 0x10;

// Results of convert(): the span done, out full, or 2 + the index in BULK_ERROR_CODES.
const OK: i32 = 0;
const FULL: i32 = 1;
const E_UNCLOSED: i32 = 2;
const E_SEPARATOR: i32 = 3;
const E_FEW: i32 = 4;
const E_MANY: i32 = 5;
const E_NOT_ENCLOSED: i32 = 6;
const E_ESCAPE: i32 = 7;
const E_QUOTE: i32 = 8;
const E_HEX: i32 = 9;
const E_ODD: i32 = 10;
const E_INDEX: i32 = 11;
const E_RANGE: i32 = 12;

const LF: u8 = 0x0a;
const COMMA: u8 = 0x2c;
const QUOTE: u8 = 0x22;
const BACKSLASH: u8 = 0x5c;

// The loops' constants in memory, filled at instantiation: V8 rematerializes a v128 constant in
// every loop iteration (3 instructions each), while a loaded one stays in a register.
const SPLATS = memory.data(16 * 10, 16);
const S_QUOTE = SPLATS;
const S_BACKSLASH = SPLATS + 16;
const S_LF = SPLATS + 32;
const S_COMMA = SPLATS + 48;
const S_30 = SPLATS + 64;
const S_20 = SPLATS + 80;
const S_61 = SPLATS + 96;
const S_10 = SPLATS + 112;
const S_6 = SPLATS + 128;
const S_F0 = SPLATS + 144; // 0x00f0 in each 16-bit lane
v128.store(S_QUOTE, i8x16.splat(QUOTE));
v128.store(S_BACKSLASH, i8x16.splat(BACKSLASH));
v128.store(S_LF, i8x16.splat(LF));
v128.store(S_COMMA, i8x16.splat(COMMA));
v128.store(S_30, i8x16.splat(0x30));
v128.store(S_20, i8x16.splat(0x20));
v128.store(S_61, i8x16.splat(0x61));
v128.store(S_10, i8x16.splat(10));
v128.store(S_6, i8x16.splat(6));
v128.store(S_F0, i16x8.splat(0xf0));

/** The byte an escape letter stands for, 0xff for a letter the dump never writes. */
const UNESCAPE = memory.data(256);
memory.fill(UNESCAPE, 0xff, 256);
store<u8>(UNESCAPE + 0x30, 0x00); // 0
store<u8>(UNESCAPE + 0x6e, 0x0a); // n
store<u8>(UNESCAPE + 0x72, 0x0d); // r
store<u8>(UNESCAPE + 0x5a, 0x1a); // Z
store<u8>(UNESCAPE + QUOTE, QUOTE);
store<u8>(UNESCAPE + BACKSLASH, BACKSLASH);

// What the last convert() did: whole rows converted, where it stopped in the input and the output,
// and for an error its byte and 0-based column.
let rowsDone: i32 = 0;
let inEnd: usize = 0;
let outEnd: usize = 0;
let errAt: usize = 0;
let errColumn: i32 = 0;

/** First byte of memory the caller may use. */
export function heapBase(): usize {
  return __heap_base;
}

export function getRows(): i32 {
  return rowsDone;
}

export function getInEnd(): usize {
  return inEnd;
}

export function getOutEnd(): usize {
  return outEnd;
}

export function getErrAt(): usize {
  return errAt;
}

export function getErrColumn(): i32 {
  return errColumn;
}

@inline function fail(code: i32, at: usize, column: i32): i32 {
  errAt = at;
  errColumn = column;
  return code;
}

/**
 * Ends a string value of len bytes written at o + 2 (after the indicator at o and room for a 1-byte
 * length): writes its length-encoded length, moving the bytes right if it needs more than one.
 */
@inline function endString(o: usize, len: usize): usize {
  store<u8>(o, 0);
  if (len < 251) {
    store<u8>(o + 1, <u8>len);
    return o + 2 + len;
  }
  let size: usize = 9;
  if (len < 0x10000) size = 3;
  else if (len < 0x1000000) size = 4;
  memory.copy(o + 1 + size, o + 2, len);
  if (size == 3) {
    store<u8>(o + 1, 0xfc);
    store<u16>(o + 2, <u16>len);
  } else if (size == 4) {
    store<u8>(o + 1, 0xfd);
    store<u16>(o + 2, <u16>len);
    store<u8>(o + 4, <u8>(len >> 16));
  } else {
    store<u8>(o + 1, 0xfe);
    store<u64>(o + 2, <u64>len);
  }
  return o + 1 + size + len;
}

/** The decimal [p, q) at o as a little-endian u64; 0 or an error code. */
@inline function putIndex(p: usize, q: usize, o: usize, column: i32): i32 {
  if (p == q) return fail(E_INDEX, p, column);
  let v: u64 = 0;
  if (q - p <= 19) {
    // below 10^19 < 2^64: no overflow
    for (let x = p; x < q; x++) {
      const d = <u32>load<u8>(x) - 0x30;
      if (d > 9) return fail(E_INDEX, x, column);
      v = v * 10 + <u64>d;
    }
  } else {
    let over = false;
    for (let x = p; x < q; x++) {
      const d = <u32>load<u8>(x) - 0x30;
      if (d > 9) return fail(E_INDEX, x, column);
      if (v > (0xffffffffffffffff - <u64>d) / 10) over = true;
      else v = v * 10 + <u64>d;
    }
    if (over) return fail(E_RANGE, p, column);
  }
  store<u64>(o, v);
  return 0;
}

/**
 * Decodes the hex digits [p, q) (an even number) to w, 16 digits at a time: each byte's nibble
 * value and validity from two range compares, the first invalid byte (in order, as the JavaScript
 * loop meets it) reported; pairs packed as (even << 4) | odd in 16-bit lanes, then narrowed.
 * 0 or an error code; writes up to 16 bytes past w + (q - p) / 2.
 */
@inline function putHex(p: usize, q: usize, w: usize, column: i32): i32 {
  const c30 = v128.load(S_30);
  const c20 = v128.load(S_20);
  const c61 = v128.load(S_61);
  const c10 = v128.load(S_10);
  const c6 = v128.load(S_6);
  const f0 = v128.load(S_F0);
  for (let x = p; x < q; x += 16) {
    const v = v128.load(x);
    const d = i8x16.sub(v, c30);
    const isDigit = i8x16.lt_u(d, c10);
    const l = i8x16.sub(v128.or(v, c20), c61);
    const isLetter = i8x16.lt_u(l, c6);
    let bad = ~i8x16.bitmask(v128.or(isDigit, isLetter)) & 0xffff;
    const left = q - x;
    if (left < 16) bad &= (1 << <i32>left) - 1;
    if (bad != 0) return fail(E_HEX, x + <usize>ctz(bad), column);
    const val = v128.bitselect(d, i8x16.add(l, c10), isDigit);
    const packed = v128.or(v128.and(i16x8.shl(val, 4), f0), i16x8.shr_u(val, 8));
    v128.store(w + ((x - p) >> 1), i8x16.narrow_i16x8_u(packed, packed));
  }
  return 0;
}

/** \N followed by a comma or LF (a NULL) at p, where there is a backslash. */
@inline function isNull(p: usize): bool {
  const b2 = load<u8>(p + 2);
  return load<u8>(p + 1) == 0x4e && (b2 == COMMA || b2 == LF);
}

/**
 * Converts the whole rows of [p, end) (end just after an LF) to out, stopping before the first row
 * that takes the output past out + cap. Returns OK (all of the span), FULL, or an error code;
 * getRows/getInEnd/getOutEnd tell what was done, getErrAt/getErrColumn where it failed.
 * kinds: a byte per column, its kind, plus LAST on the last column (one load tells both).
 *
 * Per field, the common path is: one 16-byte load (and store: the value copied before its
 * length is known), a mask of the bytes that end or break it, and the byte at its first bit, which
 * is also the separator checked after the field. A NULL (\N) and errors are found off that path.
 */
export function convert(kinds: usize, nCols: i32, p: usize, end: usize, out: usize, cap: usize): i32 {
  const sQuote = v128.load(S_QUOTE);
  const sBack = v128.load(S_BACKSLASH);
  const sLf = v128.load(S_LF);
  const sComma = v128.load(S_COMMA);
  let o = out;
  let rows: i32 = 0;
  let status = OK;
  while (p < end) {
    const rowIn = p;
    const rowOut = o;
    for (let c: i32 = 0; ; c++) {
      const k = <u32>load<u8>(kinds + <usize>c);
      const kind = k & 0x0f;
      let s: u32; // the byte after the field
      if (kind == TEXT) {
        const b0 = load<u8>(p);
        if (b0 != QUOTE) {
          if (b0 != BACKSLASH || !isNull(p)) return stop(E_NOT_ENCLOSED, p, c, rows, rowIn, rowOut);
          store<u8>(o, 1); // NULL
          o += 1;
          p += 2;
          s = <u32>load<u8>(p);
        } else {
          const open = p;
          let q = p + 1;
          let w = o + 2;
          while (true) {
            // copy the block whole, then step to its first quote, backslash or LF
            const v = v128.load(q);
            v128.store(w, v);
            const m = i8x16.bitmask(v128.or(v128.or(i8x16.eq(v, sQuote), i8x16.eq(v, sBack)), i8x16.eq(v, sLf)));
            if (m == 0) {
              q += 16;
              w += 16;
              continue;
            }
            const i = <usize>ctz(m);
            q += i;
            w += i;
            const b = load<u8>(q);
            if (b == QUOTE) break;
            if (b == LF) return stop(E_UNCLOSED, open, c, rows, rowIn, rowOut);
            const e = <u32>load<u8>(q + 1);
            if (e == LF) return stop(E_UNCLOSED, open, c, rows, rowIn, rowOut);
            const u = load<u8>(UNESCAPE + e);
            if (u == 0xff) return stop(E_ESCAPE, q, c, rows, rowIn, rowOut);
            store<u8>(w, u);
            w += 1;
            q += 2;
          }
          o = endString(o, w - o - 2);
          p = q + 1;
          s = <u32>load<u8>(p);
        }
      } else {
        // an unquoted value: up to the next comma or LF, no quote or backslash in it; copied to
        // o + 2 as it is scanned (used by numbers, harmless for the others)
        let q = p;
        let m: i32;
        while (true) {
          const v = v128.load(q);
          v128.store(o + 2 + (q - p), v);
          m = i8x16.bitmask(v128.or(v128.or(i8x16.eq(v, sComma), i8x16.eq(v, sLf)), v128.or(i8x16.eq(v, sQuote), i8x16.eq(v, sBack))));
          if (m != 0) break;
          q += 16;
        }
        q += <usize>ctz(m);
        s = <u32>load<u8>(q);
        if (s == QUOTE || s == BACKSLASH) {
          if (s != BACKSLASH || q != p || !isNull(p)) return stop(E_QUOTE, q, c, rows, rowIn, rowOut);
          store<u8>(o, 1); // NULL
          o += 1;
          p += 2;
          s = <u32>load<u8>(p);
        } else {
          if (kind == STRING) o = endString(o, q - p);
          else if (kind == INDEX) {
            store<u8>(o, 0);
            const r = putIndex(p, q, o + 1, c);
            if (r != 0) return stop(r, errAt, c, rows, rowIn, rowOut);
            o += 9;
          } else {
            const r = putHexValue(p, q, o, c);
            if (r != 0) return stop(r, errAt, c, rows, rowIn, rowOut);
            o = outEnd;
          }
          p = q;
        }
      }
      if (s == COMMA) {
        if ((k & LAST) != 0) return stop(E_MANY, p, c, rows, rowIn, rowOut);
        p += 1;
        continue;
      }
      if (s != LF) return stop(E_SEPARATOR, p, c, rows, rowIn, rowOut);
      if ((k & LAST) == 0) return stop(E_FEW, p, c + 1, rows, rowIn, rowOut);
      break;
    }
    p += 1; // the LF
    if (o - out > cap) {
      p = rowIn;
      o = rowOut;
      status = FULL;
      break;
    }
    rows += 1;
  }
  rowsDone = rows;
  inEnd = p;
  outEnd = o;
  return status;
}

/** A hex value [p, q) at o: indicator, length, bytes; the end in outEnd. 0 or an error code. */
@inline function putHexValue(p: usize, q: usize, o: usize, column: i32): i32 {
  const n = q - p;
  if ((n & 1) != 0) return fail(E_ODD, p, column);
  const len = n >> 1;
  // the length first (known), then the bytes
  store<u8>(o, 0);
  let w = o + 2;
  if (len >= 251) {
    if (len < 0x10000) {
      store<u8>(o + 1, 0xfc);
      store<u16>(o + 2, <u16>len);
      w = o + 4;
    } else if (len < 0x1000000) {
      store<u8>(o + 1, 0xfd);
      store<u16>(o + 2, <u16>len);
      store<u8>(o + 4, <u8>(len >> 16));
      w = o + 5;
    } else {
      store<u8>(o + 1, 0xfe);
      store<u64>(o + 2, <u64>len);
      w = o + 10;
    }
  } else store<u8>(o + 1, <u8>len);
  const r = putHex(p, q, w, column);
  outEnd = w + len;
  return r;
}

/** Stops at an error in the row that starts at rowIn: the rows before it are done. */
function stop(code: i32, at: usize, column: i32, rows: i32, rowIn: usize, rowOut: usize): i32 {
  errAt = at;
  errColumn = column;
  rowsDone = rows;
  inEnd = rowIn;
  outEnd = rowOut;
  return code;
}
