// The guidance checklist (R1): what the reporter must provide, shown the
// moment the incident type is known. Items come from the report's answer
// when intake sends them, else from intake's checklist route; until intake
// serves either, the panel says so instead of guessing.

import type { ChecklistItem } from '../api/types';
import { localText } from '../lib/text';
import { ApiError } from '../api/client';
import { useI18n } from '../i18n/i18n';
import { useSession } from '../session';
import { Loading, useAsync } from './common';

function itemTitle(i: ChecklistItem, lang: string): string {
  return localText(i.title ?? i.name, lang) || i.code || i.id || '';
}

export function ChecklistItems({ items }: { items: ChecklistItem[] }) {
  const { t, tx, lang } = useI18n();
  return (
    <ul className="checklist" data-testid="checklist-items">
      {items.map((i, n) => (
        <li key={i.id ?? i.code ?? n} className={`check check-${i.state ?? 'none'}`}>
          <div className="check-main">
            <strong>{itemTitle(i, lang)}</strong>
            {i.required !== undefined && (
              <span className={`badge ${i.required ? 'badge-strong' : ''}`}>
                {i.required ? t('checklist.required') : t('checklist.optional')}
              </span>
            )}
            {i.state && <span className={`badge check-state-${i.state}`}>{tx('checklist.state.' + i.state, i.state)}</span>}
          </div>
          {i.description && <p className="muted small">{localText(i.description, lang)}</p>}
          {i.reminder && <p className="alert alert-warn small">{localText(i.reminder, lang)}</p>}
          {(i.document_name ?? i.document_id) && (
            <p className="small">
              {t('checklist.document')}: <code>{i.document_name ?? i.document_id}</code>
            </p>
          )}
        </li>
      ))}
    </ul>
  );
}

/** Fetches the checklist of an incident type from intake. */
function FetchedChecklist({ incidentType }: { incidentType: string }) {
  const { t } = useI18n();
  const { api } = useSession();
  const list = useAsync(() => api.checklist(incidentType), [api, incidentType]);
  if (list.loading) return <Loading />;
  if (list.error || !list.data) {
    // Not served yet (404), or unreachable: guide by words until it is.
    const pending = !list.error || (list.error instanceof ApiError && list.error.status !== 403);
    return (
      <p className="muted" data-testid="checklist-pending">
        {pending ? t('checklist.pending') : t('error.forbidden')}
      </p>
    );
  }
  return <ChecklistItems items={list.data} />;
}

export function ChecklistPanel({ incidentType, items }: { incidentType: string; items?: ChecklistItem[] | null }) {
  const { t } = useI18n();
  return (
    <aside className="card checklist-panel" data-testid="checklist-panel" aria-live="polite">
      <h2>{t('checklist.title')}</h2>
      {!incidentType ? (
        <p className="muted">{t('checklist.chooseType')}</p>
      ) : (
        <>
          {incidentType === 'disability' && (
            <p className="alert alert-warn" data-testid="disability-reminder">
              {t('checklist.disability')}
            </p>
          )}
          {items ? <ChecklistItems items={items} /> : <FetchedChecklist incidentType={incidentType} />}
        </>
      )}
    </aside>
  );
}
