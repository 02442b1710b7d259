import { describe, expect, it } from 'vitest';
import { createReporter } from '../../src/cli/reporters.js';

/** A stand-in for stderr that keeps what is written (not a TTY). */
function capture(): { stream: NodeJS.WriteStream; text: () => string } {
  let text = '';
  const stream = { isTTY: false, write: (s: string) => ((text += s), true) } as unknown as NodeJS.WriteStream;
  return { stream, text: () => text };
}

describe('reporters', () => {
  it('--quiet and --progress none print only warnings, named by their object like the other modes (unless the message names it)', async () => {
    for (const opts of [{ mode: 'auto' as const, quiet: true }, { mode: 'none' as const, quiet: false }]) {
      const out = capture();
      const r = await createReporter({ ...opts, verbose: false, tool: 'tsload', stream: out.stream });
      r.emit({ kind: 'info', message: 'not shown' });
      r.emit({ kind: 'warning', database: 'shop', table: 'a`b', message: 'ENUM member lost' });
      r.emit({ kind: 'warning', database: 'shop', message: 'schema-wide' });
      r.emit({ kind: 'warning', message: 'run-wide' });
      r.emit({ kind: 'warning', database: 'shop', table: 'v', message: 'view shop.v is left out' });
      r.close();
      expect(out.text()).toBe('warning: shop.a`b: ENUM member lost\nwarning: shop: schema-wide\nwarning: run-wide\nwarning: view shop.v is left out\n');
    }
  });
});
