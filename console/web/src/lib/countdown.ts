// The queue's countdown (issue 20): to the nearer of the legal deadline and
// the internal target, in hours when under a day, else in whole days.

export interface Countdown {
  unit: 'hours' | 'days';
  n: number;
  overdue: boolean;
}

export function countdown(dueIso: string, now = Date.now()): Countdown | null {
  const ms = Date.parse(dueIso) - now;
  if (Number.isNaN(ms)) return null;
  const hours = Math.abs(ms) / 3_600_000;
  const overdue = ms < 0;
  if (hours < 24) return { unit: 'hours', n: overdue ? Math.ceil(hours) : Math.floor(hours), overdue };
  return { unit: 'days', n: Math.floor(hours / 24), overdue };
}
