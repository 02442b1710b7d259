/**
 * Follows a script's sql_mode the way the mysql client does (it reads the server's
 * NO_BACKSLASH_ESCAPES status flag after each statement): mysqldump sets a routine's or trigger's
 * own sql_mode before its CREATE and restores the saved one after it, and a body created under
 * NO_BACKSLASH_ESCAPES holds strings like '\' that only split right in that mode.
 *
 * Understood: the SET assignments set-assignments.ts reads, of sql_mode and of user variables
 * (`SET @v = @@sql_mode` … `SET sql_mode = @v`); `= DEFAULT` is the initial mode.
 */
import { setAssignments } from './set-assignments.js';

const NBE = /\bNO_BACKSLASH_ESCAPES\b/i;

export class SqlModeTracker {
  private readonly initial: string;
  /** sql_mode and the user variables (`@name`) the script set. */
  private readonly vars = new Map<string, string>();

  private nbe: boolean;

  constructor(initialMode = '') {
    this.initial = initialMode;
    this.vars.set('sql_mode', initialMode);
    this.nbe = NBE.test(initialMode);
  }

  get sqlMode(): string {
    return this.vars.get('sql_mode')!;
  }

  /** NO_BACKSLASH_ESCAPES is in the mode (asked twice per statement: worked out when the mode is set). */
  get noBackslashEscapes(): boolean {
    return this.nbe;
  }

  /** Takes note of a statement (its head is enough: SET statements are short). */
  observe(head: string): void {
    for (const { variable, value } of setAssignments(head)) {
      if (variable !== 'sql_mode' && !variable.startsWith('@')) continue;
      const v = value.kind === 'text' ? value.text : value.kind === 'variable' ? this.vars.get(value.name) : variable === 'sql_mode' ? this.initial : undefined;
      if (v === undefined) continue;
      this.vars.set(variable, v);
      if (variable === 'sql_mode') this.nbe = NBE.test(v);
    }
  }
}
