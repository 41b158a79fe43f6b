// Compliance (R13): per rule, the statutory deadlines due in a period that
// were met, missed and are still open, from every service that tracks
// them, as a chart and a table; each service's report exports as CSV.
// Decision deadlines are split by decision mode (issue 19): those met by an
// automatic decision and by a person's are counted apart.

import { Fragment, useState, type FormEvent } from 'react';
import { TRACKING_SERVICES, type Service } from '../api/client';
import type { ComplianceReport } from '../api/types';
import { mergeRules, worstDelays, type RuleRow } from '../lib/compliance';
import { formatDateTime } from '../lib/time';
import { Link } from '../router';
import { BarChart } from '../components/BarChart';
import { ErrorBox, Loading, PageHead, PeriodFields, Section, useAsync } from '../components/common';
import { useI18n } from '../i18n/i18n';
import { download } from '../lib/csv';
import { shanghaiDate } from '../lib/time';
import { useRouter } from '../router';
import { useSession } from '../session';

const services: readonly Service[] = TRACKING_SERVICES;
const datePattern = /^\d{4}-\d{2}-\d{2}$/;

function defaultPeriod(): { from: string; to: string } {
  const year = shanghaiDate(new Date()).slice(0, 4);
  return { from: `${year}-01-01`, to: `${year}-12-31` };
}

export function Compliance() {
  const { t, tx, lang } = useI18n();
  const { api } = useSession();
  const { location, navigate } = useRouter();
  const def = defaultPeriod();
  const from = location.query.get('from') ?? def.from;
  const to = location.query.get('to') ?? def.to;
  const [draft, setDraft] = useState({ from, to });
  const valid = datePattern.test(from) && datePattern.test(to) && from <= to;

  const q = useAsync(async () => {
    if (!valid) return { rows: [], worst: [] };
    const reports = await Promise.all(services.map((s) => api.compliance(s, from, to).then((r): [Service, ComplianceReport] => [s, r])));
    return { rows: mergeRules(reports), worst: worstDelays(reports) };
  }, [api, from, to, valid]);

  const show = (e: FormEvent) => {
    e.preventDefault();
    navigate(`/compliance?from=${draft.from}&to=${draft.to}`, { replace: true });
  };

  const exportCsv = async (s: Service) => {
    const blob = await api.complianceCsv(s, from, to);
    download(blob, `compliance-${s}-${from}-${to}.csv`);
  };

  const rows = q.data?.rows ?? [];
  const worst = q.data?.worst ?? [];
  const due = rows.filter((r) => r.total > 0);
  const label = (r: RuleRow) => `${r.r_number} ${tx('rule.' + r.rule, r.rule)}`;
  return (
    <div className="page" data-testid="compliance-page">
      <PageHead title={t('compliance.title')} subtitle={t('compliance.subtitle')} />
      <form className="filters" onSubmit={show}>
        <PeriodFields value={draft} onChange={setDraft} labels={[t('compliance.from'), t('compliance.to')]} testId="period" />
        <button type="submit" className="btn btn-primary">
          {t('compliance.show')}
        </button>
        {services.map((s) => (
          <button key={s} type="button" className="btn" onClick={() => void exportCsv(s)} disabled={!valid}>
            {t('common.exportCsv')} · {tx('service.' + s, s)}
          </button>
        ))}
      </form>
      {!valid && <p className="alert alert-error">{t('compliance.badPeriod')}</p>}
      {q.error ? <ErrorBox error={q.error} onRetry={q.reload} /> : null}
      {q.loading && !q.data ? (
        <Loading />
      ) : (
        <>
          <Section title={t('compliance.chart')}>
            {due.length === 0 ? (
              <p className="empty">{t('compliance.empty')}</p>
            ) : (
              <BarChart
                title={t('compliance.chart')}
                rows={due.map((r) => ({ label: label(r), met: r.met, missed: r.missed, open: r.open }))}
                legend={{ met: t('compliance.met'), missed: t('compliance.missed'), open: t('compliance.open') }}
              />
            )}
          </Section>
          {rows.some((r) => r.modes.length > 0) && <p className="hint">{t('complianceMode.hint')}</p>}
          <table className="table" data-testid="compliance-table">
            <thead>
              <tr>
                <th>{t('compliance.rule')}</th>
                <th>{t('compliance.service')}</th>
                <th className="num">{t('compliance.total')}</th>
                <th className="num">{t('compliance.met')}</th>
                <th className="num">{t('compliance.missed')}</th>
                <th className="num">{t('compliance.open')}</th>
                <th className="num">{t('compliance.openBreached')}</th>
                <th className="num">{t('compliance.rate')}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <Fragment key={r.rule}>
                  <tr data-testid="compliance-row" data-rule={r.rule} className={r.total === 0 ? 'muted' : ''}>
                    <td>{label(r)}</td>
                    <td>{r.services.map((s) => tx('service.' + s, s)).join('、') || '—'}</td>
                    <td className="num">{r.total}</td>
                    <td className={r.met > 0 ? 'num ok' : 'num'}>{r.met}</td>
                    <td className={r.missed > 0 ? 'num bad' : 'num'}>{r.missed}</td>
                    <td className="num">{r.open}</td>
                    <td className={r.open_breached > 0 ? 'num bad' : 'num'}>{r.open_breached}</td>
                    <td className="num">{r.met + r.missed > 0 ? `${(r.on_time_rate * 100).toFixed(1)}%` : '—'}</td>
                  </tr>
                  {r.modes.map((m) => (
                    <tr key={`${r.rule}-${m.mode}`} data-testid="compliance-mode-row" data-rule={r.rule} data-mode={m.mode} className="muted">
                      <td>{tx('complianceMode.' + (m.mode || 'none'), m.mode)}</td>
                      <td />
                      <td className="num">{m.total}</td>
                      <td className="num">{m.met}</td>
                      <td className={m.missed > 0 ? 'num bad' : 'num'}>{m.missed}</td>
                      <td className="num">{m.open}</td>
                      <td className={m.open_breached > 0 ? 'num bad' : 'num'}>{m.open_breached}</td>
                      <td className="num">{m.met + m.missed > 0 ? `${(m.on_time_rate * 100).toFixed(1)}%` : '—'}</td>
                    </tr>
                  ))}
                </Fragment>
              ))}
            </tbody>
          </table>
          {worst.length > 0 && (
            <Section title={t('compliance.worst')} testId="compliance-worst">
              <ul className="plain">
                {worst.map((w) => (
                  <li key={`${w.rule}-${w.claim_id}-${w.due_at}`}>
                    <strong>{`${w.r_number} ${tx('rule.' + w.rule, w.rule)}`}</strong> ·{' '}
                    <Link to={`/claims/${encodeURIComponent(w.claim_id)}`}>
                      <code>{w.claim_id.slice(0, 8)}</code>
                    </Link>{' '}
                    · {t('deadline.due')} {formatDateTime(w.due_at, lang)} · <span className="bad">{t('compliance.delay', { hours: Math.ceil(w.delay_seconds / 3600) })}</span>
                  </li>
                ))}
              </ul>
            </Section>
          )}
        </>
      )}
    </div>
  );
}
