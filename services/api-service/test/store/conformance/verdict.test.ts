import { conformanceTable, judge } from './verdict';

describe('judging a measured capability against its declaration', () => {
  it('fails only a behaviour that is lacking where it is declared', () => {
    expect(judge(true, false)).toBe('lacking');
    expect(judge(false, false)).toBe('declared-lacking');
    expect(judge(true, true)).toBe('held');
  });

  it('reports, without failing, a declared-lacking behaviour that happened to hold', () => {
    expect(judge(false, true)).toBe('held (declared lacking)');
  });

  it('falls back on the declaration where the engine cannot be measured', () => {
    expect(judge(true, null)).toBe('declared held');
    expect(judge(false, null)).toBe('declared lacking');
  });

  it('prints one aligned line per capability under its title', () => {
    const table = conformanceTable('Store conformance: x', [
      { capability: 'indexedIn', status: 'held', evidence: 'explain: IXSCAN' },
      { capability: 'transactions', status: 'declared-lacking', evidence: 'refused' },
    ]);
    expect(table.split('\n')).toEqual([
      '',
      'Store conformance: x',
      '  capability    status            evidence',
      '  indexedIn     held              explain: IXSCAN',
      '  transactions  declared-lacking  refused',
      '',
    ]);
  });
});
