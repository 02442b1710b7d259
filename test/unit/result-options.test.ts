/**
 * The options a resume must share with the first run (src/load/result-options.ts): which differ,
 * and what the refusal says. No server.
 */
import { describe, expect, it } from 'vitest';
import { differingOption, optionsDiffer, resultOptions } from '../../src/load/result-options.js';

const base = { deferIndexes: true, engine: null, convertUtf8mb4: false, restore: { onDuplicate: 'error' as const } };

describe('result options', () => {
  it('the same options, or a run recorded by an older tsload (none recorded), do not differ', () => {
    expect(differingOption(resultOptions(base), resultOptions(base))).toBeNull();
    expect(differingOption(null, resultOptions({ ...base, engine: 'MyISAM' }))).toBeNull();
    expect(differingOption({}, resultOptions({ ...base, deferIndexes: false }))).toBeNull();
  });

  it('engine names compare case-insensitively', () => {
    expect(differingOption(resultOptions({ ...base, engine: 'InnoDB' }), resultOptions({ ...base, engine: 'innodb' }))).toBeNull();
  });

  it('names the first differing option with both values', () => {
    expect(differingOption(resultOptions(base), resultOptions({ ...base, deferIndexes: false }))).toEqual({ option: '--defer-indexes', first: 'on', now: 'off' });
    expect(differingOption(resultOptions(base), resultOptions({ ...base, convertUtf8mb4: true }))).toEqual({ option: '--convert-utf8mb4', first: 'off', now: 'on' });
    expect(differingOption(resultOptions({ ...base, restore: { onDuplicate: 'replace' } }), resultOptions({ ...base, restore: { onDuplicate: 'ignore' } }))).toEqual({ option: '--on-duplicate', first: 'replace', now: 'ignore' });
    const engine = differingOption(resultOptions({ ...base, engine: 'Aria' }), resultOptions(base));
    expect(engine?.option).toBe('--engine');
    const err = optionsDiffer('shop', engine!);
    expect(err.code).toBe('usage');
    expect(err.message).toBe("database shop holds an unfinished load that ran with --engine Aria; this run asks for no --engine (the dump's engines), which would give another result than the tables that load already created");
    expect(err.suggestion).toMatch(/^rerun with --engine Aria to finish that load/);
  });
});
