// A claim's supporting documents: upload (file picker or drag and drop),
// the list with each one's reading state and parts, and the viewer: the
// pages (DocumentViewer) beside the text OCR read and the fields taken from it (type, confidence,
// amounts, dates), with a handler's correction form. Reading happens off
// the request path in intake; the claim page polls while it runs.

import { useRef, useState, type DragEvent, type FormEvent } from 'react';
import { DOCUMENT_TYPES, type ClaimDocument, type Fields, type Report } from '../api/types';
import { canJudgeDocuments, canTakeReports } from '../auth/permissions';
import { useI18n } from '../i18n/i18n';
import { isBeingRead } from '../lib/checklist';
import { download } from '../lib/csv';
import { correctionOf, draftFor, type CorrectionDraft } from '../lib/correction';
import { partsOf } from '../lib/viewer';
import { formatFen } from '../lib/money';
import { formatDateTime } from '../lib/time';
import { useSession } from '../session';
import { ErrorBox, Field, Loading, ReasonButton, Section, useAsync, useBusy } from './common';
import { DateInput } from './DateInput';
import { DocumentViewer, type FieldFocus } from './DocumentViewer';

/** The formats intake takes; it recognises them from the content, not the name. */
const accept = 'image/jpeg,image/png,image/tiff,application/pdf,application/ofd,.jpg,.jpeg,.png,.tif,.tiff,.pdf,.ofd';

/** The title of a checklist item of report in lang (medical_invoices → 医疗费用发票), its id when unknown. */
function itemTitle(report: Report, id: string, lang: string): string {
  const item = report.checklist?.items.find((i) => i.id === id);
  return item ? (lang === 'en' ? item.title_en : item.title) : id;
}

function DocState({ d }: { d: ClaimDocument }) {
  const { tx } = useI18n();
  return (
    <span className={`badge doc-${d.state}`} data-testid="doc-state">
      {tx('docstate.' + d.state, d.state)}
    </span>
  );
}

function Confidence({ value }: { value: number | undefined }) {
  if (value === undefined) return <>—</>;
  const pct = Math.round(value * 100);
  return (
    <span className={`badge ${pct >= 80 ? 'conf-high' : pct >= 50 ? 'conf-mid' : 'conf-low'}`} data-testid="doc-confidence">
      {pct}%
    </span>
  );
}

/** The fields read from a document, as a definition list; only those found (revealed: in full, R11). */
export function FieldList({ fields, revealed = false }: { fields: Fields; revealed?: boolean }) {
  const { t } = useI18n();
  const rows: [string, string, string][] = [];
  if (fields.id_number) rows.push(['id_number', t(revealed ? 'field.id_number.full' : 'field.id_number'), fields.id_number]);
  if (fields.names?.length) rows.push(['names', t('field.names'), fields.names.join('、')]);
  if (fields.total_amount_fen !== undefined) rows.push(['total_amount_fen', t('field.total_amount'), formatFen(fields.total_amount_fen)]);
  if (fields.amount_figures_fen !== undefined) rows.push(['amount_figures_fen', t('field.amount_figures'), formatFen(fields.amount_figures_fen)]);
  if (fields.amount_capitals_fen !== undefined) rows.push(['amount_capitals_fen', t('field.amount_capitals'), formatFen(fields.amount_capitals_fen)]);
  if (fields.event_date) rows.push(['event_date', t('field.event_date'), fields.event_date]);
  if (fields.invoice_number) rows.push(['invoice_number', t('field.invoice_number'), fields.invoice_number]);
  if (rows.length === 0) return <p className="muted small">{t('doc.noFields')}</p>;
  return (
    <dl className="facts" data-testid="doc-fields">
      {rows.map(([k, label, v]) => (
        <div className="fact" key={k}>
          <dt>{label}</dt>
          <dd data-testid={`doc-field-${k}`}>{v}</dd>
        </div>
      ))}
      {fields.amounts_disagree && <p className="alert alert-error small">{t('doc.amountsDisagree')}</p>}
    </dl>
  );
}

/** The documents whose file shows a resident ID or account number: intake serves it only for a reason (R11). */
const sealedTypes = new Set(['id_card', 'bank_card']);

/**
 * The download of a document's file. The file of an ID card or a bank card
 * is downloaded only once revealed (the reveal passes it as revealed).
 */
function DownloadFile({ report, d, revealed, sealed }: { report: Report; d: ClaimDocument; revealed: Blob | null; sealed: boolean }) {
  const { t } = useI18n();
  const { api } = useSession();
  if (sealed && !revealed) return null;
  const save = async () => download(revealed ?? (await api.documentContent(report.id, d.id)), d.file_name || `${d.id}.${d.media}`);
  return (
    <p className="small">
      <button type="button" className="btn btn-small" onClick={() => void save()}>
        {t('doc.download')}
      </button>
      <span className="muted small"> {t('doc.viewLogged')}</span>
    </p>
  );
}

