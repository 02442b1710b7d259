/**
 * Follows the session variables that decide how a script's INSERTs are read — the client's
 * character set, the time zone, the sql_mode — through its SET statements, as one session running
 * the whole script (`mariadb < file`) would have them: mysqldump saves and restores them
 * (`SET @OLD_TIME_ZONE=@@TIME_ZONE` … `SET TIME_ZONE=@OLD_TIME_ZONE`), so two dumps concatenated
 * into one file switch them back and forth.
 *
 * Values are compared, not interpreted. Understood (also inside /*!NNNNN … *\/): `SET NAMES x`,
 * `SET CHARACTER SET x`, and the assignments set-assignments.ts reads (`= DEFAULT`: the initial
 * value). Anything else leaves the state as it was.
 */
import { setAssignments } from './set-assignments.js';

export const TRACKED_SESSION_VARIABLES = ['character_set_client', 'time_zone', 'sql_mode'] as const;
export type TrackedSessionVariable = (typeof TRACKED_SESSION_VARIABLES)[number];
export type SessionState = Readonly<Record<TrackedSessionVariable, string>>;

/** What a variable the script never set holds: the load's sessions start with utf8mb4, as the client does. */
export const INITIAL_SQL_MODE = '(the server default)';
const INITIAL: SessionState = { character_set_client: 'utf8mb4', time_zone: '(the server default)', sql_mode: INITIAL_SQL_MODE };

const NAMES = /^\s*SET\s+(?:NAMES|CHARACTER\s+SET|CHARSET)\s+('?)([A-Za-z0-9_]+)\1/i;

const charset = (v: string): string => (v === 'utf8' ? 'utf8mb3' : v);

/** The first INSERT read under other values than the header's, and how they differ. */
export interface StateChange {
  readonly line: number;
  readonly table: string;
  readonly database: string | null;
  readonly changes: readonly string[];
}

export class SessionStateTracker {
  private readonly vars = new Map<string, string>(Object.entries(INITIAL));
  /** The state once the header's SETs ran: what every session of the load starts in. */
  private header: SessionState | null = null;
  private first: StateChange | null = null;

  get change(): StateChange | null {
    return this.first;
  }

  /** The script's header ends here. */
  headerEnds(): void {
    this.header = this.state;
  }

  /** An INSERT: the first one read under other values than the header's is kept (change). */
  insert(line: number, table: string, database: string | null): void {
    if (this.first !== null || this.header === null) return;
    const changes = stateDifference(this.header, this.state);
    if (changes.length > 0) this.first = { line, table, database, changes };
  }

  /** The character_set_client a statement read now runs under in `mariadb < file`, when not the header's (null: it is, or the header is still being read). */
  get clientChange(): string | null {
    if (this.header === null) return null;
    const now = this.vars.get('character_set_client')!;
    return now === this.header.character_set_client ? null : now;
  }

  /** The character_set_client once the header ran (the current one while it is being read). */
  get headerCharset(): string {
    return (this.header ?? this.state).character_set_client;
  }

  get state(): SessionState {
    return { character_set_client: this.vars.get('character_set_client')!, time_zone: this.vars.get('time_zone')!, sql_mode: this.vars.get('sql_mode')! };
  }

  /** Takes note of a statement (its head is enough: SET statements are short). */
  observe(head: string): void {
    const names = NAMES.exec(head.replace(/\/\*M?!\d*|\*\//g, ' '));
    if (names) {
      this.vars.set('character_set_client', charset(names[2]!.toLowerCase()));
      return;
    }
    for (const { variable, value } of setAssignments(head)) {
      const initial: Readonly<Record<string, string>> = INITIAL;
      const v = value.kind === 'text' ? value.text : value.kind === 'variable' ? (this.vars.get(value.name) ?? '(unset)') : (initial[variable] ?? '(unset)');
      this.vars.set(variable, variable === 'character_set_client' ? charset(v.toLowerCase()) : v);
    }
  }
}

/** The variables whose values differ, as `name 'a' → 'b'`. */
export function stateDifference(before: SessionState, after: SessionState): string[] {
  return TRACKED_SESSION_VARIABLES.filter((v) => before[v] !== after[v]).map((v) => `${v} ${before[v]} → ${after[v]}`);
}
