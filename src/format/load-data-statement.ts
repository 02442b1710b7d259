/**
 * The LOAD DATA statement of a mydumper 1.0 chunk file (`--format LOAD_DATA` or `CSV`): read into
 * its parts, so the loader sends a statement of its own — its own file name, the target table
 * qualified with the target database — that reads the rows exactly as the dump's statement says
 * (terminators, enclosure, escape, line prefix, header lines, character set, columns and the SET
 * clauses mydumper writes). Anything else the grammar allows is refused: `problem` says what.
 *
 * Text is in wire form (one latin1 char per byte of the file), as the script planner holds it;
 * the parts are too, and loadDataText returns wire text.
 */

import { parseCreateBody } from './create-table.js';

export interface LoadDataColumn {
  /** A column, or a user variable (`@name`) that a SET clause assigns from. */
  readonly kind: 'column' | 'variable';
  readonly name: string;
}

/** The SET clauses mydumper writes: `col`=UNHEX(@col) (--hex-blob), `col`=CONVERT(@col USING cs) (MySQL JSON). */
export type LoadDataSet =
  | { readonly kind: 'unhex'; readonly column: string; readonly variable: string; /** CONVERT(UNHEX(@v) USING textAs): see textFormSpec */ readonly textAs?: string }
  | { readonly kind: 'convert'; readonly column: string; readonly variable: string; readonly charset: string };

export interface LoadDataSpec {
  /** The file name the statement reads (mydumper's `DB.T.00000.dat[.zst]`). */
  readonly file: string;
  readonly local: boolean;
  readonly duplicates: 'error' | 'replace' | 'ignore';
  readonly table: string;
  readonly characterSet: string | null;
  readonly fieldsTerminatedBy: string;
  readonly enclosedBy: string;
  readonly optionallyEnclosed: boolean;
  readonly escapedBy: string;
  readonly linesStartingBy: string;
  readonly linesTerminatedBy: string;
  readonly ignoreLines: number;
  /** Null: every column of the table, in order. */
  readonly columns: readonly LoadDataColumn[] | null;
  readonly sets: readonly LoadDataSet[];
}

type Token =
  | { readonly kind: 'word'; readonly text: string }
  | { readonly kind: 'ident'; readonly text: string }
  | { readonly kind: 'string'; readonly text: string }
  | { readonly kind: 'variable'; readonly text: string }
  | { readonly kind: 'number'; readonly text: string }
  | { readonly kind: 'punct'; readonly text: string };

const ESCAPES: Record<string, string> = { '0': '\0', b: '\b', n: '\n', r: '\r', t: '\t', Z: '\x1a' };

class ParseError extends Error {}

function tokenize(text: string, noBackslashEscapes: boolean): Token[] {
  const out: Token[] = [];
  let i = 0;
  const quoted = (q: string, escapes: boolean): string => {
    let s = '';
    i++;
    for (;;) {
      if (i >= text.length) throw new ParseError(`a ${q}-quoted text is not closed`);
      const c = text[i]!;
      if (c === q) {
        if (text[i + 1] === q) {
          s += q;
          i += 2;
          continue;
        }
        i++;
        return s;
      }
      if (c === '\\' && escapes && i + 1 < text.length) {
        const e = text[i + 1]!;
        // \% and \_ keep their backslash (they are LIKE escapes); others lose it
        s += ESCAPES[e] ?? (e === '%' || e === '_' ? `\\${e}` : e);
        i += 2;
        continue;
      }
      s += c;
      i++;
    }
  };
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) i++;
    else if (c === "'" || c === '"') out.push({ kind: 'string', text: quoted(c, !noBackslashEscapes) });
    else if (c === '`') out.push({ kind: 'ident', text: quoted('`', false) });
    else if (c === '@') {
      i++;
      if (text[i] === '`' || text[i] === "'" || text[i] === '"') out.push({ kind: 'variable', text: quoted(text[i]!, false) });
      else {
        const m = /^[\w$.\x80-\xff]+/.exec(text.slice(i));
        if (!m) throw new ParseError("a '@' names no variable");
        out.push({ kind: 'variable', text: m[0] });
        i += m[0].length;
      }
    } else if (/[\w$\x80-\xff]/.test(c)) {
      const m = /^[\w$\x80-\xff]+/.exec(text.slice(i))!;
      out.push({ kind: /^\d+$/.test(m[0]) ? 'number' : 'word', text: m[0] });
      i += m[0].length;
    } else if ('(),=;.'.includes(c)) {
      out.push({ kind: 'punct', text: c });
      i++;
    } else throw new ParseError(`unexpected '${c}'`);
  }
  return out;
}

