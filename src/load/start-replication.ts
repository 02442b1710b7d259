import { TsError } from '../core/errors.js';
import { parseVersion, readReplicaStatus, type Flavor, type ReplicationSource } from '../db/flavor.js';
import type { Reporter } from '../core/events.js';
import type { Session } from '../db/session.js';
import type { Manifest } from '../format/manifest.js';
import type { ReplicationOptions } from './load-options.js';

/**
 * --start-replication (opt-in, step 13): the target becomes a replica of the dump's source — or,
 * for a dump of a replica taken with --replica-data, of that replica's source (the primary) — from
 * the manifest's coordinates: CHANGE MASTER TO / CHANGE REPLICATION SOURCE TO (db/flavor.ts) with
 * the connection given, START, then its state is reported once both threads run (or the error that
 * stops them). Refused up front when the coordinates are not exact, or the target replicates
 * already. The password is sent as a parameter and never appears in output or errors.
 */
export interface PlannedReplication {
  readonly source: ReplicationSource;
  /** 'upstream' when the dump came from a replica (--replica-data). */
  readonly from: 'dump-source' | 'upstream';
}

export function planReplication(m: Manifest, o: ReplicationOptions): PlannedReplication {
  const u = m.snapshot.upstream;
  const exact = u ? u.exact : m.snapshot.exact;
  const binlog = u ? u.binlog : m.snapshot.binlog;
  const gtid = u ? u.gtid : m.snapshot.gtid;
  if (!exact) {
    throw new TsError({ code: 'usage', message: '--start-replication: the dump\'s coordinates are NOT exact (taken without a consistent lock); a replica started there would miss or repeat transactions', suggestion: 'dump again with a lock (--lock-mode ftwrl or backup-stage), or set up replication by hand after checking the data' });
  }
  const host = o.host ?? (u ? u.host : m.server.host);
  const port = o.port ?? (u ? u.port : m.server.port);
  if (port === null || host.startsWith('/')) {
    throw new TsError({ code: 'usage', message: `--start-replication: the dump was taken over a socket (${host}); a replica needs the source's network address`, suggestion: 'pass --source-host and --source-port' });
  }
  if (o.useGtid && !gtid) throw new TsError({ code: 'usage', message: '--replication-gtid: the dump records no GTID set', suggestion: 'leave out --replication-gtid to replicate from the binlog position' });
  if (!o.useGtid && !binlog) throw new TsError({ code: 'usage', message: '--start-replication: the dump records no binlog position (binary logging off on its source)', suggestion: gtid ? 'pass --replication-gtid' : 'enable binary logging on the source and dump again' });
  return { source: { host, port, user: o.user, binlog, gtid: o.useGtid ? gtid : null }, from: u ? 'upstream' : 'dump-source' };
}

/** The statements, for --dry-run and the log: the password as the option that gives it. */
export function describeReplication(plan: PlannedReplication, flavor: Flavor, o: ReplicationOptions): string[] {
  const shown = `'<$${o.passwordEnv}>'`;
  return [
    `replication (${plan.from === 'upstream' ? 'from the source of the dumped replica' : 'from the dump\'s source'} ${plan.source.host}:${plan.source.port}):`,
    ...flavor.replica.changeSource(plan.source).map((s) => `  ${s.sql.replace('?', shown)};`),
    `  ${flavor.replica.startSql};`,
  ];
}

export function dryRunReplication(m: Manifest, o: ReplicationOptions): string[] {
  const flavor = parseVersion(m.server.version);
  return [...describeReplication(planReplication(m, o), flavor, o), `  (spelled for a ${flavor.kind} ${flavor.version} target like the source; a real run spells them for the target's version)`];
}

/** Before the load: the target must not replicate already (CHANGE MASTER would fail after all the work). */
export async function refuseRunningReplica(control: Session, flavor: Flavor): Promise<void> {
  const s = await readReplicaStatus(control, flavor);
  if (s && (s.ioRunning === 'Yes' || s.sqlRunning === 'Yes' || s.ioRunning === 'Connecting')) {
    throw new TsError({ code: 'usage', message: `--start-replication: the target replicates already (from ${s.host}:${s.port})`, suggestion: `stop and reset it first (${flavor.replica.stopSql}; RESET ${flavor.kind === 'mariadb' ? 'SLAVE ALL' : 'REPLICA ALL'}), or leave out --start-replication` });
  }
}

const POLL_MS = 500;
const WAIT_MS = 30_000;

export async function startReplication(control: Session, flavor: Flavor, plan: PlannedReplication, o: ReplicationOptions, reporter: Reporter, signal?: AbortSignal): Promise<string[]> {
  const hide = (text: string): string => (o.password === '' ? text : text.split(o.password).join('***'));
  try {
    for (const s of flavor.replica.changeSource(plan.source)) await control.exec(s.sql, s.password ? [o.password] : []);
    await control.exec(flavor.replica.startSql);
  } catch (e) {
    throw new TsError({ code: 'query', message: `--start-replication: ${hide(e instanceof Error ? e.message : String(e))}`, ...(e instanceof TsError && e.errno !== undefined ? { errno: e.errno } : {}), suggestion: 'the data is loaded and verified; fix the cause and run the statements that tsload --dry-run --start-replication prints' });
  }
  const lines = describeReplication(plan, flavor, o);
  for (let waited = 0; ; waited += POLL_MS) {
    const s = await readReplicaStatus(control, flavor);
    if (s && s.ioRunning === 'Yes' && s.sqlRunning === 'Yes') {
      const state = `replication running from ${s.host}:${s.port}: IO and SQL threads Yes, ${s.secondsBehind ?? '?'} s behind, executed up to ${s.binlog ? `${s.binlog.file}:${s.binlog.position}` : '?'}`;
      reporter.emit({ kind: 'info', message: state });
      lines.push(state);
      return lines;
    }
    if (s?.lastError || waited >= WAIT_MS || signal?.aborted) {
      throw new TsError({
        code: 'query',
        message: `--start-replication: replication from ${plan.source.host}:${plan.source.port} did not start: IO ${s?.ioRunning ?? '?'}, SQL ${s?.sqlRunning ?? '?'}${s?.lastError ? `: ${hide(s.lastError)}` : ` after ${WAIT_MS / 1000} s`}`,
        suggestion: `the data is loaded and verified and replication is configured; fix the cause (network, the replication account's REPLICATION SLAVE grant, its password) and run ${flavor.replica.startSql}`,
      });
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}
