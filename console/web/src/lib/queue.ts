// The work queue's order: catastrophe claims first (R8), otherwise the
// service's own order (open deadlines soonest due, then paused ones, then
// cases owing none).

import type { QueueItem } from '../api/types';

/** Catastrophe claims first; otherwise the order the service gave (a stable sort). */
export function catastropheFirst(items: readonly QueueItem[]): QueueItem[] {
  return items
    .map((it, i) => ({ it, i }))
    .sort((a, b) => Number(!!b.it.catastrophe) - Number(!!a.it.catastrophe) || a.i - b.i)
    .map((x) => x.it);
}
