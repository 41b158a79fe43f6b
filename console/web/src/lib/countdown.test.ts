import { describe, expect, it } from 'vitest';
import { countdown } from './countdown';

describe('countdown', () => {
  const now = Date.parse('2026-12-02T00:00:00Z');
  it('counts hours under a day and days above', () => {
    expect(countdown('2026-12-02T05:30:00Z', now)).toEqual({ unit: 'hours', n: 5, overdue: false });
    expect(countdown('2026-12-02T23:59:00Z', now)).toEqual({ unit: 'hours', n: 23, overdue: false });
    expect(countdown('2026-12-03T00:00:00Z', now)).toEqual({ unit: 'days', n: 1, overdue: false });
    expect(countdown('2026-12-05T12:00:00Z', now)).toEqual({ unit: 'days', n: 3, overdue: false });
  });
  it('says how late an overdue one is', () => {
    expect(countdown('2026-12-01T22:30:00Z', now)).toEqual({ unit: 'hours', n: 2, overdue: true });
    expect(countdown('2026-11-28T00:00:00Z', now)).toEqual({ unit: 'days', n: 4, overdue: true });
  });
  it('gives nothing for a time it cannot read', () => {
    expect(countdown('soon', now)).toBeNull();
  });
});
