// A new incident report (报案). The guidance checklist (R1, with the
// disability appraisal reminder of R2) shows beside the form the moment the
// incident type is chosen, for the product when one is given; once the
// report is stored, the handler opens the claim to take its documents and
// make the claim request.

import { useEffect, useState, type FormEvent } from 'react';
import { ApiError, newIdempotencyKey } from '../api/client';
import { INCIDENT_TYPES, RELATIONS, REPORTER_ROLES, type IncidentType, type NewReport as NewReportBody, type Relation, type Report, type ReporterRole } from '../api/types';
import { ChecklistPreview, ReportChecklist } from '../components/ChecklistPanel';
import { ErrorBox, Field, useDebounced } from '../components/common';
import { DuplicatePrompt } from '../components/DuplicatePrompt';
import { loadDraft, saveDraft } from '../components/Draft';
import { fileReport, type DuplicateCandidate } from '../api/workbench';
import { useI18n } from '../i18n/i18n';
import { parseYuan } from '../lib/money';
import { localInputToRFC3339, nowLocalInput } from '../lib/time';
import { Link, useRouter } from '../router';
import { useSession } from '../session';
import { DateTimeInput } from '../components/DateInput';

interface Form {
  policy_number: string;
  product_code: string;
  insured_name: string;
  incident_type: IncidentType | '';
  incident_time: string;
  incident_place: string;
  description: string;
  reporter_name: string;
  reporter_role: ReporterRole;
  reporter_relation: Relation | '';
  contact: string;
  beneficiary_name: string;
  beneficiary_relation: Relation | '';
  claimed: string;
}

const empty = (): Form => ({
  policy_number: '',
  product_code: '',
  insured_name: '',
  incident_type: '',
  incident_time: nowLocalInput(),
  incident_place: '',
  description: '',
  reporter_name: '',
  reporter_role: 'insured',
  reporter_relation: 'self',
  contact: '',
  beneficiary_name: '',
  beneficiary_relation: '',
  claimed: '',
});

type Errors = Partial<Record<keyof Form, string>>;

const policyPattern = /^[A-Za-z0-9][A-Za-z0-9-]{2,39}$/;
/** An administrative division code (GB/T 2260). */
const placePattern = /^[1-8][0-9]{5}$/;
const phonePattern = /^\+?[0-9][0-9 -]{5,19}$/;
const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Maps a field the service names to the form's field. */
export function formField(field: string | undefined): keyof Form | undefined {
  switch (field) {
    case 'policy_number':
    case 'insured_name':
    case 'incident_type':
    case 'incident_time':
    case 'incident_place':
    case 'description':
    case 'contact':
      return field;
    case 'product_code':
      return 'product_code';
    case 'claimed_amount_fen':
      return 'claimed';
    case 'reporter.name':
    case 'reporter':
      return 'reporter_name';
    case 'reporter.role':
      return 'reporter_role';
    case 'reporter.relation':
      return 'reporter_relation';
    case 'beneficiary':
    case 'beneficiary.name':
      return 'beneficiary_name';
    case 'beneficiary.relation':
      return 'beneficiary_relation';
  }
  return undefined;
}

/** The report body of a valid form. */
function toBody(f: Form, type: IncidentType): NewReportBody {
  const body: NewReportBody = {
    policy_number: f.policy_number.trim(),
    insured_name: f.insured_name.trim(),
    incident_type: type,
    incident_time: localInputToRFC3339(f.incident_time) ?? '',
    reporter: { name: f.reporter_name.trim(), role: f.reporter_role, ...(f.reporter_relation ? { relation: f.reporter_relation } : {}) },
  };
  if (f.product_code.trim()) body.product_code = f.product_code.trim();
  if (f.incident_place.trim()) body.incident_place = f.incident_place.trim();
  if (f.description.trim()) body.description = f.description.trim();
  if (f.contact.trim()) body.contact = f.contact.trim();
  if (f.beneficiary_name.trim() && f.beneficiary_relation) body.beneficiary = { name: f.beneficiary_name.trim(), relation: f.beneficiary_relation };
  const fen = f.claimed.trim() ? parseYuan(f.claimed) : null;
  if (fen) body.claimed_amount_fen = fen;
  return body;
}

/** A relation to the insured, or none. */
function RelationSelect({ name, value, onChange }: { name: string; value: Relation | ''; onChange: (v: Relation | '') => void }) {
  const { tx } = useI18n();
  return (
    <select name={name} value={value} onChange={(e) => onChange(e.target.value as Relation | '')}>
      <option value="">—</option>
      {RELATIONS.map((r) => (
        <option key={r} value={r}>
          {tx('relation.' + r, r)}
        </option>
      ))}
    </select>
  );
}

const draftKey = 'new-report';

/** The user's saved draft of the form, or an empty form. */
function restoreForm(subject: string): Form {
  try {
    const saved: unknown = JSON.parse(loadDraft(subject, draftKey, 'null'));
    if (saved && typeof saved === 'object') return { ...empty(), ...(saved as Partial<Form>) };
  } catch {
    // a draft that does not parse is dropped
  }
  return empty();
}

