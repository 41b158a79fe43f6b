// One claim: the report with its checklist and documents (intake), the
// claim request, the notice of missing documents (R3), the case and its
// work (adjudication: review, checks, decision, four-eyes approval,
// rejection letter, agreement), every deadline of the three services with
// its explanation, the timeline, and the payments (payout).

import { useState, type ReactNode } from 'react';
import { isStatus, TRACKING_SERVICES } from '../api/client';
import { DECIDABLE, type Case, type Deadline, type Report } from '../api/types';
import { canDecide, canReadPayouts, canTakeReports, hasAny } from '../auth/permissions';
import { Advances, AgreementFacts, AgreementForm, CaseActions, Checks, RejectionLetterBox } from '../components/CaseWork';
import { ReportChecklist } from '../components/ChecklistPanel';
import { MissingDocumentsNotice, Payments } from '../components/ClaimParts';
import { CaseNotes } from '../components/CaseNotes';
import { FastChannel, fastChannelOf } from '../components/FastChannel';
import { SiteVisits } from '../components/SiteVisits';
import { UnifiedTimeline } from '../components/UnifiedTimeline';
import { reportOfClaim } from '../api/workbench';
import { ErrorBox, Facts, Field, Loading, Section, useAsync, useBusy, usePoll } from '../components/common';
import { CaseOwner, Signals } from '../components/Controls';
import { DeadlineList } from '../components/DeadlineList';
import { AutoPanel, type FieldTarget } from '../components/AutoPanel';
import { ApprovalPanel, DecisionFacts, DecisionPanel } from '../components/DecisionPanel';
import { Documents } from '../components/Documents';
import { Masked } from '../components/Masked';
import { StateBadge } from '../components/risk';
import { useI18n } from '../i18n/i18n';
import { intakeStage, isBeingRead } from '../lib/checklist';
import { formatFen } from '../lib/money';
import { formatDateTime, localInputToRFC3339 } from '../lib/time';
import { Link, useRouter } from '../router';
import { useSession } from '../session';
import { DateTimeInput } from '../components/DateInput';
import { regionName } from '../lib/regions';

/** How long the page looks again for a case or a payment that events will bring. */
const waitMs = 120_000;

