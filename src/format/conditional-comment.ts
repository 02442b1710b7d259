/**
 * Length of a conditional-comment opener at the `/*` at src[i] (`/*!`, `/*!50003`, `/*M!100100`), or 0
 * for a plain comment — which MariaDB's `/*M!999999\- enable the sandbox mode *\/` is: no server runs it.
 * On a script's bytes (the splitter) or on a statement's text (object-header.ts).
 */
export function conditionalPrefix(src: Buffer | string, i: number): number {
  const at = typeof src === 'string' ? (k: number): number => src.charCodeAt(k) : (k: number): number => src[k] ?? Number.NaN;
  let j = i + 2;
  if (at(j) === 0x4d && at(j + 1) === 0x21) j += 2;
  else if (at(j) === 0x21) j += 1;
  else return 0;
  let digits = '';
  while (j < src.length && at(j) >= 0x30 && at(j) <= 0x39 && digits.length < 6) digits += String.fromCharCode(at(j++));
  if (digits === '999999') return 0;
  return j - i;
}