export function NewReport() {
  const { t, tx } = useI18n();
  const { api, session } = useSession();
  const { navigate } = useRouter();
  // The form is kept as the user's draft (issue 20): a session that ends
  // while it is filled in loses nothing; signing in again brings it back.
  const [form, setForm] = useState<Form>(() => restoreForm(session.user.subject));
  useEffect(() => saveDraft(session.user.subject, draftKey, JSON.stringify(form)), [form, session.user.subject]);
  const [errors, setErrors] = useState<Errors>({});
  const [failure, setFailure] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [report, setReport] = useState<Report | null>(null);
  const [candidate, setCandidate] = useState<DuplicateCandidate | null>(null);
  // One key per form: a retry after a lost answer is the same report.
  const [key, setKey] = useState(newIdempotencyKey);

  const product = useDebounced(form.product_code.trim(), 400);

  const set = <K extends keyof Form>(k: K, v: Form[K]) => setForm((f) => ({ ...f, [k]: v }));

  const validate = (): Errors => {
    const e: Errors = {};
    if (!policyPattern.test(form.policy_number.trim())) e.policy_number = t('report.field.policy');
    if (!form.insured_name.trim()) e.insured_name = t('report.field.required');
    if (!form.incident_type) e.incident_type = t('report.field.required');
    if (!localInputToRFC3339(form.incident_time)) e.incident_time = t('report.field.required');
    if (!form.reporter_name.trim()) e.reporter_name = t('report.field.required');
    if (form.incident_place.trim() && !placePattern.test(form.incident_place.trim())) e.incident_place = t('report.field.place');
    const contact = form.contact.trim();
    if (contact && !phonePattern.test(contact) && !emailPattern.test(contact)) e.contact = t('report.field.contact');
    if (form.beneficiary_name.trim() && !form.beneficiary_relation) e.beneficiary_relation = t('report.field.required');
    if (form.claimed.trim() && parseYuan(form.claimed) === null) e.claimed = t('decision.amount.invalid');
    return e;
  };

  const submit = async (ev: FormEvent) => {
    ev.preventDefault();
    const e = validate();
    setErrors(e);
    setFailure(null);
    if (Object.keys(e).length > 0 || !form.incident_type) return;
    await send({});
  };

  /** Files the report; a possible duplicate comes back as the candidate to choose about (issue 20). */
  const send = async (choice: { link_to?: string; confirm_new?: boolean }) => {
    if (!form.incident_type) return;
    setBusy(true);
    setFailure(null);
    try {
      const out = await fileReport(session.token, { ...toBody(form, form.incident_type), ...choice }, key);
      if ('candidate' in out) setCandidate(out.candidate);
      else {
        setCandidate(null);
        setReport(out.report);
        saveDraft(session.user.subject, draftKey, '');
      }
    } catch (err) {
      const f = err instanceof ApiError ? formField(err.field) : undefined;
      if (f && err instanceof ApiError) setErrors({ [f]: err.message });
      else setFailure(err);
    } finally {
      setBusy(false);
    }
  };

  const claimPath = (r: Report) => `/claims/${encodeURIComponent(r.claim_id)}?report=${encodeURIComponent(r.id)}`;

  const requestClaim = async () => {
    if (!report) return;
    setBusy(true);
    setFailure(null);
    try {
      const r = await api.requestClaim(report.id);
      navigate(claimPath(r));
    } catch (err) {
      setFailure(err);
    } finally {
      setBusy(false);
    }
  };

  if (candidate && !report) {
    return (
      <div className="page" data-testid="report-duplicate">
        <h1>{t('report.title')}</h1>
        {failure ? <ErrorBox error={failure} /> : null}
        <DuplicatePrompt
          candidate={candidate}
          busy={busy}
          onLink={() => void send({ link_to: candidate.id })}
          onNew={() => void send({ confirm_new: true })}
          onCancel={() => setCandidate(null)}
        />
      </div>
    );
  }

  if (report) {
    return (
      <div className="page" data-testid="report-saved">
        <h1>{t('report.title')}</h1>
        <div className="two-col">
          <section className="card">
            <p className={report.linked ? 'alert alert-warn' : 'alert alert-ok'} role="status" data-testid="report-status">
              {report.linked ? t('report.linked', { id: report.duplicate_of ?? report.id }) : t('report.saved')}
            </p>
            <dl className="facts">
              <div className="fact">
                <dt>{t('report.id')}</dt>
                <dd>
                  <code data-testid="report-id">{report.id}</code>
                </dd>
              </div>
              <div className="fact">
                <dt>{t('report.claimId')}</dt>
                <dd>
                  <code data-testid="claim-id">{report.claim_id}</code>
                </dd>
              </div>
            </dl>
            <p className="muted small">{t('report.next')}</p>
            {failure ? <ErrorBox error={failure} /> : null}
            <div className="actions">
              <Link to={claimPath(report)} className="btn btn-primary" testId="open-claim">
                {t('report.openClaim')}
              </Link>
              {!report.claim_requested_at && (
                <button type="button" className="btn" onClick={() => void requestClaim()} disabled={busy} data-testid="request-claim-now">
                  {t('report.requestClaim')}
                </button>
              )}
              <button
                type="button"
                className="btn"
                onClick={() => {
                  setReport(null);
                  setForm(empty());
                  setKey(newIdempotencyKey());
                }}
              >
                {t('report.another')}
              </button>
            </div>
          </section>
          <ReportChecklist report={report} />
        </div>
      </div>
    );
  }

  return (
    <div className="page" data-testid="new-report-page">
      <h1>{t('report.title')}</h1>
      <div className="two-col">
        <form className="card" onSubmit={submit} noValidate data-testid="report-form">
          {Object.keys(errors).length > 0 && <p className="alert alert-error">{t('report.invalid')}</p>}
          {failure ? <ErrorBox error={failure} /> : null}
          <div className="row">
            <Field label={t('report.type')} error={errors.incident_type}>
              <select name="incident_type" value={form.incident_type} onChange={(e) => set('incident_type', e.target.value as IncidentType | '')}>
                <option value="">{t('report.type.choose')}</option>
                {INCIDENT_TYPES.map((it) => (
                  <option key={it} value={it}>
                    {tx('incident.' + it, it)}
                  </option>
                ))}
              </select>
            </Field>
            <Field label={t('report.product')} error={errors.product_code} hint={t('report.productHint')}>
              <input name="product_code" value={form.product_code} onChange={(e) => set('product_code', e.target.value)} autoComplete="off" />
            </Field>
          </div>
          <div className="row">
            <Field label={t('report.policy')} error={errors.policy_number}>
              <input name="policy_number" value={form.policy_number} onChange={(e) => set('policy_number', e.target.value)} autoComplete="off" />
            </Field>
            <Field label={t('report.insured')} error={errors.insured_name}>
              <input name="insured_name" value={form.insured_name} onChange={(e) => set('insured_name', e.target.value)} autoComplete="off" />
            </Field>
          </div>
          <div className="row">
            <Field label={t('report.time')} error={errors.incident_time}>
              <DateTimeInput name="incident_time" value={form.incident_time} onChange={(v) => set('incident_time', v)} />
            </Field>
            <Field label={t('report.place')} error={errors.incident_place} hint={t('report.placeHint')}>
              <input name="incident_place" value={form.incident_place} onChange={(e) => set('incident_place', e.target.value)} inputMode="numeric" maxLength={6} autoComplete="off" />
            </Field>
          </div>
          <Field label={t('report.description')} error={errors.description}>
            <textarea name="description" rows={2} maxLength={2000} value={form.description} onChange={(e) => set('description', e.target.value)} />
          </Field>
          <fieldset>
            <legend>{t('report.reporterTitle')}</legend>
            <div className="row">
              <Field label={t('report.reporter')} error={errors.reporter_name}>
                <input name="reporter_name" value={form.reporter_name} onChange={(e) => set('reporter_name', e.target.value)} autoComplete="off" />
              </Field>
              <Field label={t('report.reporterRole')} error={errors.reporter_role}>
                <select name="reporter_role" value={form.reporter_role} onChange={(e) => set('reporter_role', e.target.value as ReporterRole)}>
                  {REPORTER_ROLES.map((r) => (
                    <option key={r} value={r}>
                      {tx('reporter.' + r, r)}
                    </option>
                  ))}
                </select>
              </Field>
              <Field label={t('report.relation')} error={errors.reporter_relation}>
                <RelationSelect name="reporter_relation" value={form.reporter_relation} onChange={(v) => set('reporter_relation', v)} />
              </Field>
            </div>
            <Field label={t('report.contact')} error={errors.contact} hint={t('report.contactHint')}>
              <input name="contact" value={form.contact} onChange={(e) => set('contact', e.target.value)} autoComplete="off" />
            </Field>
          </fieldset>
          <fieldset>
            <legend>{t('report.beneficiary')}</legend>
            <div className="row">
              <Field label={t('report.beneficiaryName')} error={errors.beneficiary_name}>
                <input name="beneficiary_name" value={form.beneficiary_name} onChange={(e) => set('beneficiary_name', e.target.value)} autoComplete="off" />
              </Field>
              <Field label={t('report.relation')} error={errors.beneficiary_relation}>
                <RelationSelect name="beneficiary_relation" value={form.beneficiary_relation} onChange={(v) => set('beneficiary_relation', v)} />
              </Field>
              <Field label={t('report.claimed')} error={errors.claimed}>
                <input name="claimed" inputMode="decimal" value={form.claimed} onChange={(e) => set('claimed', e.target.value)} placeholder="0.00" />
              </Field>
            </div>
          </fieldset>
          <div className="actions">
            <button className="btn btn-primary" type="submit" disabled={busy} data-testid="report-submit">
              {t('report.submit')}
            </button>
          </div>
        </form>
        <ChecklistPreview incidentType={form.incident_type} product={product} />
      </div>
    </div>
  );
}
