/**
 * Replaces the process title (what ps and /proc/<pid>/cmdline show for argv) with the bin name, so
 * a `-p<password>` or `--url mysql://u:pw@…` does not show, as the mysql client overwrites its argv.
 * Imported by the bins' entry files before the commands' modules load: loading them takes longer
 * than Node's own start-up (≈ 70 ms against ≈ 20 ms), and argv shows until this runs.
 */
export function hideSecretsFromProcessTitle(tool: 'tsdump' | 'tsload'): void {
  try {
    process.title = tool;
  } catch {
    /* some platforms refuse; nothing else to do */
  }
}
