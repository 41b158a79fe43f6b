// One claim: the report, the checklist, documents, every deadline with its
// explanation, the timeline, payments, and the decision panel.

import { useEffect, useState, type ReactNode } from 'react';
import { ApiError, normalizeChecklist } from '../api/client';
import type { Case, Deadline, Obligation, Report } from '../api/types';
import { canDecide, canReadPayouts } from '../auth/permissions';
import { ChecklistPanel } from '../components/ChecklistPanel';
import { ErrorBox, Facts, Loading, Section, useAsync } from '../components/common';
import { DeadlineList } from '../components/DeadlineList';
import { DecisionPanel, RejectionLetter } from '../components/DecisionPanel';
import { Masked } from '../components/Masked';
import { StateBadge } from '../components/risk';
import { useI18n } from '../i18n/i18n';
import { formatFen } from '../lib/money';
import { formatDateTime } from '../lib/time';
import { Link, useRouter } from '../router';
import { useSession } from '../session';

/** How long the page waits for adjudication to open the case of a new claim request. */
const caseWaitMs = 90_000;

function ReportFacts({ r }: { r: Report }) {
  const { t, tx, lang } = useI18n();
  const rows: [string, ReactNode][] = [
    [t('claim.policy'), r.policy_number],
    [t('claim.insured'), r.insured_name],
    [t('claim.type'), tx('incident.' + r.incident_type, r.incident_type)],
    [t('claim.incidentTime'), formatDateTime(r.incident_time, lang)],
    [t('claim.reporter'), `${r.reporter.name}（${tx('reporter.' + r.reporter.role, r.reporter.role)}）`],
    [t('claim.reportedAt'), formatDateTime(r.reported_at, lang)],
    [t('claim.requestedAt'), r.claim_requested_at ? formatDateTime(r.claim_requested_at, lang) : t('claim.noRequest')],
  ];
  const idNumber = r.id_number ?? r.reporter.id_number;
  if (idNumber) rows.push([t('claim.idNumber'), <Masked kind="id_number" value={idNumber} />]);
  if (r.reporter.phone) rows.push([t('claim.phone'), <Masked kind="phone" value={r.reporter.phone} />]);
  if (r.bank_account) rows.push([t('claim.bankAccount'), <Masked kind="bank_account" value={r.bank_account} />]);
  return <Facts rows={rows} />;
}

function CaseFacts({ c }: { c: Case }) {
  const { t, lang } = useI18n();
  return (
    <Facts
      rows={[
        [t('claim.state'), <StateBadge state={c.state} />],
        [t('claim.firstReceived'), formatDateTime(c.first_received_at, lang)],
        [t('claim.openedAt'), formatDateTime(c.opened_at, lang)],
      ]}
    />
  );
}

function DecisionFacts({ c }: { c: Case }) {
  const { t, lang } = useI18n();
  const d = c.decision;
  if (!d) return null;
  const rows: [string, ReactNode][] = [
    [t('decision.result'), <strong data-testid="decision-outcome">{d.outcome === 'approve' ? t('decision.outcome.approve') : t('decision.outcome.reject')}</strong>],
  ];
  if (d.outcome === 'approve') rows.push([t('decision.amountFen'), <span data-testid="decision-amount">{formatFen(d.amount_fen)}</span>]);
  if (d.reason) rows.push([t('decision.reasonShown'), d.reason]);
  rows.push([t('decision.by'), d.decided_by], [t('decision.at'), formatDateTime(d.decided_at, lang)]);
  return <Facts rows={rows} />;
}

function Payments({ list, decided }: { list: Obligation[]; decided: boolean }) {
  const { t, tx, lang } = useI18n();
  if (list.length === 0) {
    return (
      <p className="muted" data-testid="claim-payouts-empty">
        {decided ? t('claim.payouts.pending') : t('claim.payouts.none')}
      </p>
    );
  }
  return (
    <ul className="plain" data-testid="claim-payouts">
      {list.map((o) => (
        <li key={o.id}>
          <strong>{formatFen(o.amount_fen)}</strong> · {tx('payouts.type.' + o.payout_type, o.payout_type)} ·{' '}
          <span className={`badge pay-${o.state}`}>{tx('payouts.state.' + o.state, o.state)}</span>{' '}
          <span className="muted small">
            {formatDateTime(o.completed_at ?? o.scheduled_at, lang)} {o.bank_reference && <code>{o.bank_reference}</code>}
          </span>
        </li>
      ))}
    </ul>
  );
}

