import { describe, expect, it } from 'vitest';
import type { Obligation } from '../api/types';
import { shanghaiDateTime } from '../lib/time';
import { obligationsCsv } from './Payouts';

describe('obligationsCsv', () => {
  it('writes amounts in yuan and times as Asia/Shanghai wall time', () => {
    const o = {
      id: 'o-1',
      claim_id: 'c-1',
      payout_type: 'final',
      amount_fen: 42982972,
      currency: 'CNY',
      state: 'completed',
      attempts: 1,
      scheduled_at: '2026-12-01T16:30:05Z',
      completed_at: '2026-12-01T23:59:59.5Z',
      value_date: '2026-12-02',
    } as unknown as Obligation;
    const [header = '', row = ''] = obligationsCsv([o]).trim().split(/\r?\n/);
    const cols = header.split(',');
    const cells = row.split(',');
    expect(cells[cols.indexOf('amount_yuan')]).toBe('429829.72');
    expect(cells[cols.indexOf('scheduled_at_shanghai')]).toBe('2026-12-02 00:30:05');
    expect(cells[cols.indexOf('completed_at_shanghai')]).toBe('2026-12-02 07:59:59');
  });
});

describe('shanghaiDateTime', () => {
  it('is empty for no time and Shanghai wall time otherwise', () => {
    expect(shanghaiDateTime(null)).toBe('');
    expect(shanghaiDateTime('2026-06-30T16:00:00Z')).toBe('2026-07-01 00:00:00');
  });
});
