// The service indicators (R13) per branch or handler, computed by
// adjudication from the decisions and payout's completed payments, as a
// chart and a table like the compliance report; and the catastrophe daily
// report. Both export as CSV.

import { useState, type FormEvent } from 'react';
import type { IndicatorLine } from '../api/reports';
import { BarChart } from '../components/BarChart';
import { ErrorBox, Loading, PageHead, PeriodFields, Section, useAsync } from '../components/common';
import { useI18n } from '../i18n/i18n';
import { download } from '../lib/csv';
import { formatFen } from '../lib/money';
import { formatDate, shanghaiDate } from '../lib/time';
import { useRouter } from '../router';
import { useSession } from '../session';

const datePattern = /^\d{4}-\d{2}-\d{2}$/;
const pct = (r: number, n: number) => (n > 0 ? `${(r * 100).toFixed(1)}%` : '—');
const days = (hours: number, n: number) => (n > 0 ? (hours / 24).toFixed(1) : '—');

export function Indicators() {
  const { t, lang } = useI18n();
  const { api } = useSession();
  const { location, navigate } = useRouter();
  const today = shanghaiDate(new Date());
  const from = location.query.get('from') ?? `${today.slice(0, 7)}-01`;
  const to = location.query.get('to') ?? today;
  const group = location.query.get('group') === 'handler' ? 'handler' : 'branch';
  const code = location.query.get('catastrophe') ?? '';
  const [draft, setDraft] = useState({ from, to });
  const [codeDraft, setCodeDraft] = useState(code);
  const valid = datePattern.test(from) && datePattern.test(to) && from <= to;
  const q = useAsync(async () => (valid ? api.indicators(from, to, group) : null), [api, from, to, group, valid]);
  const cat = useAsync(async () => (valid && code ? api.catastropheReport(code, from, to) : null), [api, code, from, to, valid]);

  const go = (p: { from?: string; to?: string; group?: string; catastrophe?: string }) => {
    const s = new URLSearchParams({ from, to, group, ...(code ? { catastrophe: code } : {}) });
    for (const [k, v] of Object.entries(p)) {
      if (v) s.set(k, v);
      else s.delete(k);
    }
    navigate(`/indicators?${s.toString()}`, { replace: true });
  };
  const show = (e: FormEvent) => {
    e.preventDefault();
    go({ ...draft, catastrophe: codeDraft.trim() });
  };

  const lines: IndicatorLine[] = q.data ? [...q.data.lines, q.data.total] : [];
  const label = (l: IndicatorLine) => (l.group === 'total' && q.data && l === q.data.total ? t('indicators.total') : l.group || t('indicators.none'));
  return (
    <div className="page" data-testid="indicators-page">
      <PageHead title={t('indicators.title')} subtitle={t('indicators.subtitle')} />
      <form className="filters" onSubmit={show}>
        <PeriodFields value={draft} onChange={setDraft} labels={[t('indicators.from'), t('indicators.to')]} testId="period" />
        <label className="field inline">
          <span>{t('indicators.group')}</span>
          <select value={group} onChange={(e) => go({ group: e.target.value })} data-testid="indicators-group">
            <option value="branch">{t('indicators.byBranch')}</option>
            <option value="handler">{t('indicators.byHandler')}</option>
          </select>
        </label>
        <label className="field inline">
          <span>{t('indicators.catastrophe')}</span>
          <input value={codeDraft} onChange={(e) => setCodeDraft(e.target.value)} placeholder="TY-2026-09" />
        </label>
        <button type="submit" className="btn btn-primary">
          {t('compliance.show')}
        </button>
        <button type="button" className="btn" disabled={!valid} onClick={() => void api.indicatorsCsv(from, to, group).then((b) => download(b, `indicators-${group}-${from}-${to}.csv`))}>
          {t('common.exportCsv')}
        </button>
      </form>
      {!valid && <p className="alert alert-error">{t('compliance.badPeriod')}</p>}
      {q.error ? <ErrorBox error={q.error} onRetry={q.reload} /> : null}
      {q.loading && !q.data ? (
        <Loading />
      ) : (
        <>
          <Section title={t('indicators.chart')}>
            {!q.data || q.data.lines.length === 0 ? (
              <p className="empty">{t('indicators.empty')}</p>
            ) : (
              <BarChart
                title={t('indicators.chart')}
                rows={q.data.lines.map((l) => ({
                  label: label(l),
                  met: l.decided_within_5_working_days,
                  missed: l.decided - l.decided_within_5_working_days,
                  open: l.withdrawn,
                }))}
                legend={{ met: t('indicators.within5'), missed: t('indicators.later'), open: t('indicators.withdrawn') }}
              />
            )}
          </Section>
          <table className="table" data-testid="indicators-table">
            <thead>
              <tr>
                <th>{t(group === 'handler' ? 'indicators.byHandler' : 'indicators.byBranch')}</th>
                <th className="num">{t('indicators.decided')}</th>
                <th className="num">{t('indicators.fiveDayRate')}</th>
                <th className="num">{t('indicators.paidShare')}</th>
                <th className="num">{t('indicators.claimToPayment')}</th>
                <th className="num">{t('indicators.incidentToPayment')}</th>
                <th className="num">{t('indicators.small')}</th>
                <th className="num">{t('indicators.smallOneDay')}</th>
                <th className="num">{t('indicators.smallFiveDay')}</th>
                <th className="num">{t('indicators.withdrawn')}</th>
              </tr>
            </thead>
            <tbody>
              {lines.map((l, i) => (
                <tr key={`${l.group}-${i}`} data-testid="indicators-row" className={i === lines.length - 1 ? 'total' : ''}>
                  <td>{label(l)}</td>
                  <td className="num">{l.decided}</td>
                  <td className="num">{pct(l.five_day_closure_rate, l.decided)}</td>
                  <td className="num">{pct(l.paid_share, l.decided)}</td>
                  <td className="num">{days(l.avg_claim_to_payment_hours, l.payments_completed)}</td>
                  <td className="num">{days(l.avg_incident_to_payment_hours, l.payments_completed)}</td>
                  <td className="num">{l.small_decided}</td>
                  <td className="num">{pct(l.small_one_day_closure_rate, l.small_decided)}</td>
                  <td className="num">{pct(l.small_five_day_closure_rate, l.small_decided)}</td>
                  <td className="num">{l.withdrawn}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="muted small">{t('indicators.note')}</p>
        </>
      )}
      {code && (
        <Section
          title={t('indicators.catastropheReport', { code })}
          testId="catastrophe-report"
          actions={
            <button type="button" className="btn" disabled={!valid} onClick={() => void api.catastropheReportCsv(code, from, to).then((b) => download(b, `catastrophe-${code}-${from}-${to}.csv`))}>
              {t('common.exportCsv')}
            </button>
          }
        >
          {cat.error ? <ErrorBox error={cat.error} onRetry={cat.reload} /> : null}
          {cat.data && (
            <table className="table">
              <thead>
                <tr>
                  <th>{t('cat.date')}</th>
                  <th className="num">{t('cat.valid')}</th>
                  <th className="num">{t('cat.deaths')}</th>
                  <th className="num">{t('cat.disabilities')}</th>
                  <th className="num">{t('cat.medical')}</th>
                  <th className="num">{t('cat.closed')}</th>
                  <th className="num">{t('cat.advances')}</th>
                  <th className="num">{t('cat.estimated')}</th>
                  <th className="num">{t('cat.rate')}</th>
                </tr>
              </thead>
              <tbody>
                {cat.data.days.map((d) => (
                  <tr key={d.date}>
                    <td>{formatDate(d.date, lang)}</td>
                    <td className="num">
                      {d.valid_cases} (+{d.new_cases})
                    </td>
                    <td className="num">{d.deaths}</td>
                    <td className="num">{d.disabilities}</td>
                    <td className="num">{d.medical}</td>
                    <td className="num">
                      {d.closed} (+{d.new_closed})
                    </td>
                    <td className="num">
                      {d.advances_paid} · {formatFen(d.advances_paid_fen)}
                    </td>
                    <td className="num">{formatFen(d.estimated_fen)}</td>
                    <td className="num">{pct(d.handling_rate, d.valid_cases)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Section>
      )}
    </div>
  );
}
