// The guidance checklist (R1): what the reporter must provide. On a new
// report it shows the moment the incident type is chosen (intake's
// GET /v1/checklists, for the product when one is given); on a claim, each
// item with where it stands, the documents that satisfy it, and a handler's
// "mark satisfied" with the reason.

import type { Checklist, ChecklistItem, ClaimDocument, Report } from '../api/types';
import { canJudgeDocuments } from '../auth/permissions';
import { useI18n } from '../i18n/i18n';
import { bilingual, counts, itemView, pairText, satisfyingDocuments, type ItemView } from '../lib/checklist';
import { openBlob } from '../lib/csv';
import { formatDateTime } from '../lib/time';
import { useSession } from '../session';
import { ErrorBox, Loading, ReasonButton, useAsync, useBusy } from './common';

function ItemBadge({ view }: { view: ItemView }) {
  const { tx } = useI18n();
  return (
    <span className={`badge check-state-${view}`} data-testid="item-state">
      {tx('checklist.state.' + view, view)}
    </span>
  );
}

function Item({
  item,
  documents,
  report,
  onChanged,
  onSelectDocument,
}: {
  item: ChecklistItem;
  documents: readonly ClaimDocument[];
  report?: Report;
  onChanged?: (r: Report) => void;
  onSelectDocument?: (id: string) => void;
}) {
  const { t, tx, lang, tn } = useI18n();
  const { api, user } = useSession();
  const view = itemView(item, documents);
  const names = item.documents.map((d) => bilingual(d.name, d.name_en, lang));
  return (
    <li className={`check check-${view}`} data-testid="checklist-item" data-item={item.id} data-state={view}>
      <div className="check-main">
        <strong>{bilingual(item.title, item.title_en, lang)}</strong>
        <ItemBadge view={view} />
        {item.multiple && <span className="badge">{t('checklist.multiple')}</span>}
        {item.reminder && (
          <span className="badge badge-warn" title={pairText(item.reminder, lang)} data-testid="item-reminder">
            {t('checklist.r2')}
          </span>
        )}
      </div>
      <p className="muted small">{bilingual(item.description, item.description_en, lang)}</p>
      {names.length > 0 && (
        <p className="small">
          {names.length > 1 ? t('checklist.anyOf') : t('checklist.documentType')}: {names.join(lang === 'en' ? '; ' : '；')}
        </p>
      )}
      {item.condition && (
        <p className="small muted">
          {t('checklist.condition')}: {pairText(item.condition, lang)}
        </p>
      )}
      {satisfyingDocuments(item, documents).map((s) => (
        <p className="small" key={`${s.id}-${s.part}`} data-testid="item-document" data-doc={s.id} data-part={s.part}>
          {t('checklist.satisfiedBy')}:{' '}
          <button type="button" className="btn-link" onClick={() => onSelectDocument?.(s.id)}>
            {tx('doctype.' + s.type, s.type)} · <code>{s.document?.file_name ?? s.id.slice(0, 8)}</code>
            {s.pages && ` · ${t('viewer.pagesRange', { from: s.pages[0], to: s.pages[1] })}`}
          </button>
        </p>
      ))}
      {item.waiver && (
        <p className="small" data-testid="item-waiver">
          {tn('checklist.waived', { at: formatDateTime(item.waiver.at, lang) }, { by: item.waiver.by })}: {item.waiver.reason}
        </p>
      )}
      {report && onChanged && (view === 'missing' || view === 'reading') && canJudgeDocuments(user) && (
        <ReasonButton
          label={t('checklist.markSatisfied')}
          prompt={t('checklist.markSatisfied.reason')}
          confirmLabel={t('checklist.markSatisfied.confirm')}
          className="btn-small"
          testId="mark-satisfied"
          onConfirm={async (reason) => onChanged(await api.satisfyItem(report.id, item.id, reason))}
        />
      )}
    </li>
  );
}

function ChecklistBody({
  checklist,
  documents = [],
  report,
  onChanged,
  onSelectDocument,
}: {
  checklist: Checklist;
  documents?: readonly ClaimDocument[];
  report?: Report;
  onChanged?: (r: Report) => void;
  onSelectDocument?: (id: string) => void;
}) {
  const { t, lang } = useI18n();
  const n = counts(checklist);
  const reminders = checklist.items.filter((i) => i.reminder && i.state !== 'not_applicable');
  return (
    <>
      <p className="muted small">
        {bilingual(checklist.title, checklist.title_en, lang)} · {t('checklist.version', { v: checklist.version })}
      </p>
      {reminders.map((i) => (
        <p className="alert alert-warn" key={i.id} data-testid="disability-reminder">
          {t('checklist.r2')}: {pairText(i.reminder, lang)}
        </p>
      ))}
      {report && (
        <p className={checklist.complete ? 'alert alert-ok' : 'alert alert-warn'} data-testid="checklist-summary" data-complete={String(!!checklist.complete)}>
          {checklist.complete ? t('checklist.complete') : t('checklist.incomplete', { missing: n.missing, asked: n.asked })}
        </p>
      )}
      <ul className="checklist" data-testid="checklist-items">
        {checklist.items.map((i) => (
          <Item key={i.id} item={i} documents={documents} report={report} onChanged={onChanged} onSelectDocument={onSelectDocument} />
        ))}
      </ul>
      {checklist.basis && <p className="muted small">{t('checklist.basis', { basis: (lang === 'en' ? checklist.basis_en : checklist.basis_zh) ?? checklist.basis })}</p>}
    </>
  );
}

/** The checklist a new report of this type (and product) will be given. */
export function ChecklistPreview({ incidentType, product }: { incidentType: string; product: string }) {
  const { t } = useI18n();
  const { api } = useSession();
  const list = useAsync(async () => (incidentType ? api.checklist(incidentType, product || undefined) : null), [api, incidentType, product]);
  return (
    <aside className="card checklist-panel" data-testid="checklist-panel" aria-live="polite">
      <h2>{t('checklist.title')}</h2>
      {!incidentType ? (
        <p className="muted">{t('checklist.chooseType')}</p>
      ) : list.loading && !list.data ? (
        <Loading />
      ) : list.error ? (
        <ErrorBox error={list.error} onRetry={list.reload} />
      ) : list.data ? (
        <>
          {list.data.product === undefined && product && <p className="muted small">{t('checklist.standard', { product })}</p>}
          <ChecklistBody checklist={list.data} />
        </>
      ) : null}
    </aside>
  );
}

/** A report's checklist: each item's state and what satisfies it; handlers mark items satisfied. */
export function ReportChecklist({
  report,
  onChanged,
  onSelectDocument,
}: {
  report: Report;
  onChanged?: (r: Report) => void;
  onSelectDocument?: (id: string) => void;
}) {
  const { t } = useI18n();
  const { api } = useSession();
  const print = useBusy();
  const printable = () => void print.run(async () => openBlob(await api.checklistHtml(report.id), `checklist-${report.id}.html`));
  return (
    <section className="card checklist-panel" data-testid="checklist-panel" aria-live="polite">
      <header className="card-head">
        <h2>{t('checklist.title')}</h2>
        <button type="button" className="btn btn-small" onClick={printable} disabled={print.busy} data-testid="checklist-print">
          {t('checklist.print')}
        </button>
      </header>
      {print.error ? <ErrorBox error={print.error} /> : null}
      {report.checklist ? (
        <ChecklistBody checklist={report.checklist} documents={report.documents} report={report} onChanged={onChanged} onSelectDocument={onSelectDocument} />
      ) : (
        <p className="muted">{t('checklist.none')}</p>
      )}
    </section>
  );
}