/**
 * The correction of a document's type or fields; blank fields stay as they
 * are. Its state is the draft of the document it shows (keyed by the
 * document's id, and made again when another document comes in), and the
 * request names the type shown, so that a draft never lands on another
 * document (issue 20).
 */
function CorrectionForm({
  report,
  d,
  documentId = d.id,
  part = 0,
  title,
  onCorrected,
}: {
  report: Report;
  d: ClaimDocument;
  /** The document corrected, and the part of it d shows (issue 18). */
  documentId?: string;
  part?: number;
  title?: string;
  onCorrected: (d: ClaimDocument) => void;
}) {
  const { t, tx } = useI18n();
  const { api } = useSession();
  const [kept, setDraft] = useState<CorrectionDraft>(() => draftFor(d));
  const draft = kept.docId === d.id ? kept : draftFor(d);
  const set = (k: keyof Omit<CorrectionDraft, 'docId'>) => (v: string) =>
    setDraft((prev) => ({ ...(prev.docId === d.id ? prev : draftFor(d)), [k]: v }));
  const { type, amount, eventDate, invoice, names, idNumber, note } = draft;
  const setType = set('type');
  const setAmount = set('amount');
  const setEventDate = set('eventDate');
  const setInvoice = set('invoice');
  const setNames = set('names');
  const setIdNumber = set('idNumber');
  const setNote = set('note');
  const [invalid, setInvalid] = useState<string | null>(null);
  const action = useBusy();

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const made = correctionOf(d, draft);
    if ('problem' in made) {
      if (made.problem === 'other_document') setDraft(draftFor(d));
      return setInvalid(made.problem === 'amount' ? t('decision.amount.invalid') : t('doc.correction.nothing'));
    }
    setInvalid(null);
    const out = await action.run(() => api.correctDocument(report.id, documentId, part ? { ...made.correction, part } : made.correction));
    if (out) onCorrected(out);
  };

  return (
    <form className="correction" onSubmit={submit} data-testid="correction-form" noValidate>
      <h3>{title ?? t('doc.correction')}</h3>
      <div className="row">
        <Field label={t('doc.type')}>
          <select value={type} onChange={(e) => setType(e.target.value)} data-testid="correction-type">
            <option value="">—</option>
            {DOCUMENT_TYPES.map((dt) => (
              <option key={dt} value={dt}>
                {tx('doctype.' + dt, dt)}
              </option>
            ))}
          </select>
        </Field>
        <Field label={t('field.total_amount')}>
          <input inputMode="decimal" value={amount} onChange={(e) => setAmount(e.target.value)} placeholder="0.00" data-testid="correction-amount" />
        </Field>
      </div>
      <div className="row">
        <Field label={t('field.event_date')}>
          <DateInput value={eventDate} onChange={setEventDate} />
        </Field>
        <Field label={t('field.invoice_number')}>
          <input value={invoice} onChange={(e) => setInvoice(e.target.value)} />
        </Field>
      </div>
      <div className="row">
        <Field label={t('field.names')}>
          <input value={names} onChange={(e) => setNames(e.target.value)} />
        </Field>
        <Field label={t('field.id_number')} hint={t('doc.correction.idHint')}>
          <input value={idNumber} onChange={(e) => setIdNumber(e.target.value)} autoComplete="off" />
        </Field>
      </div>
      <Field label={t('doc.correction.note')}>
        <input value={note} onChange={(e) => setNote(e.target.value)} maxLength={1000} data-testid="correction-note" />
      </Field>
      {invalid && <p className="alert alert-error">{invalid}</p>}
      {action.error ? <ErrorBox error={action.error} /> : null}
      <button type="submit" className="btn btn-primary" disabled={action.busy} data-testid="correction-submit">
        {t('doc.correction.submit')}
      </button>
    </form>
  );
}

