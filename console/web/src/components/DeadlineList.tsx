// Every deadline of a claim, with its due time, risk, legal basis and the
// explanation of how it was counted.

import type { Deadline } from '../api/types';
import { useI18n } from '../i18n/i18n';
import { formatDate, formatDateTime } from '../lib/time';
import { DeadlineStateBadge, DueText, RiskBadge } from './risk';

export function DeadlineList({ deadlines }: { deadlines: Deadline[] }) {
  const { t, tx, lang } = useI18n();
  return (
    <ul className="deadlines" data-testid="deadlines">
      {deadlines.map((d) => (
        <li key={d.id} className={`deadline row-risk-${d.risk}`} data-testid="deadline" data-rule={d.rule}>
          <div className="deadline-head">
            <strong>
              {d.r_number} · {tx('rule.' + d.rule, d.rule)}
            </strong>
            {(d.state === 'open' || d.state === 'paused') && <RiskBadge risk={d.risk} />}
            <DeadlineStateBadge state={d.state} />
          </div>
          <div className="small">
            {t('deadline.due')}: {formatDateTime(d.due_at, lang)}{' '}
            {(d.state === 'open' || d.state === 'paused') && <DueText dueAt={d.due_at} />}
            {d.done_at && <span className="muted"> · {t('deadline.done', { at: formatDateTime(d.done_at, lang) })}</span>}
          </div>
          {d.provisional && <p className="alert alert-warn small">{t('deadline.provisional')}</p>}
          <details>
            <summary>{t('deadline.explanation')}</summary>
            <p className="small">
              <strong>{t('deadline.basis')}:</strong> {d.basis_citations ? d.basis_citations.map((c) => (lang === 'en' ? c.en : c.zh)).join(lang === 'en' ? '; ' : '；') : d.basis}
            </p>
            {d.counting ? (
              <p className="small explanation" data-testid="deadline-counting">
                {t('deadline.counting', {
                  start: formatDate(d.counting.start_date, lang),
                  period: tx('deadline.counting.' + d.counting.unit, String(d.counting.length), { n: d.counting.length }),
                  due: formatDateTime(d.due_at, lang),
                })}
                {d.counting.contract && ` ${t('deadline.counting.contract')}`}
                {d.counting.company_target && ` ${t('deadline.counting.companyTarget')}`}
                {d.counting.pauses > 0 && ` ${t('deadline.counting.pauses', { n: d.counting.pauses })}`}
              </p>
            ) : (
              <p className="small explanation">{d.explanation}</p>
            )}
          </details>
        </li>
      ))}
    </ul>
  );
}
