import { describe, expect, it } from 'vitest';
import { globMatches, likeMatches } from '../../src/core/wildcard.js';

/** The regular expressions the matchers replaced, as the reference on inputs too short to backtrack long. */
const escape = (c: string): string => c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
function likeRegExp(pattern: string): RegExp {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\' && i + 1 < pattern.length) re += escape(pattern[++i]!);
    else re += c === '%' ? '[\\s\\S]*' : c === '_' ? '[\\s\\S]' : escape(c);
  }
  return new RegExp(`${re}$`, 'i');
}
const globRegExp = (p: string): RegExp => new RegExp(`^${p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);

/** Every string over `alphabet` up to `max` long. */
function strings(alphabet: readonly string[], max: number): string[] {
  const out = [''];
  for (let n = 0, from = 0; n < max; n++) {
    const to = out.length;
    for (let i = from; i < to; i++) for (const c of alphabet) out.push(out[i]! + c);
    from = to;
  }
  return out;
}

describe('wildcard patterns', () => {
  it('LIKE: %, _, escapes, case-insensitive', () => {
    expect(likeMatches('shop%', 'shop_eu')).toBe(true);
    expect(likeMatches('sh_p', 'SHOP')).toBe(true);
    expect(likeMatches('tmp\\_%', 'tmp_1')).toBe(true);
    expect(likeMatches('tmp\\_%', 'tmpx1')).toBe(false);
    expect(likeMatches('100\\%', '100%')).toBe(true);
    expect(likeMatches('100\\%', '1000')).toBe(false);
    expect(likeMatches('a\\', 'a\\')).toBe(true);
    expect(likeMatches('%a%b', 'xaxb')).toBe(true);
    expect(likeMatches('%a%b', 'xbxa')).toBe(false);
    expect(likeMatches('%', '')).toBe(true);
    expect(likeMatches('_', '')).toBe(false);
    expect(likeMatches('Ärger%', 'ärger_2')).toBe(true);
  });

  it('shell: *, ?, everything else literal and case-sensitive', () => {
    expect(globMatches('app@*', 'app@%')).toBe(true);
    expect(globMatches('app@10.0.0.?', 'app@10.0.0.1')).toBe(true);
    expect(globMatches('app@10.0.0.?', 'app@10.0.0.12')).toBe(false);
    expect(globMatches('app@*', 'apple@%')).toBe(false);
    expect(globMatches('App@*', 'app@%')).toBe(false);
    expect(globMatches('a.b', 'axb')).toBe(false);
    expect(globMatches('a\\_%', 'a\\_%')).toBe(true);
  });

  it('the same answers as the regular expressions on every short pattern and text', () => {
    const wrong: string[] = [];
    const texts = strings(['a', 'B', '%', '_', '\\', 'ß'], 4);
    for (const p of strings(['a', 'b', '%', '_', '\\'], 4)) {
      const re = likeRegExp(p);
      for (const t of texts) if (likeMatches(p, t) !== re.test(t)) wrong.push(`LIKE ${p} ${t}`);
    }
    const labels = strings(['a', 'A', '*', '?', '.'], 4);
    for (const p of strings(['a', '*', '?', '.'], 4)) {
      const re = globRegExp(p);
      for (const t of labels) if (globMatches(p, t) !== re.test(t)) wrong.push(`glob ${p} ${t}`);
    }
    expect(wrong).toEqual([]);
  });

  it('many wildcards against a long text take pattern × text steps', () => {
    const p = `${'a%'.repeat(30)}b`;
    expect(likeMatches(p, 'a'.repeat(10_000))).toBe(false);
    expect(likeMatches(p, `${'a'.repeat(9_999)}b`)).toBe(true);
    expect(globMatches(p.replace(/%/g, '*'), 'a'.repeat(10_000))).toBe(false);
  });
});
