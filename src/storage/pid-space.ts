import { readFileSync, readlinkSync } from 'node:fs';

/**
 * Where a pid means one process: this boot's PID namespace (Linux: `<boot_id>/pid:[<inode>]`).
 * Containers sharing a hostname (k8s hostNetwork, docker --network host) have PID namespaces of
 * their own, where another's pid is not seen, or is another process. Undefined where the system
 * does not tell it.
 */
export function readPidSpace(): string | undefined {
  try {
    return `${readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim()}/${readlinkSync('/proc/self/ns/pid')}`;
  } catch {
    return undefined;
  }
}
