// The candidate report of the same incident (issue 20): intake found an
// open report of the same policy, insured, incident type and date; the
// person entering the new one sees it and says whether it is the same
// incident (the new details are kept on it) or another one.

import type { DuplicateCandidate } from '../api/workbench';
import { useI18n } from '../i18n/i18n';
import { formatFen } from '../lib/money';
import { formatDateTime } from '../lib/time';
import { Facts } from './common';

export function DuplicatePrompt({
  candidate,
  busy,
  onLink,
  onNew,
  onCancel,
}: {
  candidate: DuplicateCandidate;
  busy: boolean;
  onLink: () => void;
  onNew: () => void;
  onCancel: () => void;
}) {
  const { t, tx, lang } = useI18n();
  const c = candidate;
  const rows: [string, string][] = [
    [t('claim.type'), tx('incident.' + c.incident_type, c.incident_type)],
    [t('claim.incidentTime'), formatDateTime(c.incident_time, lang)],
    [t('claim.reporter'), `${c.reporter.name}（${tx('reporter.' + c.reporter.role, c.reporter.role)}）`],
    [t('claim.reportedAt'), formatDateTime(c.reported_at, lang)],
    [t('claim.requestedAt'), c.claim_requested_at ? formatDateTime(c.claim_requested_at, lang) : t('claim.noRequest')],
  ];
  if (c.claimed_amount_fen) rows.push([t('report.claimed'), formatFen(c.claimed_amount_fen)]);
  return (
    <section className="card alert-warn" data-testid="duplicate-candidate" data-report={c.id}>
      <h2>{t('wb.dup.title')}</h2>
      <p>{t('wb.dup.explain')}</p>
      <Facts rows={rows} />
      {c.description && <p className="small">{c.description}</p>}
      {c.linked_reports > 0 && <p className="muted small">{t('wb.dup.linkedBefore', { n: c.linked_reports })}</p>}
      <div className="actions">
        <button type="button" className="btn btn-primary" onClick={onLink} disabled={busy} data-testid="dup-link">
          {t('wb.dup.link')}
        </button>
        <button type="button" className="btn" onClick={onNew} disabled={busy} data-testid="dup-new">
          {t('wb.dup.new')}
        </button>
        <button type="button" className="btn btn-ghost" onClick={onCancel} disabled={busy}>
          {t('common.cancel')}
        </button>
      </div>
    </section>
  );
}
