// One timeline across intake, adjudication and payout (issue 20): the
// report, uploads, readings, corrections and notices, the case's audit,
// and the payments and returns, in time order, each marked with its
// service. The services answer their parts masked; this only orders them.

import type { AuditEntry, Obligation, Report } from '../api/types';
import { useI18n } from '../i18n/i18n';
import { formatFen } from '../lib/money';
import { formatDateTime } from '../lib/time';
import { Actor, ReasonText } from './ClaimParts';
import { adjudicationEvents, intakeEvents, mergeTimeline, payoutEvents, type TimelineEvent } from '../lib/timeline';

function Line({ e }: { e: TimelineEvent }) {
  const { tx, t } = useI18n();
  if (e.audit) {
    const a: AuditEntry = e.audit;
    return (
      <>
        <strong>{tx('action.' + a.action, a.action)}</strong>
        {a.from_state && a.to_state && a.from_state !== a.to_state && (
          <span className="small">
            {' '}
            {tx('state.' + a.from_state, a.from_state)} → {tx('state.' + a.to_state, a.to_state)}
          </span>
        )}
        {a.reason && <div className="small">{a.reason_code ? tx('auditreason.' + a.reason_code, a.reason) : <ReasonText text={a.reason} />}</div>}
      </>
    );
  }
  const vars: Record<string, string | number> = { ...e.vars };
  if (typeof vars.amount_fen === 'number') vars.amount = formatFen(vars.amount_fen);
  if (typeof vars.type === 'string') vars.type = vars.type ? tx('doctype.' + vars.type, tx('payouts.type.' + vars.type, String(vars.type))) : t('wb.tl.unknownType');
  if (typeof vars.channel === 'string') vars.channel = tx('noticeChannel.' + vars.channel, String(vars.channel));
  return <strong>{tx(`wb.tl.${e.source}.${e.kind}`, e.kind, vars)}</strong>;
}

export function UnifiedTimeline({ report, audit, payments }: { report: Report | null; audit: AuditEntry[] | undefined; payments: Obligation[] | undefined }) {
  const { t, lang } = useI18n();
  const events = mergeTimeline(report ? intakeEvents(report) : [], adjudicationEvents(audit ?? []), payoutEvents(payments ?? []));
  if (events.length === 0) return <p className="muted">{t('claim.timeline.empty')}</p>;
  return (
    <ol className="timeline" data-testid="unified-timeline">
      {events.map((e, i) => (
        <li key={i} data-testid="timeline-entry" data-source={e.source} data-action={e.kind}>
          <time dateTime={e.at}>{formatDateTime(e.at, lang)}</time> <span className={`badge badge-src-${e.source}`}>{t(`wb.tl.source.${e.source}`)}</span> <Line e={e} />
          {e.actor && (
            <span className="muted small">
              {' '}
              · <Actor who={e.actor} />
            </span>
          )}
        </li>
      ))}
    </ol>
  );
}