function ReportFacts({ r }: { r: Report }) {
  const { t, tx, lang, tn } = useI18n();
  const rows: [string, ReactNode][] = [
    [t('claim.policy'), r.policy_number],
    [t('claim.insured'), r.insured_name],
    [t('claim.type'), tx('incident.' + r.incident_type, r.incident_type)],
    [t('claim.incidentTime'), formatDateTime(r.incident_time, lang)],
    [t('claim.reporter'), `${r.reporter.name}（${tx('reporter.' + r.reporter.role, r.reporter.role)}${r.reporter.relation ? ' · ' + tx('relation.' + r.reporter.relation, r.reporter.relation) : ''}）`],
    [t('claim.reportedAt'), formatDateTime(r.reported_at, lang)],
    [t('claim.requestedAt'), r.claim_requested_at ? formatDateTime(r.claim_requested_at, lang) : t('claim.noRequest')],
  ];
  if (r.product_code) rows.push([t('report.product'), r.product_code]);
  if (r.incident_place) rows.push([t('report.place'), <span data-testid="incident-place">{regionName(r.incident_place, lang)}</span>]);
  if (r.contact) rows.push([t('report.contact'), <Masked kind="contact" value={r.contact} />]);
  if (r.beneficiary) rows.push([t('report.beneficiary'), `${r.beneficiary.name}（${tx('relation.' + r.beneficiary.relation, r.beneficiary.relation)}）`]);
  if (r.claimed_amount_fen) rows.push([t('report.claimed'), formatFen(r.claimed_amount_fen)]);
  if (r.handed_over_at) rows.push([t('claim.handedOver'), formatDateTime(r.handed_over_at, lang)]);
  return (
    <>
      <Facts rows={rows} />
      {r.description && <p className="small">{r.description}</p>}
      {r.linked && <p className="alert alert-warn small">{t('report.linked', { id: r.duplicate_of ?? '' })}</p>}
      {r.linked_reports?.length ? (
        <>
          <h3>{t('report.linkedReports')}</h3>
          <ul className="small" data-testid="linked-reports">
            {r.linked_reports.map((l, i) => (
              <li key={i} data-testid="linked-report">
                {tn('report.linkedBy', { name: l.reporter.name, role: tx('reporter.' + l.reporter.role, l.reporter.role), at: formatDateTime(l.at, lang) }, { by: l.by })}
                {l.claimed_amount_fen ? ` · ${t('report.claimed')} ${formatFen(l.claimed_amount_fen)}` : ''}
                {l.description ? <p className="muted" data-testid="linked-report-description">{l.description}</p> : null}
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </>
  );
}

function CaseFacts({ c }: { c: Case }) {
  const { t, tx, lang } = useI18n();
  const rows: [string, ReactNode][] = [
    [t('claim.state'), <StateBadge state={c.state} />],
    [t('claim.firstReceived'), formatDateTime(c.first_received_at, lang)],
    [t('claim.openedAt'), formatDateTime(c.opened_at, lang)],
  ];
  if (c.claimed_amount_fen) rows.push([t('report.claimed'), formatFen(c.claimed_amount_fen)]);
  if (c.catastrophe)
    rows.push([
      t('claim.catastrophe'),
      <span data-testid="case-catastrophe">
        <span className="badge badge-cat">{c.catastrophe.code}</span>{' '}
        {t('claim.catTarget', { n: c.catastrophe.target_working_days, at: formatDateTime(c.catastrophe.target_due_at, lang) })} ·{' '}
        {tx('target.' + c.catastrophe.target_state, c.catastrophe.target_state)}
      </span>,
    ]);
  if (c.complex) rows.push([t('claim.complex'), `${c.complex.reason} · ${c.complex.by} · ${formatDateTime(c.complex.at, lang)}`]);
  if (c.closure) rows.push([t('claim.closed'), `${c.closure.reason} · ${c.closure.by} · ${formatDateTime(c.closure.at, lang)}`]);
  return <Facts rows={rows} />;
}

/** The claim request on a report; a request received on paper earlier gives its receipt time (R4 counts from it). */
function ClaimRequest({ report, onChanged }: { report: Report; onChanged: (r: Report) => void }) {
  const { t } = useI18n();
  const { api } = useSession();
  const [paper, setPaper] = useState('');
  const action = useBusy();
  const request = async () => {
    const received = paper ? (localInputToRFC3339(paper) ?? undefined) : undefined;
    const out = await action.run(() => api.requestClaim(report.id, received));
    if (out) onChanged(out);
  };
  return (
    <div className="claim-request" data-testid="claim-request">
      <Field label={t('report.paperReceived')} hint={t('report.paperHint')}>
        <DateTimeInput value={paper} onChange={setPaper} />
      </Field>
      {action.error ? <ErrorBox error={action.error} /> : null}
      <button type="button" className="btn btn-primary" onClick={() => void request()} disabled={action.busy} data-testid="request-claim">
        {t('report.requestClaim')}
      </button>
    </div>
  );
}

export function Claim({ claimId }: { claimId: string }) {
  const { t } = useI18n();
  const { api, user } = useSession();
  const { location } = useRouter();
  const reportParam = location.query.get('report');
  const [startedAt] = useState(() => Date.now());
  const [selectedDoc, setSelectedDoc] = useState<string | null>(null);
  // A field the straight-through panel asks the document viewer to show (issue 19).
  const [focus, setFocus] = useState<(FieldTarget & { seq: number }) | null>(null);
  const showField = (f: FieldTarget) => {
    setSelectedDoc(f.document_id);
    setFocus((prev) => ({ ...f, seq: (prev?.seq ?? 0) + 1 }));
  };

  const caseQ = useAsync(() => api.case(claimId), [api, claimId]);
  const c = caseQ.data;
  const caseMissing = isStatus(caseQ.error, 404);
  // A link with the claim only: intake says whether it knows the claim. An
  // unknown claim is not found at once; a known one waits a bounded time
  // for adjudication to open its case (issue 20).
  const byClaimQ = useAsync(async () => (caseMissing && !reportParam ? reportOfClaim(api, claimId) : null), [api, claimId, caseMissing, reportParam]);
  const unknownClaim = isStatus(byClaimQ.error, 404);
  const reportId = c?.report_id ?? reportParam ?? byClaimQ.data?.id ?? null;
  const reportQ = useAsync(async () => (reportId ? api.report(reportId) : null), [api, reportId]);
  const report = reportQ.data ?? null;
  const stage = report ? intakeStage(report) : null;

  const timelineQ = useAsync(async () => (c ? api.timeline(claimId) : []), [api, claimId, c?.version]);
  const readsPayouts = canReadPayouts(user);
  const payoutsQ = useAsync(async () => (readsPayouts && c ? (await api.obligations({ claim_id: claimId })).obligations : []), [api, claimId, c?.state, readsPayouts]);
  // Each service owes its own deadlines: intake R3, adjudication R4/R5/R7, payout R6/R9.
  const payments = (payoutsQ.data ?? []).map((o) => o.state).join();
  const deadlinesQ = useAsync(async () => {
    const lists = await Promise.all(
      TRACKING_SERVICES.map((s) => api.deadlines(s, { claim_id: claimId, limit: 100 }).then((p) => p.deadlines, () => [] as Deadline[])),
    );
    return lists.flat().sort((a, b) => Date.parse(a.due_at) - Date.parse(b.due_at));
  }, [api, claimId, c?.state, c?.version, report?.claim_requested_at, report?.missing_documents_notices?.length, report?.handed_over_at, payments]);

  // Documents are read off the request path: look again until they are.
  const reading = (report?.documents ?? []).some(isBeingRead);
  usePoll(reading, reportQ.reload, 1500);
  // A complete claim request goes to adjudication by event: wait for the case.
  const young = Date.now() - startedAt < waitMs;
  // Without the report (a link with the claim only), look for the case a while too.
  usePoll(caseMissing && !unknownClaim && (!!report?.handed_over_at || (!reportId && young)) && young, caseQ.reload, 1000);
  usePoll(caseMissing && stage === 'incomplete' && !reading && young, reportQ.reload, 3000);
  // After the agreement payout schedules and pays: look again until it has.
  const agreed = c?.state === 'agreed' || !!c?.agreement;
  const unpaid = !payoutsQ.data || payoutsQ.data.length === 0 || payoutsQ.data.some((o) => o.state === 'scheduled' || o.state === 'sent');
  usePoll(readsPayouts && agreed && unpaid, payoutsQ.reload, 1500);

  const onReport = (r: Report) => {
    reportQ.set(r);
    if (r.handed_over_at && caseMissing) caseQ.reload();
  };
  const onCase = (nc: Case) => caseQ.set(nc);

  const caseBody = () => {
    if (c) {
      const decidable = DECIDABLE.includes(c.state);
      return (
        <>
          <CaseFacts c={c} />
          <CaseOwner c={c} />
          <Signals signals={c.signals} />
          <AutoPanel claimId={claimId} version={c.version} documents={report?.documents} onShowField={report ? showField : undefined} />
          <CaseActions c={c} onChanged={onCase} />
          {c.state === 'awaiting_documents' && <p className="alert alert-warn small">{t('claim.awaitingDocuments')}</p>}
          {decidable && (canDecide(user) ? <DecisionPanel key={c.version} c={c} onDecided={onCase} /> : <p className="muted">{t('decision.notAllowed')}</p>)}
          {c.decision && <DecisionFacts d={c.decision} />}
          {c.state === 'pending_approval' && <ApprovalPanel c={c} onChanged={onCase} />}
          {(c.state === 'approved' || c.state === 'partly_approved') && <AgreementForm c={c} onChanged={onCase} />}
          <AgreementFacts c={c} />
          {c.decision?.outcome === 'reject' && c.decision.effective_at && <RejectionLetterBox c={c} onChanged={onCase} />}
          <Advances c={c} onChanged={onCase} />
        </>
      );
    }
    if (caseQ.loading && !caseQ.error) return <Loading />;
    if (!caseMissing) return <ErrorBox error={caseQ.error} onRetry={caseQ.reload} />;
    if (!report && unknownClaim)
      return (
        <p className="alert alert-warn" data-testid="case-not-found">
          {t('wb.claim.notFound', { id: claimId })}
        </p>
      );
    if (!report)
      return (
        <p className="muted" data-testid={young && !reportId ? 'case-waiting' : undefined}>
          {young && !reportId ? t('claim.waitingCase') : t('claim.noCase')}
        </p>
      );
    switch (stage) {
      case 'reported':
        return (
          <>
            <p className="muted" data-testid="claim-not-requested">
              {t('claim.noRequest')}
            </p>
            {canTakeReports(user) && <ClaimRequest report={report} onChanged={onReport} />}
          </>
        );
      case 'incomplete':
        return (
          <p className="alert alert-warn" data-testid="claim-incomplete">
            {reading ? t('claim.incompleteReading') : t('claim.incomplete')}
          </p>
        );
      default:
        return (
          <p className="muted" data-testid="case-waiting">
            {young ? t('claim.waitingCase') : t('claim.noCase')}
          </p>
        );
    }
  };

  return (
    <div className="page" data-testid="claim-page" data-claim={claimId}>
      <div className="page-head">
        <div>
          <Link to="/queue" className="muted small">
            ← {t('claim.back')}
          </Link>
          <h1>
            <ClaimTitle template={t('claim.title', { id: '\u0000' })} id={claimId.slice(0, 8)} /> {c && <StateBadge state={c.state} />}
          </h1>
          <code className="muted small">{claimId}</code>{' '}
          <a className="muted small" href={`/api/traces/claims/${encodeURIComponent(claimId)}`} target="_blank" rel="noreferrer" data-testid="claim-trace">
            {t('claim.trace')}
          </a>
        </div>
      </div>
      <div className="claim-grid">
        <div className="col">
          <Section title={t('claim.report')} testId="claim-report">
            {reportQ.loading && !report ? <Loading /> : report ? <ReportFacts r={report} /> : reportQ.error ? <ErrorBox error={reportQ.error} /> : <p className="muted">—</p>}
          </Section>
          {report && <ReportChecklist report={report} onChanged={onReport} onSelectDocument={setSelectedDoc} />}
          {report && <Documents report={report} selected={selectedDoc} onSelect={setSelectedDoc} onChanged={reportQ.reload} focus={focus} />}
          {report && report.claim_requested_at && (
            <Section title={t('notice.title')} testId="claim-notices">
              <MissingDocumentsNotice report={report} onSent={reportQ.reload} />
            </Section>
          )}
        </div>
        <div className="col">
          <Section title={t('claim.case')} testId="claim-case">
            {caseBody()}
          </Section>
          {c && ['received', 'under_review', 'complex'].includes(c.state) && (
            <Section title={t('checks.title')} testId="claim-checks">
              <Checks c={c} onChanged={onCase} />
            </Section>
          )}
          <Section title={t('claim.deadlines')} testId="claim-deadlines">
            {deadlinesQ.data && deadlinesQ.data.length > 0 ? (
              <DeadlineList deadlines={deadlinesQ.data} />
            ) : deadlinesQ.loading ? (
              <Loading />
            ) : (
              <p className="muted">{t('claim.deadlines.none')}</p>
            )}
          </Section>
          {readsPayouts && c && (
            <Section title={t('claim.payouts')} testId="claim-payments">
              <Payments list={payoutsQ.data} agreed={agreed} error={payoutsQ.error} onChanged={payoutsQ.reload} />
            </Section>
          )}
          {c && fastChannelOf(report) && (
            <Section title={t('wb.fast.title')} testId="claim-fast-channel">
              <FastChannel script={fastChannelOf(report)!} />
            </Section>
          )}
          {c?.catastrophe && (
            <Section title={t('wb.visit.title')} testId="claim-visits">
              <SiteVisits claimId={claimId} canWork={hasAny(user, ['handler', 'senior_handler', 'catastrophe_coordinator'])} />
            </Section>
          )}
          {c && (
            <Section title={t('wb.notes.title')} testId="claim-notes">
              <CaseNotes claimId={claimId} />
            </Section>
          )}
          <Section title={t('claim.timeline')} testId="claim-timeline">
            {timelineQ.error ? (
              <ErrorBox error={timelineQ.error} onRetry={timelineQ.reload} />
            ) : report || timelineQ.data ? (
              <UnifiedTimeline report={report} audit={timelineQ.data} payments={payoutsQ.data} />
            ) : timelineQ.loading || reportQ.loading ? (
              <Loading />
            ) : (
              <p className="muted">{t('claim.timeline.noCase')}</p>
            )}
          </Section>
        </div>
      </div>
    </div>
  );
}

/**
 * ClaimTitle writes the claim's title with its short id marked
 * translate="no": an id is no word to translate, even one of letters only
 * (aaecabeb). template is the title with the id's place as a NUL.
 */
function ClaimTitle({ template, id }: { template: string; id: string }) {
  const [before, after = ''] = template.split('\u0000');
  return (
    <>
      {before}
      <span translate="no">{id}</span>
      {after}
    </>
  );
}