/** One document: the page beside what was read from it. */
function Viewer({
  report,
  id,
  version,
  onChanged,
  focus,
}: {
  report: Report;
  id: string;
  version: string;
  onChanged: () => void;
  focus?: FieldFocus | null;
}) {
  const { t, tx, lang, tn } = useI18n();
  const { api, user } = useSession();
  const q = useAsync(() => api.document(report.id, id), [api, report.id, id, version]);
  // What a reveal with a reason showed in full (R11); masked until then.
  const [full, setFull] = useState<{ fields: Fields; text: string; file: Blob | null; reason: string } | null>(null);
  // The part of the upload shown (issue 18: a bundle's parts are corrected one by one).
  const [part, setPart] = useState(0);
  const d = q.data;
  if (!d) return q.error ? <ErrorBox error={q.error} onRetry={q.reload} /> : <Loading />;
  const reading = d.reading;
  const parts = partsOf(d);
  const shown = parts[part] ?? parts[0];
  // Sealed as intake seals it: a part that is, or was read or typed as, a
  // card (a correction of the type does not change what the pages show).
  const sealed =
    [d.type, d.reading?.type, ...(d.corrections ?? []).map((c) => c.type)].some((t) => sealedTypes.has(t ?? '')) ||
    parts.some((p) => sealedTypes.has(p.type) || sealedTypes.has(p.reading?.type ?? ''));
  // The part as the correction form sees it: its own type and fields, bound to the part.
  const partDoc: ClaimDocument =
    parts.length > 1 && shown ? { ...d, id: `${d.id}#${shown.index}`, type: shown.type, fields: shown.fields } : d;
  const reveal = async (reason: string) => {
    const shownFull = await api.revealDocument(report.id, d.id, reason);
    const file = sealed ? await api.revealDocumentContent(report.id, d.id, reason) : null;
    setFull({ ...shownFull, file, reason });
  };
  return (
    <div className="doc-viewer" data-testid="document-viewer" data-doc={d.id} data-state={d.state} data-revealed={String(!!full)}>
      <DocumentViewer report={report} d={d} parts={parts} part={shown?.index ?? 0} onPart={setPart} sealed={sealed} reason={full?.reason ?? null} revealed={full?.file ?? null} focus={focus} />
      <div className="doc-detail">
        <DownloadFile report={report} d={d} revealed={full?.file ?? null} sealed={sealed} />
        <dl className="facts">
          <div className="fact">
            <dt>{t('doc.state')}</dt>
            <dd>
              <DocState d={d} />
            </dd>
          </div>
          <div className="fact">
            <dt>{t('doc.type')}</dt>
            <dd data-testid="doc-type" data-type={partDoc.type ?? ''}>
              {partDoc.type ? tx('doctype.' + partDoc.type, partDoc.type) : '—'}
            </dd>
          </div>
          <div className="fact">
            <dt>{t('doc.confidence')}</dt>
            <dd>
              <Confidence value={parts.length > 1 ? shown?.confidence : reading?.confidence} />
            </dd>
          </div>
          <div className="fact">
            <dt>{t('doc.satisfies')}</dt>
            <dd>{(parts.length > 1 ? shown?.satisfies : d.satisfies)?.length ? (parts.length > 1 ? shown?.satisfies : d.satisfies)!.map((id) => itemTitle(report, id, lang)).join(lang === 'en' ? ', ' : '、') : '—'}</dd>
          </div>
        </dl>
        {(parts.length > 1 ? shown?.review : d.review)?.map((r) => (
          <p key={r} className="alert alert-warn small" data-testid="doc-review">
            {tx('doc.review.' + r, r)}
          </p>
        ))}
        {d.failure && (
          <p className="alert alert-error small" data-testid="doc-failure">
            {lang === 'en' ? d.failure.message : t('doc.readFailed', { why: tx('error.code.' + d.failure.code, t('error.other', { status: d.failure.code })) })}
          </p>
        )}
        {isBeingRead(d) ? (
          <p className="muted" data-testid="doc-reading">
            {t('doc.beingRead')}
          </p>
        ) : (
          <>
            {full ? (
              <p className="muted small" data-testid="doc-revealed">
                {t('reveal.recorded')}
              </p>
            ) : (
              canJudgeDocuments(user) && (
                <ReasonButton
                  label={t('doc.reveal')}
                  prompt={t('reveal.reason')}
                  confirmLabel={t('reveal.confirm')}
                  className="btn-small"
                  testId="reveal-document"
                  onConfirm={reveal}
                />
              )
            )}
            <h3>{t('doc.fields')}</h3>
            <FieldList fields={full && part === 0 ? full.fields : partDoc.fields} revealed={!!full && part === 0} />
            {reading && d.corrections?.length ? (
              <p className="muted small">
                {t('doc.machineRead', { type: tx('doctype.' + reading.type, reading.type), at: formatDateTime(reading.read_at, lang) })}
              </p>
            ) : null}
            {d.corrections?.map((c, i) => (
              <p key={i} className="small" data-testid="doc-correction">
                {tn('doc.correctedBy', { at: formatDateTime(c.at, lang) }, { by: c.by })}
                {c.type ? ` · ${tx('doctype.' + c.type, c.type)}` : ''}
                {c.note ? ` · ${c.note}` : ''}
              </p>
            ))}
            <h3>{t('doc.text')}</h3>
            <pre className="ocr-text" data-testid="doc-text">
              {(full ? full.text : d.text) || t('doc.noText')}
            </pre>
            {canJudgeDocuments(user) && (
              <CorrectionForm
                key={`${partDoc.id}-${d.corrections?.length ?? 0}`}
                report={report}
                d={partDoc}
                documentId={d.id}
                part={shown?.index ?? 0}
                title={parts.length > 1 ? t('viewer.correctPart', { n: (shown?.index ?? 0) + 1, type: tx('doctype.' + partDoc.type, partDoc.type ?? '') }) : undefined}
                onCorrected={(nd) => {
                  q.set({ ...nd, text: nd.text ?? d.text });
                  onChanged();
                }}
              />
            )}
          </>
        )}
      </div>
    </div>
  );
}

