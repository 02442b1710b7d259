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

/**
 * At the `/*` at text[i]: where reading goes on — past a conditional comment's opener (its SQL is
 * read; `conditional` true: its closing `*\/` is to be stepped over in turn), or past a plain comment
 * whole (to the end of the text if it is not closed).
 */
export function afterCommentStart(text: string, i: number): { readonly next: number; readonly conditional: boolean } {
  const opener = conditionalPrefix(text, i);
  if (opener > 0) return { next: i + opener, conditional: true };
  const end = text.indexOf('*/', i + 2);
  return { next: end < 0 ? text.length : end + 2, conditional: false };
}
