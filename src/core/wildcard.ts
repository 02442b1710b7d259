/**
 * Wildcard patterns (a grant's LIKE database pattern, the shell patterns of --users-include) matched
 * without a regular expression. As `^…$` with `[\s\S]*` per wildcard, a pattern with k wildcards
 * backtracks through up to text^k splits: `a%a%a%a%a%a%a%a%b` from SHOW GRANTS against a 64-character
 * name took about a minute. Here a run wildcard is matched greedily and, on a mismatch, only the
 * last one seen takes one character more (a later run covers whatever an earlier one would have), so
 * a match costs at most pattern × text steps.
 */
type Piece = { readonly kind: 'run' } | { readonly kind: 'one' } | { readonly kind: 'char'; readonly c: string };

/**
 * A MySQL LIKE pattern (`%` any run, `_` one character, `\x` a literal x; a trailing `\` is itself)
 * covers all of `text`; case-insensitively unless `exactCase` (the language the regular expression
 * with the `i` flag matched: UTF-16 code units, the same case folding).
 */
export function likeMatches(pattern: string, text: string, exactCase = false): boolean {
  const norm = exactCase ? (c: string): string => c : fold;
  const pieces: Piece[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\' && i + 1 < pattern.length) pieces.push({ kind: 'char', c: norm(pattern[++i]!) });
    else if (c === '%') pieces.push({ kind: 'run' });
    else if (c === '_') pieces.push({ kind: 'one' });
    else pieces.push({ kind: 'char', c: norm(c) });
  }
  return matchPieces(pieces, text, norm);
}

/**
 * A shell pattern (`*` any run, `?` one character, everything else literal, case-sensitive) covers
 * all of `text`. Unlike the `.`-based regular expression it replaces, a wildcard also matches a line
 * break.
 */
export function globMatches(pattern: string, text: string): boolean {
  const pieces = pattern.split('').map((c): Piece => (c === '*' ? { kind: 'run' } : c === '?' ? { kind: 'one' } : { kind: 'char', c }));
  return matchPieces(pieces, text, (c) => c);
}

function matchPieces(pieces: readonly Piece[], text: string, norm: (c: string) => string): boolean {
  let p = 0;
  let t = 0;
  /** The last run wildcard passed, and where in `text` its match ends for now. */
  let run = -1;
  let runEnd = 0;
  while (t < text.length) {
    const piece = pieces[p];
    if (piece?.kind === 'run') {
      run = p++;
      runEnd = t;
    } else if (piece !== undefined && (piece.kind === 'one' || piece.c === norm(text[t]!))) {
      p++;
      t++;
    } else if (run >= 0) {
      p = run + 1;
      t = ++runEnd;
    } else {
      return false;
    }
  }
  while (pieces[p]?.kind === 'run') p++;
  return p === pieces.length;
}

/**
 * A code unit as the `i` flag compares it without `u` (ECMA-262 Canonicalize): its upper case when
 * that is one code unit and does not turn a non-ASCII character into an ASCII one.
 */
function fold(c: string): string {
  const u = c.toUpperCase();
  return u.length !== 1 || (c.charCodeAt(0) >= 128 && u.charCodeAt(0) < 128) ? c : u;
}