class Reader {
  private at = 0;
  constructor(private readonly tokens: readonly Token[]) {}
  peekWord(...words: string[]): boolean {
    const t = this.tokens[this.at];
    return t?.kind === 'word' && words.includes(t.text.toUpperCase());
  }
  word(...words: string[]): boolean {
    if (!this.peekWord(...words)) return false;
    this.at++;
    return true;
  }
  expectWord(...words: string[]): string {
    const t = this.tokens[this.at];
    if (!this.word(...words)) throw new ParseError(`expected ${words.join(' or ')}, found ${t ? `'${t.text}'` : 'the end'}`);
    return t!.text.toUpperCase();
  }
  punct(p: string): boolean {
    const t = this.tokens[this.at];
    if (t?.kind !== 'punct' || t.text !== p) return false;
    this.at++;
    return true;
  }
  expectPunct(p: string): void {
    if (!this.punct(p)) throw new ParseError(`expected '${p}'${this.tokens[this.at] ? `, found '${this.tokens[this.at]!.text}'` : ''}`);
  }
  take<K extends Token['kind']>(...kinds: K[]): Extract<Token, { kind: K }> {
    const t = this.tokens[this.at];
    if (!t || !(kinds as string[]).includes(t.kind)) throw new ParseError(`expected a ${kinds.join(' or ')}${t ? `, found '${t.text}'` : ''}`);
    this.at++;
    return t as Extract<Token, { kind: K }>;
  }
  /** A column or table name: quoted or a plain word. */
  name(): string {
    return this.take('ident', 'word').text;
  }
  done(): boolean {
    while (this.punct(';'));
    return this.at >= this.tokens.length;
  }
  rest(): string {
    return this.tokens.slice(this.at, this.at + 4).map((t) => t.text).join(' ');
  }
}

/** `text` is a LOAD DATA statement (its first words). */
export function isLoadData(text: string): boolean {
  return /^\s*LOAD\s+DATA\b/i.test(text);
}

/** The statement's parts, or why it cannot be honoured. */
export function parseLoadData(text: string, noBackslashEscapes = false): { spec: LoadDataSpec; problem: null } | { spec: null; problem: string } {
  try {
    return { spec: parse(new Reader(tokenize(text, noBackslashEscapes))), problem: null };
  } catch (e) {
    if (e instanceof ParseError) return { spec: null, problem: e.message };
    throw e;
  }
}

