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

const TEXT: u8 = 0;
const STRING: u8 = 1;
const INDEX: u8 = 2;
// kind 3 = hex

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

/** The byte an escape letter stands for, -1 for a letter the dump never writes. */
@inline function unescape(e: u32): i32 {
  if (e == 0x30) return 0x00; // 0
  if (e == 0x6e) return 0x0a; // n
  if (e == 0x72) return 0x0d; // r
  if (e == 0x5a) return 0x1a; // Z
  if (e == QUOTE || e == BACKSLASH) return <i32>e;
  return -1;
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
  const c30 = i8x16.splat(0x30);
  const c20 = i8x16.splat(0x20);
  const c61 = i8x16.splat(0x61);
  const c10 = i8x16.splat(10);
  const c6 = i8x16.splat(6);
  const f0 = i16x8.splat(0xf0);
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

/**
 * Converts the whole rows of [p, end) (end just after an LF) to out, stopping before the first row
 * that takes the output past out + cap. Returns OK (all of the span), FULL, or an error code;
 * getRows/getInEnd/getOutEnd tell what was done, getErrAt/getErrColumn where it failed.
 */
export function convert(kinds: usize, nCols: i32, p: usize, end: usize, out: usize, cap: usize): i32 {
  const sQuote = i8x16.splat(QUOTE);
  const sBack = i8x16.splat(BACKSLASH);
  const sLf = i8x16.splat(LF);
  const sComma = i8x16.splat(COMMA);
  let o = out;
  let rows: i32 = 0;
  let status = OK;
  while (p < end) {
    const rowIn = p;
    const rowOut = o;
    for (let c: i32 = 0; c < nCols; c++) {
      const kind = load<u8>(kinds + <usize>c);
      const b0 = load<u8>(p);
      const b2 = load<u8>(p + 2);
      if (b0 == BACKSLASH && load<u8>(p + 1) == 0x4e && (b2 == COMMA || b2 == LF)) {
        store<u8>(o, 1); // NULL
        o += 1;
        p += 2;
      } else if (kind == TEXT) {
        if (b0 != QUOTE) return stop(E_NOT_ENCLOSED, p, c, rows, rowIn, rowOut);
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
          const u = unescape(e);
          if (u < 0) return stop(E_ESCAPE, q, c, rows, rowIn, rowOut);
          store<u8>(w, <u8>u);
          w += 1;
          q += 2;
        }
        o = endString(o, w - o - 2);
        p = q + 1;
      } else {
        // an unquoted value: up to the next comma or LF, no quote or backslash in it
        let q = p;
        while (true) {
          const v = v128.load(q);
          if (kind == STRING) v128.store(o + 2 + (q - p), v);
          const m = i8x16.bitmask(v128.or(v128.or(i8x16.eq(v, sComma), i8x16.eq(v, sLf)), v128.or(i8x16.eq(v, sQuote), i8x16.eq(v, sBack))));
          if (m == 0) {
            q += 16;
            continue;
          }
          q += <usize>ctz(m);
          break;
        }
        const b = load<u8>(q);
        if (b == QUOTE || b == BACKSLASH) return stop(E_QUOTE, q, c, rows, rowIn, rowOut);
        if (kind == STRING) o = endString(o, q - p);
        else if (kind == INDEX) {
          store<u8>(o, 0);
          const r = putIndex(p, q, o + 1, c);
          if (r != 0) return stop(r, errAt, c, rows, rowIn, rowOut);
          o += 9;
        } else {
          const n = q - p;
          if ((n & 1) != 0) return stop(E_ODD, p, c, rows, rowIn, rowOut);
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
          const r = putHex(p, q, w, c);
          if (r != 0) return stop(r, errAt, c, rows, rowIn, rowOut);
          o = w + len;
        }
        p = q;
      }
      const s = load<u8>(p);
      if (c < nCols - 1) {
        if (s == LF) return stop(E_FEW, p, c + 1, rows, rowIn, rowOut);
        if (s != COMMA) return stop(E_SEPARATOR, p, c, rows, rowIn, rowOut);
        p += 1;
      } else if (s != LF) return stop(s == COMMA ? E_MANY : E_SEPARATOR, p, c, rows, rowIn, rowOut);
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

/** Stops at an error in the row that starts at rowIn: the rows before it are done. */
function stop(code: i32, at: usize, column: i32, rows: i32, rowIn: usize, rowOut: usize): i32 {
  errAt = at;
  errColumn = column;
  rowsDone = rows;
  inEnd = rowIn;
  outEnd = rowOut;
  return code;
}