/** The documents of a claim's report, with upload and viewer. */
export function Documents({
  report,
  selected,
  onSelect,
  onChanged,
  focus,
}: {
  report: Report;
  selected: string | null;
  onSelect: (id: string | null) => void;
  onChanged: () => void;
  /** A field of the selected document to show on its page (issue 19: from the straight-through panel). */
  focus?: (FieldFocus & { document_id: string }) | null;
}) {
  const { t, tx, lang } = useI18n();
  const { api, user } = useSession();
  const input = useRef<HTMLInputElement>(null);
  const [over, setOver] = useState(false);
  const upload = useBusy();
  const docs = report.documents ?? [];
  const canUpload = canTakeReports(user);

  const send = async (files: FileList | File[]) => {
    const list = Array.from(files);
    if (list.length === 0) return;
    let last: ClaimDocument | undefined;
    for (const f of list) {
      last = await upload.run(() => api.uploadDocument(report.id, f));
      if (!last) break;
    }
    if (input.current) input.current.value = '';
    onChanged();
    if (last) onSelect(last.id);
  };
  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setOver(false);
    if (canUpload) void send(e.dataTransfer.files);
  };
  const current = docs.find((d) => d.id === selected);

  return (
    <Section title={t('claim.documents')} testId="claim-documents">
      {canUpload && (
        <div
          className={`dropzone ${over ? 'over' : ''}`}
          onDragOver={(e) => {
            e.preventDefault();
            setOver(true);
          }}
          onDragLeave={() => setOver(false)}
          onDrop={onDrop}
          data-testid="upload-drop"
        >
          <label className="btn btn-primary">
            {t('doc.choose')}
            <input
              ref={input}
              type="file"
              accept={accept}
              multiple
              hidden
              onChange={(e) => e.target.files && void send(e.target.files)}
              data-testid="upload-input"
            />
          </label>
          <span className="muted small">{upload.busy ? t('doc.uploading') : t('doc.dropHint')}</span>
        </div>
      )}
      {upload.error ? <ErrorBox error={upload.error} /> : null}
      {docs.length === 0 ? (
        <p className="muted" data-testid="documents-empty">
          {t('doc.none')}
        </p>
      ) : (
        <table className="table compact" data-testid="documents">
          <thead>
            <tr>
              <th>{t('doc.file')}</th>
              <th>{t('doc.state')}</th>
              <th>{t('doc.type')}</th>
              <th>{t('doc.confidence')}</th>
              <th>{t('doc.satisfies')}</th>
              <th>{t('doc.uploaded')}</th>
            </tr>
          </thead>
          <tbody>
            {docs.map((d) => (
              <tr
                key={d.id}
                className={d.id === selected ? 'selected' : ''}
                data-testid="document-row"
                data-doc={d.id}
                data-state={d.state}
                data-type={d.type ?? ''}
              >
                <td>
                  <button type="button" className="btn-link" onClick={() => onSelect(d.id === selected ? null : d.id)} data-testid="open-document">
                    {d.file_name || d.id.slice(0, 8)}
                  </button>
                  <div className="muted small">
                    {d.media.toUpperCase()} · {t('doc.pages', { n: d.pages })}
                  </div>
                </td>
                <td>
                  <DocState d={d} />
                </td>
                <td data-testid="document-parts" data-parts={d.parts?.length ?? 0}>
                  {d.parts && d.parts.length > 1
                    ? d.parts.map((p) => tx('doctype.' + p.type, p.type)).join(' + ')
                    : d.type
                      ? tx('doctype.' + d.type, d.type)
                      : '—'}
                </td>
                <td>
                  <Confidence value={d.reading?.confidence} />
                </td>
                <td className="small">{d.satisfies?.join(', ') || '—'}</td>
                <td className="small">
                  {d.uploaded_by}
                  <div className="muted">{formatDateTime(d.uploaded_at, lang)}</div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {current && <Viewer key={current.id} report={report} id={current.id} version={`${current.state}-${current.corrections?.length ?? 0}`} onChanged={onChanged} focus={focus?.document_id === current.id ? focus : null} />}
    </Section>
  );
}
