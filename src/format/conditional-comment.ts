/**
 * Length of a conditional-comment opener at buf[i] (`/*!`, `/*!50003`, `/*M!100100`), or 0 for a
 * plain comment — which MariaDB's `/*M!999999\- enable the sandbox mode *\/` is: no server runs it.
 */
export function conditionalPrefix(buf: Buffer, i: number): number {
  let j = i + 2;
  if (buf[j] === 0x4d && buf[j + 1] === 0x21) j += 2;
  else if (buf[j] === 0x21) j += 1;
  else return 0;
  let digits = '';
  while (j < buf.length && buf[j]! >= 0x30 && buf[j]! <= 0x39 && digits.length < 6) digits += String.fromCharCode(buf[j++]!);
  if (digits === '999999') return 0;
  return j - i;
}
