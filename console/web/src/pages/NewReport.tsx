// A new incident report (报案). The guidance checklist (R1) shows beside the
// form the moment the incident type is chosen; once the report is stored,
// the handler makes the claim request on it and opens the claim.

import { useState, type FormEvent, type ReactNode } from 'react';
import { ApiError, normalizeChecklist } from '../api/client';
import { INCIDENT_TYPES, REPORTER_ROLES, type IncidentType, type Report, type ReporterRole } from '../api/types';
import { ChecklistPanel } from '../components/ChecklistPanel';
import { ErrorBox } from '../components/common';
import { useI18n } from '../i18n/i18n';
import { localInputToRFC3339, nowLocalInput } from '../lib/time';
import { useRouter } from '../router';
import { useSession } from '../session';

interface Form {
  policy_number: string;
  insured_name: string;
  incident_type: IncidentType | '';
  incident_time: string;
  reporter_name: string;
  reporter_role: ReporterRole;
}

const empty = (): Form => ({
  policy_number: '',
  insured_name: '',
  incident_type: '',
  incident_time: nowLocalInput(),
  reporter_name: '',
  reporter_role: 'insured',
});

type Errors = Partial<Record<keyof Form, string>>;

const policyPattern = /^[A-Za-z0-9][A-Za-z0-9-]{2,39}$/;

/** Maps a field the service names to the form's field. */
function formField(field: string | undefined): keyof Form | undefined {
  switch (field) {
    case 'policy_number':
    case 'insured_name':
    case 'incident_type':
    case 'incident_time':
      return field;
    case 'reporter.name':
    case 'reporter':
      return 'reporter_name';
    case 'reporter.role':
      return 'reporter_role';
  }
  return undefined;
}

function Field({ label, error, children }: { label: string; error: string | undefined; children: ReactNode }) {
  return (
    <label className={`field ${error ? 'field-error' : ''}`}>
      <span>{label}</span>
      {children}
      {error && <small className="error-text">{error}</small>}
    </label>
  );
}

export function NewReport() {
  const { t, tx } = useI18n();
  const { api } = useSession();
  const { navigate } = useRouter();
  const [form, setForm] = useState<Form>(empty);
  const [errors, setErrors] = useState<Errors>({});
  const [failure, setFailure] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [report, setReport] = useState<Report | null>(null);
  const [paperReceived, setPaperReceived] = useState('');

  const set = <K extends keyof Form>(k: K, v: Form[K]) => setForm((f) => ({ ...f, [k]: v }));

  const validate = (): Errors => {
    const e: Errors = {};
    if (!policyPattern.test(form.policy_number.trim())) e.policy_number = t('report.field.policy');
    if (!form.insured_name.trim()) e.insured_name = t('report.field.required');
    if (!form.incident_type) e.incident_type = t('report.field.required');
    if (!localInputToRFC3339(form.incident_time)) e.incident_time = t('report.field.required');
    if (!form.reporter_name.trim()) e.reporter_name = t('report.field.required');
    return e;
  };

  const submit = async (ev: FormEvent) => {
    ev.preventDefault();
    const e = validate();
    setErrors(e);
    setFailure(null);
    if (Object.keys(e).length > 0 || !form.incident_type) return;
    setBusy(true);
    try {
      setReport(
        await api.createReport({
          policy_number: form.policy_number.trim(),
          insured_name: form.insured_name.trim(),
          incident_type: form.incident_type,
          incident_time: localInputToRFC3339(form.incident_time) ?? '',
          reporter: { name: form.reporter_name.trim(), role: form.reporter_role },
        }),
      );
    } catch (err) {
      const f = err instanceof ApiError ? formField(err.field) : undefined;
      if (f && err instanceof ApiError) setErrors({ [f]: err.message });
      else setFailure(err);
    } finally {
      setBusy(false);
    }
  };

  const requestClaim = async () => {
    if (!report) return;
    setBusy(true);
    setFailure(null);
    try {
      const received = paperReceived ? (localInputToRFC3339(paperReceived) ?? undefined) : undefined;
      const r = await api.requestClaim(report.id, received);
      navigate(`/claims/${encodeURIComponent(r.claim_id)}?report=${encodeURIComponent(r.id)}`);
    } catch (err) {
      setFailure(err);
    } finally {
      setBusy(false);
    }
  };

  if (report) {
    const items = normalizeChecklist(report.checklist);
    return (
      <div className="page" data-testid="report-saved">
        <h1>{t('report.title')}</h1>
        <div className="two-col">
          <section className="card">
            <p className="alert alert-ok" role="status">
              {t('report.saved')}
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
            {failure ? <ErrorBox error={failure} /> : null}
            <label className="field">
              <span>{t('report.paperReceived')}</span>
              <input type="datetime-local" value={paperReceived} onChange={(e) => setPaperReceived(e.target.value)} />
              <small className="muted">{t('report.paperHint')}</small>
            </label>
            <div className="actions">
              <button type="button" className="btn btn-primary" onClick={requestClaim} disabled={busy} data-testid="request-claim">
                {t('report.requestClaim')}
              </button>
              <button
                type="button"
                className="btn"
                onClick={() => {
                  setReport(null);
                  setForm(empty());
                  setPaperReceived('');
                }}
              >
                {t('report.another')}
              </button>
            </div>
          </section>
          <ChecklistPanel incidentType={report.incident_type} items={items} />
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
          <Field label={t('report.policy')} error={errors.policy_number}>
            <input name="policy_number" value={form.policy_number} onChange={(e) => set('policy_number', e.target.value)} autoComplete="off" />
          </Field>
          <Field label={t('report.insured')} error={errors.insured_name}>
            <input name="insured_name" value={form.insured_name} onChange={(e) => set('insured_name', e.target.value)} autoComplete="off" />
          </Field>
          <Field label={t('report.time')} error={errors.incident_time}>
            <input name="incident_time" type="datetime-local" value={form.incident_time} onChange={(e) => set('incident_time', e.target.value)} />
          </Field>
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
          </div>
          <div className="actions">
            <button className="btn btn-primary" type="submit" disabled={busy} data-testid="report-submit">
              {t('report.submit')}
            </button>
          </div>
        </form>
        <ChecklistPanel incidentType={form.incident_type} />
      </div>
    </div>
  );
}
