// The risk of a deadline, shown by colour and by words (never by colour
// alone), and how far away its due time is.

import type { Risk } from '../api/types';
import { useI18n } from '../i18n/i18n';
import { hoursUntil } from '../lib/time';

export function RiskBadge({ risk }: { risk: Risk | undefined }) {
  const { tx } = useI18n();
  const r = risk ?? 'none';
  return (
    <span className={`badge risk risk-${r}`} data-testid="risk" data-risk={r}>
      <span className="dot" aria-hidden="true" />
      {tx('risk.' + r, r)}
    </span>
  );
}

/** "due in 3 days", "5 h overdue". */
export function DueText({ dueAt, now = Date.now() }: { dueAt: string; now?: number }) {
  const { t } = useI18n();
  const h = hoursUntil(dueAt, now);
  const abs = Math.abs(h);
  const text =
    h >= 0
      ? abs >= 48
        ? t('due.inDays', { n: Math.floor(abs / 24) })
        : t('due.inHours', { n: abs })
      : abs >= 48
        ? t('due.overDays', { n: Math.floor(abs / 24) })
        : t('due.overHours', { n: abs });
  return <span className={h < 0 ? 'due overdue' : 'due'}>{text}</span>;
}

export function StateBadge({ state }: { state: string }) {
  const { tx } = useI18n();
  return (
    <span className={`badge state state-${state}`} data-testid="case-state" data-state={state}>
      {tx('state.' + state, state)}
    </span>
  );
}

/** Open, paused, met (on time), missed (late) or cancelled. */
export function DeadlineStateBadge({ state }: { state: string }) {
  const { tx } = useI18n();
  return (
    <span className={`badge dstate-${state}`} data-testid="deadline-state" data-state={state}>
      {tx('dstate.' + state, state)}
    </span>
  );
}
