/**
 * Whether a SQL script ends the way the tool that wrote it ends a whole export: what tells a
 * complete file from one cut exactly between two statements (a dump that died half-way, its output
 * flushed), which reads the same up to its last byte. Each tool writes its own last words:
 *
 * - mysqldump / mariadb-dump: the `-- Dump completed` line; without comments (--skip-comments,
 *   --compact but with its SETs) the statements restoring the session variables its header saved
 *   (`SET @OLD_TIME_ZONE=@@TIME_ZONE` … `SET TIME_ZONE=@OLD_TIME_ZONE`), written by the same
 *   footer code; HeidiSQL writes the same restores (`SET TIME_ZONE=IFNULL(@OLD_TIME_ZONE, …)`).
 * - phpMyAdmin (its header comment): one `COMMIT` closing the transaction its header (or, of two
 *   exports concatenated, the last one's) opened ('Enclose export in a transaction', the default), last but for SETs; and, saved
 *   as a file, the restores of its SET NAMES.
 * - Adminer: a last comment line with the time of the export (`-- 2024-01-31 12:00:00`).
 * - Navicat (its header comment): `SET FOREIGN_KEY_CHECKS = 1` last, turning back on what its
 *   header turned off — written once, at the very end.
 *
 * Only a marker the tool writes once, at the end, tells a whole file: a COMMIT or a `SET
 * FOREIGN_KEY_CHECKS = 1` of any other script may close one table of many (mysqldump
 * --no-autocommit commits after each table; a hand-made script may turn the checks back on after
 * each), so a file cut just after one reads like a whole one. A file with none of them cannot be
 * told from a cut one: refused, with what would make it pass (--force).
 */
import type { Classified } from './sql-classify.js';

export const FOOTER = /^-- Dump completed\b/m;

/** A user variable a header statement saves a server variable in: `@OLD_TIME_ZONE=@@TIME_ZONE`. */
const SAVE = /@([A-Za-z0-9_$.]+)\s*:?=\s*@@/g;
/** A variable set back from a user variable: `TIME_ZONE=@OLD_TIME_ZONE`, `SQL_MODE=IFNULL(@OLD_SQL_MODE, '')`. */
const RESTORE = /[A-Za-z0-9_]\s*:?=\s*(?:IFNULL\s*\(\s*)?@([A-Za-z0-9_$.]+)/gi;
/** The header turns foreign key checks off (`SET FOREIGN_KEY_CHECKS = 0`); the end sets them again (to 1, or back from a user variable). */
const FK_OFF = /(?<![@\w])FOREIGN_KEY_CHECKS\s*:?=\s*(?:0|OFF)\b/i;
const FK_SET = /(?<![@\w])FOREIGN_KEY_CHECKS\s*:?=/i;
/** Not a user variable's name: the mark that the header turned foreign key checks off. */
const FK = '=foreign_key_checks';

const ADMINER_HEAD = /^(?:\uFEFF|\xEF\xBB\xBF)?-- Adminer \S+ .*dump\s*$/m;
const ADMINER_END = /^-- \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s*$/;
const PHPMYADMIN_HEAD = /^(?:\uFEFF|\xEF\xBB\xBF)?-- phpMyAdmin SQL Dump\s*$/m;
const NAVICAT_HEAD = /^\s*Navicat .*Data Transfer\s*$/m;

export class ScriptEnding {
  /** User variables the header saved server variables in. */
  private readonly saved = new Set<string>();
  /** User variables set back from since the last statement other than a SET or a transaction's. */
  private readonly restored = new Set<string>();
  private headerOpened = false;
  /** The last statement other than a SET is a COMMIT. */
  private committed = false;
  /** COMMITs since the last START TRANSACTION (null: none since the file began). */
  private commits: number | null = null;

  /** Every statement of the script, in order; `inHeader` as the planner decided it for this one. */
  observe(what: Classified, head: string, inHeader: boolean): void {
    if (what.kind === 'set') {
      if (inHeader) {
        for (const m of head.matchAll(SAVE)) this.saved.add(m[1]!.toLowerCase());
        if (FK_OFF.test(head)) this.saved.add(FK);
      } else {
        for (const m of head.matchAll(RESTORE)) this.restored.add(m[1]!.toLowerCase());
        if (FK_SET.test(head)) this.restored.add(FK);
      }
      return;
    }
    if (what.kind === 'transaction') {
      if (inHeader && what.open) this.headerOpened = true;
      this.committed = what.op === 'commit';
      if (what.op === 'begin') this.commits = 0;
      else if (this.committed && this.commits !== null) this.commits++;
      return;
    }
    this.restored.clear();
    this.committed = false;
  }

  /**
   * Null when the script (which ends outside any statement) ends as a whole export does; else why
   * it cannot count as complete. `start` and `tail` are the script's first and last bytes.
   */
  problem(start: Buffer, tail: Buffer): string | null {
    const end = tail.toString('latin1');
    if (FOOTER.test(end)) return null;
    const head = start.toString('latin1');
    const navicat = NAVICAT_HEAD.test(head);
    // the mark of FOREIGN_KEY_CHECKS turned off and on again counts for Navicat only (see above)
    const saved = [...this.saved].filter((v) => v !== FK || navicat);
    if (saved.length > 0 && saved.every((v) => this.restored.has(v))) return null;
    if (PHPMYADMIN_HEAD.test(head) && this.headerOpened && this.committed && this.commits === 1) return null;
    const lines = end.split(/\r?\n/).filter((l) => l.trim() !== '');
    if (ADMINER_HEAD.test(head) && ADMINER_END.test(lines.at(-1) ?? '')) return null;
    if (PHPMYADMIN_HEAD.test(head)) {
      return this.headerOpened
        ? 'the phpMyAdmin export does not end with the COMMIT of the transaction its header opened'
        : "the phpMyAdmin export ends with nothing that tells it from a file cut between two statements (exported without 'Enclose export in a transaction' and not saved as a file)";
    }
    if (ADMINER_HEAD.test(head)) return "the Adminer export has no '-- <date and time>' line at its end";
    if (navicat) return 'the Navicat export does not end with the SET FOREIGN_KEY_CHECKS = 1 it writes last';
    if (saved.length > 0) return "the file has no '-- Dump completed' line at its end, nor the statements restoring the session settings its header saved";
    if (this.committed || this.restored.has(FK)) {
      return `the file has no '-- Dump completed' line at its end; its last ${this.committed ? 'COMMIT' : 'SET FOREIGN_KEY_CHECKS'} may as well close one table of many as the whole file (a file cut right after it reads the same)`;
    }
    return "the file has no '-- Dump completed' line at its end";
  }
}
