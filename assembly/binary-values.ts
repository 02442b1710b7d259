// Values of binary-protocol row packets (COM_STMT_EXECUTE results) written as the text protocol
// would have them: integers and temporal values, which that protocol sends as their bytes rather
// than as text. Everything else (DECIMAL, strings, BLOBs, BIT, ENUM, SET, JSON, GEOMETRY) is a
// length-encoded string in both protocols and is read by wire-encoder.ts as in a text row.
// FLOAT and DOUBLE are not here: the server's shortest-text rules for them are its own, so a
// table with such a column is read through the text protocol (src/db/binary-layout.ts).

// Wire kinds, one per column (src/db/binary-layout.ts writes them): 0 = length-encoded string.
export const W_I8: u8 = 1;
export const W_U8: u8 = 2;
export const W_I16: u8 = 3;
export const W_U16: u8 = 4;
export const W_I32: u8 = 5;
export const W_U32: u8 = 6;
export const W_I64: u8 = 7;
export const W_U64: u8 = 8;
export const W_DATE: u8 = 9;
export const W_DATETIME: u8 = 10;
export const W_TIME: u8 = 11;

/** Decimal digits of v (at least 1), by comparisons: a division is dearer. */
@inline function digits32(v: u32): i32 {
  if (v < 100000) return v < 10 ? 1 : v < 100 ? 2 : v < 1000 ? 3 : v < 10000 ? 4 : 5;
  return v < 1000000 ? 6 : v < 10000000 ? 7 : v < 100000000 ? 8 : v < 1000000000 ? 9 : 10;
}

/** v (< 100) as two digits at o (division by a constant: a multiplication once compiled). */
@inline function put2(v: u32, o: usize): usize {
  const t = v / 10;
  store<u8>(o, <u8>(0x30 + t));
  store<u8>(o + 1, <u8>(0x30 + v - 10 * t));
  return o + 2;
}

/** v in decimal at o, left-padded with zeros to `width` digits; returns the new end. */
function writeUnsigned(v: u64, width: i32, o: usize): usize {
  if (v > 0xffffffff) {
    // the digits above the last nine, then those nine: 32-bit arithmetic for both
    const high = v / 1000000000;
    const o9 = writeUnsigned(high, width - 9, o);
    return writeDigits(<u32>(v - high * 1000000000), 9, o9);
  }
  const w = <u32>v;
  const n = digits32(w);
  return writeDigits(w, n < width ? width : n, o);
}

/** w as exactly n digits at o (zeros in front; n at least w's digits). */
function writeDigits(w: u32, n: i32, o: usize): usize {
  let e = o + <usize>n;
  while (w >= 100) {
    const q = w / 100;
    e -= 2;
    put2(w - 100 * q, e);
    w = q;
  }
  if (w >= 10) {
    e -= 2;
    put2(w, e);
  } else {
    e -= 1;
    store<u8>(e, <u8>(0x30 + w));
  }
  while (e > o) {
    e -= 1;
    store<u8>(e, 0x30);
  }
  return o + <usize>n;
}

@inline function writeSigned(v: i64, width: i32, o: usize): usize {
  if (v < 0) {
    store<u8>(o, 0x2d);
    return writeUnsigned(<u64>(-(v + 1)) + 1, width, o + 1); // -(i64 min) overflows: -(v + 1) + 1
  }
  return writeUnsigned(<u64>v, width, o);
}

/** ".ffffff" cut to `decimals` digits (none for 0); writes all six digits, returns the end of those kept. */
@inline function writeFraction(micro: u32, decimals: i32, o: usize): usize {
  if (decimals <= 0) return o;
  store<u8>(o, 0x2e);
  writeDigits(micro, 6, o + 1);
  return o + 1 + <usize>decimals;
}

/**
 * The value of wire kind `kind` at p (its bytes in the binary row) as text at o. Returns the new
 * end; the bytes it took from p are `binaryValueLength(kind, p)`.
 */
export function writeBinaryValue(kind: u8, width: i32, decimals: i32, p: usize, o: usize): usize {
  if (kind == W_I8) return writeSigned(<i64>load<i8>(p), width, o);
  if (kind == W_U8) return writeUnsigned(<u64>load<u8>(p), width, o);
  if (kind == W_I16) return writeSigned(<i64>load<i16>(p), width, o);
  if (kind == W_U16) return writeUnsigned(<u64>load<u16>(p), width, o);
  if (kind == W_I32) return writeSigned(<i64>load<i32>(p), width, o);
  if (kind == W_U32) return writeUnsigned(<u64>load<u32>(p), width, o);
  if (kind == W_I64) return writeSigned(load<i64>(p), width, o);
  if (kind == W_U64) return writeUnsigned(load<u64>(p), width, o);
  const n = <u32>load<u8>(p); // DATE, DATETIME, TIMESTAMP: 0, 4, 7 or 11 bytes; TIME: 0, 8 or 12
  if (kind == W_TIME) {
    if (n < 8) return writeClock(0, 0, 0, decimals, o);
    if (load<u8>(p + 1) != 0) {
      store<u8>(o, 0x2d);
      o++;
    }
    const hours = <u64>load<u32>(p + 2) * 24 + <u64>load<u8>(p + 6);
    return writeClock(hours, p + 7, n >= 12 ? load<u32>(p + 9) : 0, decimals, o);
  }
  let year: u32 = 0;
  let month: u32 = 0;
  let day: u32 = 0;
  if (n >= 4) {
    year = <u32>load<u16>(p + 1);
    month = <u32>load<u8>(p + 3);
    day = <u32>load<u8>(p + 4);
  }
  o = put2(year % 100, put2(year / 100, o));
  store<u8>(o, 0x2d);
  o = put2(month, o + 1);
  store<u8>(o, 0x2d);
  o = put2(day, o + 1);
  if (kind == W_DATE) return o;
  store<u8>(o, 0x20);
  if (n < 7) return writeClock(0, 0, 0, decimals, o + 1);
  return writeClock(<u64>load<u8>(p + 5), p + 6, n >= 11 ? load<u32>(p + 8) : 0, decimals, o + 1);
}

/**
 * HH:MM:SS and the fraction: the hours (two digits at least), the minute and second from the two
 * bytes at ms (0: none, both zero).
 */
function writeClock(hours: u64, ms: usize, micro: u32, decimals: i32, o: usize): usize {
  o = writeUnsigned(hours, 2, o);
  store<u8>(o, 0x3a);
  o = put2(ms == 0 ? 0 : <u32>load<u8>(ms), o + 1);
  store<u8>(o, 0x3a);
  o = put2(ms == 0 ? 0 : <u32>load<u8>(ms + 1), o + 1);
  return writeFraction(micro, decimals, o);
}

/** Bytes the value of wire kind `kind` at p takes in the binary row. */
@inline export function binaryValueLength(kind: u8, p: usize): usize {
  if (kind <= W_U8) return 1;
  if (kind <= W_U16) return 2;
  if (kind <= W_U32) return 4;
  if (kind <= W_U64) return 8;
  return 1 + <usize>load<u8>(p);
}
