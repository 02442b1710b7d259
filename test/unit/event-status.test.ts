import { describe, expect, it } from 'vitest';
import { withEventStatus } from '../../src/load/event-status.js';

describe('withEventStatus (--events-disabled)', () => {
  const head = "CREATE DEFINER=`root`@`localhost` EVENT `e` ON SCHEDULE EVERY 1 DAY STARTS '2026-01-01 00:00:00' ON COMPLETION NOT PRESERVE";
  it('replaces the status clause SHOW CREATE EVENT prints', () => {
    expect(withEventStatus(`${head} ENABLE DO INSERT INTO t VALUES (1)`, 'DISABLE')).toBe(`${head} DISABLE DO INSERT INTO t VALUES (1)`);
    expect(withEventStatus(`${head} DISABLE ON SLAVE DO SELECT 1`, 'DISABLE')).toBe(`${head} DISABLE DO SELECT 1`);
    expect(withEventStatus(`${head} ENABLE COMMENT 'x' DO SELECT 1`, 'DISABLE ON SLAVE')).toBe(`${head} DISABLE ON SLAVE COMMENT 'x' DO SELECT 1`);
  });
  it('ignores the words in strings, quoted names and the body', () => {
    const sql = `${head.replace('`e`', '`enable do`')} ENABLE COMMENT 'ENABLE DO it' DO BEGIN ALTER EVENT x ENABLE; END`;
    expect(withEventStatus(sql, 'DISABLE')).toBe(`${head.replace('`e`', '`enable do`')} DISABLE COMMENT 'ENABLE DO it' DO BEGIN ALTER EVENT x ENABLE; END`);
  });
  it('adds the clause when there is none', () => {
    expect(withEventStatus(`${head} COMMENT 'c' DO SELECT 1`, 'DISABLE')).toBe(`${head} DISABLE COMMENT 'c' DO SELECT 1`);
    expect(withEventStatus(`${head} DO SELECT 1`, 'DISABLE')).toBe(`${head} DISABLE DO SELECT 1`);
  });
});
