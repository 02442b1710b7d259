/**
 * Where the host, port or socket of a connection came from, for a connect error's hint: "check -h/-P"
 * misleads when the port was MYSQL_TCP_PORT or a line of ~/.my.cnf. Only settings that did not come
 * from the command line are named; never the password.
 */

/** One of host/port/socket as resolved, and where it came from (undefined: the command line, or not set). */
export interface EndpointPart {
  readonly name: 'host' | 'port' | 'socket';
  readonly value: string | number | undefined;
  readonly from: string | undefined;
}

/** "host db.example from /etc/my.cnf, port 1 from MYSQL_TCP_PORT", or undefined when every part set came from the command line. */
export function endpointOrigin(parts: readonly EndpointPart[]): string | undefined {
  const told = parts.filter((p) => p.value !== undefined && p.from !== undefined).map((p) => `${p.name} ${p.value} from ${p.from}`);
  return told.length > 0 ? told.join(', ') : undefined;
}

/**
 * The source of a setting, in resolveConnection's order: undefined for the command line, then
 * --url, then the option file that set it (`file` when its value was used), then the environment.
 */
export function sourceOf(cli: unknown, url: unknown, file: string | undefined, env: string): string | undefined {
  if (cli !== undefined) return undefined;
  if (url !== undefined) return '--url';
  return file ?? env;
}
