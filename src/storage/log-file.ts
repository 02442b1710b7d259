import { closeSync, openSync, renameSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
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

/**
 * Replaces a small text file at once (write a temporary file beside it, then rename): a reader such
 * as node_exporter's textfile collector sees the old content or the new, never half of it. The
 * temporary name does not end in `.prom`, so the collector ignores it.
 */
export function replaceTextFile(file: string, text: string): void {
  const temp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(temp, text, { mode: 0o644 });
    renameSync(temp, file);
  } catch (e) {
    try {
      unlinkSync(temp);
    } catch {
      // never written
    }
    throw new TsError({ code: 'io', message: `--metrics-file ${file}: cannot write it (${sysCodeOf(e) ?? messageOf(e)})`, object: { file }, suggestion: 'give a file in a directory that exists and that you may write to (node_exporter: its --collector.textfile.directory)', cause: e });
  }
}
