import { describe, expect, it } from 'vitest';
import type { OptionFileSystem } from '../../src/cli/option-files.js';
import { booleanOption, groupsFor, mergeOptionGroups, optionFileList, parseOptionText, readOptionFiles } from '../../src/cli/option-files.js';
import { TsError } from '../../src/core/errors.js';

/** An in-memory file system: path → contents; directories are derived from the paths. */
function memFs(files: Record<string, string>): OptionFileSystem {
  return {
    readFile: (f) => files[f],
    listDir: (d) => {
      const names = Object.keys(files)
        .filter((f) => f.startsWith(d + '/') && !f.slice(d.length + 1).includes('/'))
        .map((f) => f.slice(d.length + 1));
      return names.length ? names : undefined;
    },
    readBytes: (f) => (files[f] === undefined ? undefined : Buffer.from(files[f])),
  };
}

function parse(text: string, files: Record<string, string> = {}): Record<string, string> {
  return mergeOptionGroups(parseOptionText(text, '/etc/x/my.cnf', memFs(files)), groupsFor('tsdump'));
}

describe('option file syntax', () => {
  it('reads groups, key=value with spaces, and ignores comments and other groups', () => {
    const o = parse(`
# comment
; another
[mysqld]
port = 9999
[client]
host=db.example
port = 3307   # trailing comment
user =  alice
`);
    expect(o).toEqual({ host: 'db.example', port: '3307', user: 'alice' });
  });

  it('treats dashes and underscores (and case, and loose-) the same in keys', () => {
    const o = parse('[client]\nssl_mode=REQUIRED\nLOOSE_SSL_CA=/ca.pem\n[tsdump]\nchunk_size=8M\n');
    expect(o).toEqual({ 'ssl-mode': 'REQUIRED', 'ssl-ca': '/ca.pem', 'chunk-size': '8M' });
  });

  it('gives bare keys the value true, but ignores a bare password', () => {
    const o = parse('[client]\nquick\npassword\ncompress # c\n');
    expect(o).toEqual({ quick: 'true', compress: 'true' });
  });

  it('unquotes values and decodes escapes; # inside quotes is not a comment', () => {
    const o = parse(`[client]
password = "p#ss \\"w\\" \\\\ x"  # comment
a = 'single # quoted'
b = "tab\\there\\snl\\n"
c = unquoted\\svalue
d = ""
e =
`);
    expect(o.password).toBe('p#ss "w" \\ x');
    expect(o.a).toBe('single # quoted');
    expect(o.b).toBe('tab\there nl\n');
    expect(o.c).toBe('unquoted value');
    expect(o.d).toBe('');
    expect(o.e).toBe('');
  });

  it('lets a later line win whichever of the groups read it is in (the mysql client\'s file order, not a group ranking)', () => {
    const o = parse('[tsdump]\nuser=tool\nthreads=8\n[client]\nuser=a\nhost=h1\n[client]\nhost=h2\n[tsload]\nthreads=2\n');
    expect(o).toEqual({ user: 'a', host: 'h2', threads: '8' });
    // the reviewer's case: the mysql client connects to 3306 here
    expect(parse('[tsdump]\nport=1\n[client]\nport=3306\n')).toEqual({ port: '3306' });
    expect(parse('[client]\nport=3306\n[tsdump]\nport=1\n')).toEqual({ port: '1' });
    // a boolean's prefixes too: the last line read decides
    expect(booleanOption(parseOptionText('[tsdump]\nskip-ssl\n[client]\nssl\n', '/f', memFs({})), groupsFor('tsdump'), 'ssl')).toBe(true);
  });

  it('applies an include in place of its line, and later files after earlier ones, across groups', () => {
    expect(parse('[tsdump]\nport=1\n!include /etc/x/inc.cnf\n', { '/etc/x/inc.cnf': '[client]\nport=2\n' })).toEqual({ port: '2' });
    expect(parse('[client]\n!include /etc/x/inc.cnf\nport=3\n', { '/etc/x/inc.cnf': '[tsdump]\nport=2\n' })).toEqual({ port: '3' });
    const fs = memFs({ '/etc/my.cnf': '[tsdump]\nhost=global-tool\n', '/home/u/.my.cnf': '[client]\nhost=home-client\n' });
    expect(readOptionFiles({ tool: 'tsdump', env: { HOME: '/home/u' } }, fs)).toEqual({ host: 'home-client' });
  });

  it('reads [client<suffix>] and [<tool><suffix>] with a group suffix too', () => {
    const text = '[client]\nhost=a\nuser=u\n[client_prod]\nhost=b\n[tsdump]\nport=1\n[tsdump_prod]\nport=2\n[tsload_prod]\nport=3\n';
    const entries = parseOptionText(text, '/f', memFs({}));
    expect(mergeOptionGroups(entries, groupsFor('tsdump', '_prod'))).toEqual({ host: 'b', user: 'u', port: '2' });
    expect(mergeOptionGroups(entries, groupsFor('tsdump'))).toEqual({ host: 'a', user: 'u', port: '1' });
    expect(groupsFor('tsload', '_prod')).toEqual(['client-server', 'client', 'client-mariadb', 'client_prod', 'tsload', 'tsload_prod']);
  });

  it('follows !include (relative to the including file) and !includedir (*.cnf, sorted)', () => {
    const files = {
      '/etc/x/extra.cnf': '[client]\nuser=included\n',
      '/etc/x/conf.d/b.cnf': '[client]\nport=2\n',
      '/etc/x/conf.d/a.cnf': '[client]\nport=1\nhost=from-a\n',
      '/etc/x/conf.d/ignored.txt': '[client]\nhost=nope\n',
    };
    const o = parse('[client]\nhost=main\n!include extra.cnf\n!includedir /etc/x/conf.d\n!include /missing.cnf\n', files);
    expect(o).toEqual({ host: 'from-a', user: 'included', port: '2' });
  });

  it('stops include loops', () => {
    const files = { '/etc/x/my.cnf': '[client]\n!include my.cnf\n' };
    expect(() => parse(files['/etc/x/my.cnf'], files)).toThrow(/nested/);
  });

  it('reports syntax errors with the file and line', () => {
    try {
      parse('[client]\nhost=a\n[broken\n');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(TsError);
      expect((e as TsError).code).toBe('usage');
      expect((e as TsError).message).toMatch(/line 3/);
      expect((e as TsError).object.file).toBe('/etc/x/my.cnf');
    }
    expect(() => parse('host=a\n')).toThrow(/outside of any \[group\]/);
    expect(() => parse('[client]\npassword="abc\n')).toThrow(/unterminated/);
  });
});

