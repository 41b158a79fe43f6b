// Site visits of a catastrophe claim (R8, Reg. art. 27, issue 20): the
// visits of the case with their state, a form to ask for one, and the
// steps of a visit (arrange with a time, record it done with a note,
// cancel). The contact's phone is shown masked.

import { useState } from 'react';
import { requestVisit, updateVisit, visits, type Visit } from '../api/workbench';
import { useI18n } from '../i18n/i18n';
import { formatDateTime, localInputToRFC3339 } from '../lib/time';
import { useSession } from '../session';
import { ErrorBox, Field, Loading, useAsync, useBusy } from './common';
import { Masked } from './Masked';
import { Link } from '../router';

/** One visit with its steps; withClaim links it to its claim (the list of every visit). */
export function VisitRow({ v, onChanged, canWork, withClaim }: { v: Visit; onChanged: (v: Visit) => void; canWork: boolean; withClaim?: boolean }) {
  const { t, tx, lang } = useI18n();
  const { api } = useSession();
  const [when, setWhen] = useState('');
  const [note, setNote] = useState('');
  const action = useBusy();
  const patch = async (p: { state?: string; note?: string; scheduled_for?: string }) => {
    const out = await action.run(() => updateVisit(api, v.id, { ...p, version: v.version }));
    if (out) onChanged(out);
  };
  return (
    <li data-testid="site-visit" data-state={v.state}>
      {withClaim && (
        <Link to={`/claims/${encodeURIComponent(v.claim_id)}`}>
          <code>{v.claim_id.slice(0, 8)}</code>
        </Link>
      )}{' '}
      <strong>{tx('wb.visit.state.' + v.state, v.state)}</strong> · {v.address} · {v.contact_name} <Masked kind="contact" value={v.contact_phone} />
      {v.scheduled_for && <span className="small"> · {t('wb.visit.scheduledFor', { at: formatDateTime(v.scheduled_for, lang) })}</span>}
      <div className="muted small">
        {v.reason}
        {v.note && ` · ${v.note}`} · {v.updated_by} {formatDateTime(v.updated_at, lang)}
      </div>
      {canWork && (v.state === 'to_arrange' || v.state === 'arranged') && (
        <div className="visit-actions">
          {v.state === 'to_arrange' && (
            <>
              <input type="datetime-local" value={when} onChange={(e) => setWhen(e.target.value)} aria-label={t('wb.visit.when')} data-testid="visit-when" />
              <button
                type="button"
                className="btn btn-small"
                disabled={action.busy || !when}
                onClick={() => void patch({ state: 'arranged', scheduled_for: localInputToRFC3339(when) ?? undefined })}
                data-testid="visit-arrange"
              >
                {t('wb.visit.arrange')}
              </button>
            </>
          )}
          {v.state === 'arranged' && (
            <>
              <input value={note} onChange={(e) => setNote(e.target.value)} placeholder={t('wb.visit.notePlaceholder')} aria-label={t('wb.visit.note')} data-testid="visit-note" />
              <button type="button" className="btn btn-small" disabled={action.busy || !note.trim()} onClick={() => void patch({ state: 'done', note })} data-testid="visit-done">
                {t('wb.visit.done')}
              </button>
            </>
          )}
          <button type="button" className="btn btn-small" disabled={action.busy} onClick={() => void patch({ state: 'cancelled' })}>
            {t('wb.visit.cancel')}
          </button>
          {action.error ? <ErrorBox error={action.error} /> : null}
        </div>
      )}
    </li>
  );
}

export function SiteVisits({ claimId, canWork }: { claimId: string; canWork: boolean }) {
  const { t } = useI18n();
  const { api } = useSession();
  const list = useAsync(() => visits(api, { claim_id: claimId }), [api, claimId]);
  const [form, setForm] = useState({ address: '', contact_name: '', contact_phone: '', reason: '' });
  const action = useBusy();
  const replace = (v: Visit) => list.set((list.data ?? []).map((x) => (x.id === v.id ? v : x)));
  const ask = async () => {
    const v = await action.run(() => requestVisit(api, claimId, form));
    if (v) {
      list.set([...(list.data ?? []), v]);
      setForm({ address: '', contact_name: '', contact_phone: '', reason: '' });
    }
  };
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) => setForm({ ...form, [k]: e.target.value });
  return (
    <div data-testid="site-visits">
      {list.error ? <ErrorBox error={list.error} onRetry={list.reload} /> : null}
      {list.loading && !list.data ? (
        <Loading />
      ) : list.data && list.data.length > 0 ? (
        <ul className="visits">
          {list.data.map((v) => (
            <VisitRow key={v.id} v={v} onChanged={replace} canWork={canWork} />
          ))}
        </ul>
      ) : (
        <p className="muted">{t('wb.visit.none')}</p>
      )}
      {canWork && (
        <form
          className="visit-form"
          onSubmit={(e) => {
            e.preventDefault();
            void ask();
          }}
        >
          <Field label={t('wb.visit.address')}>
            <input value={form.address} onChange={set('address')} data-testid="visit-address" />
          </Field>
          <Field label={t('wb.visit.contactName')}>
            <input value={form.contact_name} onChange={set('contact_name')} data-testid="visit-contact-name" />
          </Field>
          <Field label={t('wb.visit.contactPhone')}>
            <input value={form.contact_phone} onChange={set('contact_phone')} inputMode="tel" data-testid="visit-contact-phone" />
          </Field>
          <Field label={t('wb.visit.reason')}>
            <input value={form.reason} onChange={set('reason')} data-testid="visit-reason" />
          </Field>
          {action.error ? <ErrorBox error={action.error} /> : null}
          <button type="submit" className="btn btn-primary" disabled={action.busy} data-testid="visit-request">
            {t('wb.visit.request')}
          </button>
        </form>
      )}
    </div>
  );
}
