/**
 * Preloaded with NODE_OPTIONS=--import=<this file> (secrets.test.ts): when the program first
 * resolves `commander` (the commands' modules start loading), writes what /proc/self/cmdline shows
 * then to $ARGV_PROBE_OUT, once. The bins must have replaced argv (a -p<password>) by that point.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { registerHooks } from 'node:module';

const out = process.env.ARGV_PROBE_OUT;
registerHooks({
  resolve(specifier, context, next) {
    if (out && specifier === 'commander' && !existsSync(out)) writeFileSync(out, readFileSync('/proc/self/cmdline'));
    return next(specifier, context);
  },
});
