import { describe, expect, it } from 'vitest';
import type { Case } from '../api/types';
import { mayOverride } from './Controls';

const base = { claim_id: 'c1', state: 'under_review', version: 1, decision: null } as unknown as Case;
const decidedBy = (who: string) => ({ ...base, decision: { decided_by: who } }) as unknown as Case;

describe('who may override a failing check', () => {
  it('is a senior handler', () => {
    expect(mayOverride(base, 's1', true)).toBe(true);
    expect(mayOverride(base, 'h1', false)).toBe(false);
  });
  it('is not the decider', () => {
    expect(mayOverride(decidedBy('s1'), 's1', true)).toBe(false);
    expect(mayOverride(decidedBy('h1'), 's1', true)).toBe(true);
  });
});
