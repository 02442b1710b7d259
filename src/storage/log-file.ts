import { closeSync, openSync, writeSync } from 'node:fs';
import { TsError, messageOf, sysCodeOf } from '../core/errors.js';

/**
 * `--log-file PATH`: a plain log kept beside whatever the terminal shows. Appended (O_APPEND), one
 * write per line and no buffer, so a crash loses no line already written and several runs can share
 * a file. The descriptor closes when the process exits.
 */
export interface LogFile {
  readonly path: string;
  writeLine(line: string): void;
}

export function openLogFile(file: string): LogFile {
  let fd: number;
  try {
    fd = openSync(file, 'a', 0o640);
  } catch (e) {
    throw new TsError({
      code: 'usage',
      message: `--log-file ${file}: cannot open it for appending (${sysCodeOf(e) ?? messageOf(e)})`,
      object: { file },
      suggestion: 'give a file in a directory that exists and that you may write to',
      cause: e,
    });
  }
  let broken = false;
  return {
    path: file,
    writeLine(line: string): void {
      if (broken) return;
      try {
        writeSync(fd, `${line}\n`);
      } catch {
        // A full disk must not stop a dump over its log: stop logging instead.
        broken = true;
        try {
          closeSync(fd);
        } catch {
          // already gone
        }
      }
    },
  };
}