function parse(r: Reader): LoadDataSpec {
  r.expectWord('LOAD');
  r.expectWord('DATA');
  if (r.word('LOW_PRIORITY', 'CONCURRENT')) throw new ParseError('LOW_PRIORITY / CONCURRENT is not supported');
  const local = r.word('LOCAL');
  r.expectWord('INFILE');
  const file = r.take('string').text;
  const duplicates = r.word('REPLACE') ? 'replace' : r.word('IGNORE') ? 'ignore' : 'error';
  r.expectWord('INTO');
  r.expectWord('TABLE');
  let table = r.name();
  if (r.punct('.')) table = r.name(); // a qualified name: the loader puts the target database
  if (r.peekWord('PARTITION')) throw new ParseError('PARTITION is not supported');
  let characterSet: string | null = null;
  if (r.word('CHARACTER', 'CHARSET')) {
    r.word('SET');
    characterSet = r.take('word', 'string', 'ident').text;
    if (!/^\w+$/.test(characterSet)) throw new ParseError(`no such character set: '${characterSet}'`);
  }
  let fieldsTerminatedBy = '\t';
  let enclosedBy = '';
  let optionallyEnclosed = false;
  let escapedBy = '\\';
  if (r.word('FIELDS', 'COLUMNS')) {
    for (let any = false; ; any = true) {
      if (r.word('TERMINATED')) {
        r.expectWord('BY');
        fieldsTerminatedBy = r.take('string').text;
      } else if (r.peekWord('OPTIONALLY', 'ENCLOSED')) {
        optionallyEnclosed = r.word('OPTIONALLY');
        r.expectWord('ENCLOSED');
        r.expectWord('BY');
        enclosedBy = r.take('string').text;
      } else if (r.word('ESCAPED')) {
        r.expectWord('BY');
        escapedBy = r.take('string').text;
      } else if (!any) throw new ParseError('FIELDS is followed by none of TERMINATED, ENCLOSED, ESCAPED');
      else break;
    }
  }
  let linesStartingBy = '';
  let linesTerminatedBy = '\n';
  if (r.word('LINES')) {
    for (;;) {
      if (r.word('STARTING')) {
        r.expectWord('BY');
        linesStartingBy = r.take('string').text;
      } else if (r.word('TERMINATED')) {
        r.expectWord('BY');
        linesTerminatedBy = r.take('string').text;
      } else break;
    }
  }
  let ignoreLines = 0;
  if (r.word('IGNORE')) {
    ignoreLines = Number(r.take('number').text);
    r.expectWord('LINES', 'ROWS');
  }
  let columns: LoadDataColumn[] | null = null;
  if (r.punct('(')) {
    columns = [];
    if (!r.punct(')')) {
      do {
        const t = r.take('ident', 'word', 'variable');
        columns.push({ kind: t.kind === 'variable' ? 'variable' : 'column', name: t.text });
      } while (r.punct(','));
      r.expectPunct(')');
    }
  }
  const sets: LoadDataSet[] = [];
  if (r.word('SET')) {
    do sets.push(setClause(r));
    while (r.punct(','));
  }
  if (!r.done()) throw new ParseError(`unexpected '${r.rest()}'`);
  if (enclosedBy.length > 1 || escapedBy.length > 1) throw new ParseError('ENCLOSED BY and ESCAPED BY take one character');
  if (linesTerminatedBy === '' && fieldsTerminatedBy === '') throw new ParseError('empty field and line terminators (fixed-width rows) are not supported');
  const vars = new Set(columns?.filter((c) => c.kind === 'variable').map((c) => c.name) ?? []);
  for (const s of sets) if (!vars.has(s.variable)) throw new ParseError(`SET reads @${s.variable}, which the column list does not set`);
  return { file, local, duplicates, table, characterSet, fieldsTerminatedBy, enclosedBy, optionallyEnclosed, escapedBy, linesStartingBy, linesTerminatedBy, ignoreLines, columns, sets };
}

function setClause(r: Reader): LoadDataSet {
  const column = r.name();
  r.expectPunct('=');
  const fn = r.expectWord('UNHEX', 'CONVERT');
  r.expectPunct('(');
  const variable = r.take('variable').text;
  let out: LoadDataSet;
  if (fn === 'UNHEX') out = { kind: 'unhex', column, variable };
  else {
    r.expectWord('USING');
    out = { kind: 'convert', column, variable, charset: r.take('word').text };
  }
  r.expectPunct(')');
  return out;
}

/** A text literal of wire text, safe in any sql_mode (hex: no quote or backslash rules apply). */
function literal(s: string): string {
  return s === '' ? "''" : `X'${Buffer.from(s, 'latin1').toString('hex')}'`;
}

