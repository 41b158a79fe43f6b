// The three-way reconciliation of one day (issue 14): every payment of
// payout against adjudication's authorisation (agreement or advance
// approval) and the bank's execution, in amount and payee. Unmatched lines
// are alarms; finance investigates each.

import { useState } from 'react';
import type { ThreeWayLine } from '../api/types';
import { useI18n } from '../i18n/i18n';
import { download } from '../lib/csv';
import { formatFen } from '../lib/money';
import { shanghaiDate } from '../lib/time';
import { useSession } from '../session';
import { ErrorBox, Loading, Section, useAsync, useBusy } from './common';
import { DateInput } from './DateInput';

function fen(v: number | null): string {
  return v === null ? '—' : formatFen(v);
}

/** fenParams shows the amounts of an issue (params ending in _fen) in yuan. */
function fenParams(params: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(params).map(([k, v]) => [k, k.endsWith('_fen') ? formatFen(Number(v)) : v]));
}

function Line({ l }: { l: ThreeWayLine }) {
  const { t, tx, lang } = useI18n();
  return (
    <tr data-testid="three-way-row" data-status={l.status} data-claim={l.claim_id ?? ''}>
      <td>
        <span className={`badge ${l.status === 'unmatched' ? 'pay-failed' : l.status === 'matched' ? 'pay-completed' : ''}`}>
          {t(('payouts.threeWay.' + l.status) as 'payouts.threeWay.matched')}
        </span>
      </td>
      <td>
        <code title={l.claim_id}>{(l.claim_id ?? '').slice(0, 8) || '—'}</code>
        <div className="muted small">{l.payout_type ? tx('payouts.type.' + l.payout_type, l.payout_type) : l.bank_key}</div>
      </td>
      <td>{l.state ? tx('payouts.state.' + l.state, l.state) : '—'}</td>
      <td className="num">{formatFen(l.amount_fen)}</td>
      <td className="num">{fen(l.authorised_fen)}</td>
      <td className="num">{fen(l.executed_fen)}</td>
      <td className="small bad" data-testid="three-way-issues">
        {l.issue_codes
          ? l.issue_codes.map((i, k) => tx('threeway.issue.' + i.code, l.issues[k] ?? i.code, fenParams(i.params))).join(lang === 'en' ? '; ' : '；')
          : l.issues.join('; ')}
      </td>
    </tr>
  );
}

/** The three-way reconciliation of a chosen Asia/Shanghai day, with its CSV. */
export function ThreeWay() {
  const { t } = useI18n();
  const { api } = useSession();
  const [date, setDate] = useState(shanghaiDate(new Date()));
  const q = useAsync(() => api.threeWay(date), [api, date]);
  const csv = useBusy();
  const r = q.data;
  return (
    <Section title={t('payouts.threeWay')} testId="three-way">
      <div className="filters">
        <label className="field">
          <span>{t('payouts.threeWay.date')}</span>
          <DateInput value={date} onChange={(v) => v && setDate(v)} testId="three-way-date" />
        </label>
        <button type="button" className="btn" disabled={csv.busy} onClick={() => void csv.run(async () => download(await api.threeWayCsv(date), `three-way-${date}.csv`))} data-testid="three-way-csv">
          {t('common.exportCsv')}
        </button>
      </div>
      {csv.error ? <ErrorBox error={csv.error} /> : null}
      {q.error ? (
        <ErrorBox error={q.error} onRetry={q.reload} />
      ) : !r ? (
        <Loading />
      ) : (
        <>
          {!r.authorisations_checked && <p className="small bad">{t('payouts.threeWay.noAuth', { why: r.authorisations_unavailable ?? '' })}</p>}
          {r.lines.length === 0 ? (
            <p className="empty">{t('payouts.threeWay.empty')}</p>
          ) : (
            <>
              <p className="muted" data-testid="three-way-summary">
                {t('payouts.threeWay.summary', { n: r.lines.length, bad: r.unmatched })}
              </p>
              <table className="table compact" data-testid="three-way-table">
                <thead>
                  <tr>
                    <th />
                    <th>{t('payouts.col.claim')}</th>
                    <th>{t('payouts.col.state')}</th>
                    <th className="num">{t('payouts.col.amount')}</th>
                    <th className="num">{t('payouts.threeWay.authorised')}</th>
                    <th className="num">{t('payouts.threeWay.executed')}</th>
                    <th>{t('payouts.threeWay.issues')}</th>
                  </tr>
                </thead>
                <tbody>
                  {r.lines.map((l) => (
                    <Line key={(l.obligation_id ?? '') + (l.bank_key ?? '')} l={l} />
                  ))}
                </tbody>
              </table>
            </>
          )}
        </>
      )}
    </Section>
  );
}
