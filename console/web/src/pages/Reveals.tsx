// The audit of personal-data reveals (R11) for auditors: who saw whose
// datum in clear, when and why, as payout recorded each reveal.

import { useState, type FormEvent } from 'react';
import { ErrorBox, Loading, PageHead, useAsync } from '../components/common';
import { useI18n } from '../i18n/i18n';
import { formatDateTime } from '../lib/time';
import { Link, useRouter } from '../router';
import { useSession } from '../session';

export function Reveals() {
  const { t, tx, lang } = useI18n();
  const { api } = useSession();
  const { location, navigate } = useRouter();
  const claim = location.query.get('claim_id') ?? '';
  const by = location.query.get('revealed_by') ?? '';
  const [draft, setDraft] = useState({ claim, by });
  const q = useAsync(() => api.reveals({ claim_id: claim || undefined, revealed_by: by || undefined, limit: 500 }), [api, claim, by]);

  const show = (e: FormEvent) => {
    e.preventDefault();
    const p = new URLSearchParams();
    if (draft.claim.trim()) p.set('claim_id', draft.claim.trim());
    if (draft.by.trim()) p.set('revealed_by', draft.by.trim());
    navigate(`/reveals${p.toString() ? '?' + p.toString() : ''}`, { replace: true });
  };

  const list = q.data ?? [];
  return (
    <div className="page" data-testid="reveals-page">
      <PageHead title={t('reveals.title')} subtitle={t('reveals.subtitle')} onRefresh={q.reload} />
      <form className="filters" onSubmit={show}>
        <label className="field inline">
          <span>{t('reveals.claim')}</span>
          <input value={draft.claim} onChange={(e) => setDraft((d) => ({ ...d, claim: e.target.value }))} />
        </label>
        <label className="field inline">
          <span>{t('reveals.by')}</span>
          <input value={draft.by} onChange={(e) => setDraft((d) => ({ ...d, by: e.target.value }))} />
        </label>
        <button type="submit" className="btn btn-primary">
          {t('compliance.show')}
        </button>
      </form>
      {q.error ? <ErrorBox error={q.error} onRetry={q.reload} /> : null}
      {q.loading && !q.data ? (
        <Loading />
      ) : list.length === 0 ? (
        <p className="empty" data-testid="reveals-empty">
          {t('reveals.empty')}
        </p>
      ) : (
        <table className="table" data-testid="reveals-table">
          <thead>
            <tr>
              <th>{t('reveals.at')}</th>
              <th>{t('reveals.by')}</th>
              <th>{t('reveals.claim')}</th>
              <th>{t('reveals.whose')}</th>
              <th>{t('reveals.field')}</th>
              <th>{t('reveals.reason')}</th>
            </tr>
          </thead>
          <tbody>
            {list.map((r) => (
              <tr key={r.id} data-testid="reveal-row" data-claim={r.claim_id} data-by={r.revealed_by}>
                <td>{formatDateTime(r.revealed_at, lang)}</td>
                <td>
                  {r.revealed_by}
                  <div className="muted small">{r.roles.map((x) => tx('role.' + x, x)).join('、')}</div>
                </td>
                <td>
                  <Link to={`/claims/${encodeURIComponent(r.claim_id)}`}>
                    <code title={r.claim_id}>{r.claim_id.slice(0, 8)}</code>
                  </Link>
                </td>
                <td>
                  <code className="small">{r.subject}</code>
                </td>
                <td>{tx('reveals.fieldName.' + r.field, r.field)}</td>
                <td data-testid="reveal-reason">{r.reason}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