function ident(s: string): string {
  return '`' + s.replace(/`/g, '``') + '`';
}

const DUPLICATE_KEYWORD: Record<LoadDataSpec['duplicates'], string> = { error: '', replace: 'REPLACE ', ignore: 'IGNORE ' };

/**
 * The loader's statement for `spec`: LOCAL, its own file name, the given target (a qualified name
 * in wire form), `duplicates` (--on-duplicate, or the dump's own keyword). Without a CHARACTER SET
 * clause the file is read in `defaultCharset` (mydumper reads rows in binary, SET NAMES binary: the
 * file holds each column's own bytes).
 */
export function loadDataText(spec: LoadDataSpec, target: string, fileName: string, defaultCharset: string, duplicates: LoadDataSpec['duplicates'] = spec.duplicates): string {
  const cols = spec.columns === null ? '' : ` (${spec.columns.map((c) => (c.kind === 'variable' ? `@${ident(c.name)}` : ident(c.name))).join(', ')})`;
  const unhex = (s: Extract<LoadDataSet, { kind: 'unhex' }>): string => (s.textAs ? `CONVERT(UNHEX(@${ident(s.variable)}) USING ${s.textAs})` : `UNHEX(@${ident(s.variable)})`);
  const sets = spec.sets.map((s) => `${ident(s.column)} = ${s.kind === 'unhex' ? unhex(s) : `CONVERT(@${ident(s.variable)} USING ${s.charset})`}`);
  return (
    `LOAD DATA LOCAL INFILE '${fileName}' ${DUPLICATE_KEYWORD[duplicates]}INTO TABLE ${target} CHARACTER SET ${spec.characterSet ?? defaultCharset} ` +
    `FIELDS TERMINATED BY ${literal(spec.fieldsTerminatedBy)} ${spec.optionallyEnclosed ? 'OPTIONALLY ' : ''}ENCLOSED BY ${literal(spec.enclosedBy)} ESCAPED BY ${literal(spec.escapedBy)} ` +
    `LINES STARTING BY ${literal(spec.linesStartingBy)} TERMINATED BY ${literal(spec.linesTerminatedBy)}` +
    `${spec.ignoreLines > 0 ? ` IGNORE ${spec.ignoreLines} LINES` : ''}${cols}${sets.length > 0 ? ` SET ${sets.join(', ')}` : ''}`
  );
}

/** A column of a MariaDB type that stores its text form as something else (UUID, INET4, INET6). */
const TEXT_FORM_COLUMN = /^`((?:[^`]|``)+)`\s+(?:uuid|inet4|inet6)\b/i;

/**
 * The spec with each UUID / INET4 / INET6 column of `createTable` read as text: mydumper 1.0.1
 * writes their text form, and the file is read CHARACTER SET binary, but the server takes a binary
 * string for such a column as its binary form and stores NULL (warning 1292). Read into a variable
 * and CONVERTed to latin1 (the text form is ASCII), the value is parsed as text. Names are wire form.
 */
export function textFormSpec(spec: LoadDataSpec, createTable: string): LoadDataSpec {
  const textForm = new Set(parseCreateBody(createTable).items.map((i) => TEXT_FORM_COLUMN.exec(i)?.[1]?.replaceAll('``', '`')).filter((n): n is string => n !== undefined));
  if (textForm.size === 0 || spec.columns === null) return spec;
  const columns = spec.columns.map((c): LoadDataColumn => (c.kind === 'column' && textForm.has(c.name) ? { kind: 'variable', name: c.name } : c));
  const direct = spec.columns.filter((c) => c.kind === 'column' && textForm.has(c.name)).map((c): LoadDataSet => ({ kind: 'convert', column: c.name, variable: c.name, charset: 'latin1' }));
  const sets = spec.sets.map((x): LoadDataSet => (x.kind === 'unhex' && textForm.has(x.column) ? { ...x, textAs: 'latin1' } : x));
  return { ...spec, columns, sets: [...sets, ...direct] };
}