export function Claim({ claimId }: { claimId: string }) {
  const { t } = useI18n();
  const { api, user } = useSession();
  const { location } = useRouter();
  const reportParam = location.query.get('report');

  const caseQ = useAsync(() => api.case(claimId), [api, claimId]);
  const c = caseQ.data;
  const reportId = c?.report_id ?? reportParam;
  const reportQ = useAsync(async () => (reportId ? api.report(reportId) : null), [api, reportId]);
  const deadlinesQ = useAsync(async () => {
    const lists = await Promise.all(
      (['adjudication', 'payout'] as const).map((s) => api.deadlines(s, { claim_id: claimId, limit: 100 }).then((p) => p.deadlines, () => [] as Deadline[])),
    );
    return lists.flat().sort((a, b) => Date.parse(a.due_at) - Date.parse(b.due_at));
  }, [api, claimId, c?.state]);
  const timelineQ = useAsync(() => api.timeline(claimId), [api, claimId, c?.state]);
  const payoutsQ = useAsync(
    async () => (canReadPayouts(user) ? (await api.obligations({ claim_id: claimId })).obligations : []),
    [api, claimId, c?.state, user],
  );

  // A claim request just made: adjudication opens the case from its event,
  // a moment later. Look again until it is there.
  const waiting = caseQ.error instanceof ApiError && caseQ.error.status === 404 && !!reportQ.data?.claim_requested_at;
  const [startedAt] = useState(() => Date.now());
  const reloadCase = caseQ.reload;
  useEffect(() => {
    if (!waiting || caseQ.loading || Date.now() - startedAt > caseWaitMs) return;
    const timer = window.setTimeout(reloadCase, 1000);
    return () => window.clearTimeout(timer);
  }, [waiting, caseQ.loading, reloadCase, startedAt]);

  // After an approval the payout is scheduled from events: look again for a while.
  const decided = c?.state === 'approved';
  const noPayment = payoutsQ.data !== undefined && payoutsQ.data.length === 0;
  const reloadPayouts = payoutsQ.reload;
  useEffect(() => {
    if (!decided || !noPayment || payoutsQ.loading || Date.now() - startedAt > 10 * caseWaitMs) return;
    const timer = window.setTimeout(reloadPayouts, 2000);
    return () => window.clearTimeout(timer);
  }, [decided, noPayment, payoutsQ.loading, reloadPayouts, startedAt]);

  const onChanged = () => {
    caseQ.reload();
  };

  const report = reportQ.data;
  const checklist = report ? normalizeChecklist(report.checklist) : null;

  return (
    <div className="page" data-testid="claim-page" data-claim={claimId}>
      <div className="page-head">
        <div>
          <Link to="/queue" className="muted small">
            ← {t('claim.back')}
          </Link>
          <h1>
            {t('claim.title', { id: claimId.slice(0, 8) })} {c && <StateBadge state={c.state} />}
          </h1>
          <code className="muted small">{claimId}</code>
        </div>
      </div>
      <div className="claim-grid">
        <div className="col">
          <Section title={t('claim.report')} testId="claim-report">
            {reportQ.loading && !report ? <Loading /> : report ? <ReportFacts r={report} /> : reportQ.error ? <ErrorBox error={reportQ.error} /> : <p className="muted">—</p>}
          </Section>
          {report && <ChecklistPanel incidentType={report.incident_type} items={checklist} />}
          <Section title={t('claim.documents')} testId="claim-documents">
            <p className="muted">{t('claim.documents.pending')}</p>
          </Section>
          <Section title={t('claim.timeline')} testId="claim-timeline">
            {timelineQ.loading && !timelineQ.data ? (
              <Loading />
            ) : timelineQ.error ? (
              <p className="muted">{t('claim.timeline.pending')}</p>
            ) : timelineQ.data && timelineQ.data.length > 0 ? (
              <ol className="timeline">
                {timelineQ.data.map((e, i) => (
                  <li key={i}>
                    <TimelineWhen at={e.at} /> <strong>{e.summary ?? e.description ?? e.type ?? e.kind}</strong>
                    {e.actor && <span className="muted small"> · {e.actor}</span>}
                  </li>
                ))}
              </ol>
            ) : (
              <p className="muted">{t('claim.timeline.empty')}</p>
            )}
          </Section>
        </div>
        <div className="col">
          <Section title={t('claim.case')} testId="claim-case">
            {c ? (
              <>
                <CaseFacts c={c} />
                {c.state === 'received' ? (
                  canDecide(user) ? (
                    <DecisionPanel c={c} onDecided={onChanged} />
                  ) : (
                    <p className="muted">{t('decision.notAllowed')}</p>
                  )
                ) : (
                  <DecisionFacts c={c} />
                )}
                {c.state === 'rejected' && <RejectionLetter c={c} canRecord={canDecide(user)} onRecorded={onChanged} />}
              </>
            ) : waiting ? (
              <p className="muted" data-testid="case-waiting">
                {t('claim.waitingCase')}
              </p>
            ) : caseQ.loading ? (
              <Loading />
            ) : caseQ.error instanceof ApiError && caseQ.error.status === 404 ? (
              <p className="muted">{report && !report.claim_requested_at ? t('claim.noRequest') : t('claim.noCase')}</p>
            ) : (
              <ErrorBox error={caseQ.error} onRetry={caseQ.reload} />
            )}
          </Section>
          <Section title={t('claim.deadlines')} testId="claim-deadlines">
            {deadlinesQ.data && deadlinesQ.data.length > 0 ? <DeadlineList deadlines={deadlinesQ.data} /> : deadlinesQ.loading ? <Loading /> : <p className="muted">{t('claim.deadlines.none')}</p>}
          </Section>
          {canReadPayouts(user) && (
            <Section title={t('claim.payouts')} testId="claim-payments">
              {payoutsQ.error ? <ErrorBox error={payoutsQ.error} /> : payoutsQ.data ? <Payments list={payoutsQ.data} decided={decided} /> : <Loading />}
            </Section>
          )}
        </div>
      </div>
    </div>
  );
}

function TimelineWhen({ at }: { at: string }) {
  const { lang } = useI18n();
  return <time dateTime={at}>{formatDateTime(at, lang)}</time>;
}
