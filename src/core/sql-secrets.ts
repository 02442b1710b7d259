/**
 * The secrets of account statements (CREATE/ALTER USER, GRANT, SET PASSWORD) kept out of messages:
 * password hashes, plugins' authentication strings, cleartext passwords. A hash is a secret: some
 * plugins log in with it, and it can be brute-forced.
 *
 * A secret: the literal after PASSWORD, AS, USING or BY (SET PASSWORD [FOR account] =) — a hash,
 * a plugin's authentication string or a cleartext password — quoted, inside PASSWORD('…'), or a
 * hex literal (MySQL prints binary hashes as 0x… under print_identified_with_as_hex, which tsdump
 * sets).
 */
const ACCOUNT = String.raw`(?:\`(?:[^\`]|\`\`)*\`|'(?:[^'\\]|\\.|'')*'|[A-Za-z0-9_.%-]+)`;
/** A literal: '…' or "…" (a string in the default sql_mode), optionally with a character set introducer (_binary'…', N'…'), or hex. */
const LITERAL = String.raw`(?:_[A-Za-z0-9]+\s*|N)?(?:'(?:[^'\\]|\\.|'')*'|"(?:[^"\\]|\\.|"")*")|0x[0-9a-f]+|x'[0-9a-f]*'`;
const SECRET = new RegExp(String.raw`\b(PASSWORD(?:\s+FOR\s+${ACCOUNT}(?:\s*@\s*${ACCOUNT})?)?|AS|USING|BY)(\s*(?:=\s*)?\(?\s*)(${LITERAL})`, 'gi');
const HIDDEN = '<hidden>';
/** A piece this long of a secret is hidden wherever it shows (the server cuts the text it quotes). */
const SECRET_PIECE = 8;

/** Hashes and passwords out of a statement shown in a report. */
export function redact(sql: string): string {
  return sql.replace(SECRET, (_m, word: string, gap: string, lit: string) => {
    const quote = /['"]/.exec(lit)?.[0];
    return `${word}${gap}${quote && !/^x'/i.test(lit) ? `${quote}${HIDDEN}${quote}` : HIDDEN}`;
  });
}

/**
 * A failed statement's error message with the statement's secrets out of it: the server quotes
 * the statement from the error on (`near '0x2441…' at line 1`, cut after 80 characters) and our
 * messages name the statement, so every secret is hidden whole, and every piece of one that starts
 * it and is at least SECRET_PIECE long (a cut quote) is hidden too.
 */
export function redactReason(message: string, sql: string): string {
  let out = redact(message);
  // the secret's characters: the literal without its introducer, quotes or 0x
  const secrets = [...sql.matchAll(SECRET)].map((m) => m[3]!.replace(/^(?:0x|x'|(?:_[A-Za-z0-9]+\s*|N)?['"])|['"]$/gi, '')).filter((v) => v.length >= 4);
  for (const v of secrets.sort((a, b) => b.length - a.length)) {
    for (let n = v.length; n >= Math.min(SECRET_PIECE, v.length); n--) out = out.split(v.slice(0, n)).join(HIDDEN);
  }
  return out;
}