describe('which option files are read', () => {
  const env = { HOME: '/home/u' };

  it('reads the global files, then the extra file, then ~/.my.cnf', () => {
    expect(optionFileList({ tool: 'tsdump', env, defaultsExtraFile: '/x.cnf' }).map((f) => f.file)).toEqual([
      '/etc/my.cnf',
      '/etc/mysql/my.cnf',
      '/x.cnf',
      '/home/u/.my.cnf',
    ]);
  });

  it('reads only --defaults-file when given, and nothing with --no-defaults', () => {
    expect(optionFileList({ tool: 'tsdump', env, defaultsFile: '/only.cnf' })).toEqual([{ file: '/only.cnf', required: true }]);
    // as the mysql and mariadb clients: with --defaults-file, --defaults-extra-file is not read
    expect(optionFileList({ tool: 'tsdump', env, defaultsFile: '/only.cnf', defaultsExtraFile: '/x.cnf' })).toEqual([{ file: '/only.cnf', required: true }]);
    const fs = memFs({ '/main.cnf': '[client]\nport=3306\n', '/extra.cnf': '[client]\nport=1\n' });
    expect(readOptionFiles({ tool: 'tsdump', env, defaultsFile: '/main.cnf', defaultsExtraFile: '/extra.cnf' }, fs)).toEqual({ port: '3306' });
    expect(readOptionFiles({ tool: 'tsdump', env, defaultsFile: '/main.cnf', defaultsExtraFile: '/missing.cnf' }, fs)).toEqual({ port: '3306' });
    expect(optionFileList({ tool: 'tsdump', env, noDefaults: true, defaultsFile: '/only.cnf' })).toEqual([]);
  });

  it('merges files in order, skips missing default files, and fails on a missing --defaults-file', () => {
    const fs = memFs({
      '/etc/my.cnf': '[client]\nhost=global\nuser=g\n',
      '/home/u/.my.cnf': '[client]\nhost=home\n[tsload]\nthreads=3\n',
    });
    expect(readOptionFiles({ tool: 'tsload', env }, fs)).toEqual({ host: 'home', user: 'g', threads: '3' });
    expect(readOptionFiles({ tool: 'tsdump', env }, fs)).toEqual({ host: 'home', user: 'g' });
    expect(() => readOptionFiles({ tool: 'tsdump', env, defaultsFile: '/nope.cnf' }, fs)).toThrow(/not found/);
  });
});
