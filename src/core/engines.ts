/**
 * Engines whose transactions roll back and read from a snapshot: a failed statement leaves nothing, and
 * START TRANSACTION WITH CONSISTENT SNAPSHOT covers their tables. MyISAM, Aria, MEMORY and the like do
 * neither.
 */
const TRANSACTIONAL = new Set(['innodb', 'rocksdb', 'tokudb', 'ndbcluster']);

/** Whether a table's engine (information_schema.TABLES.ENGINE; null: a view or unknown, taken as transactional) rolls back. */
export function rollsBack(engine: string | null): boolean {
  return engine === null || TRANSACTIONAL.has(engine.toLowerCase());
}
