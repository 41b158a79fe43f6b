// The case's diary (issue 20): notes oldest first, each with its author and
// time; handlers add notes, nobody edits or deletes one (a correction is a
// new note). Readers see the diary without the form.

import { useState } from 'react';
import { addNote, notes } from '../api/workbench';
import { canDecide } from '../auth/permissions';
import { useI18n } from '../i18n/i18n';
import { formatDateTime } from '../lib/time';
import { useSession } from '../session';
import { ErrorBox, Loading, useAsync, useBusy } from './common';
import { useDraft } from './Draft';

const maxNote = 4000;

export function CaseNotes({ claimId }: { claimId: string }) {
  const { t, lang } = useI18n();
  const { api, user } = useSession();
  const list = useAsync(() => notes(api, claimId), [api, claimId]);
  const [text, setText, clearDraft] = useDraft(`note:${claimId}`, '');
  const [saved, setSaved] = useState(false);
  const action = useBusy();
  const writes = canDecide(user);
  const submit = async () => {
    if (!text.trim()) return;
    const n = await action.run(() => addNote(api, claimId, text));
    if (n) {
      list.set([...(list.data ?? []), n]);
      // Added before the diary loaded: read it again, now with the note.
      if (!list.data) list.reload();
      clearDraft();
      setSaved(true);
    }
  };
  return (
    <div data-testid="case-notes">
      {list.error ? <ErrorBox error={list.error} onRetry={list.reload} /> : null}
      {list.loading && !list.data ? (
        <Loading />
      ) : list.data && list.data.length > 0 ? (
        <ol className="timeline notes">
          {list.data.map((n) => (
            <li key={n.id} data-testid="case-note">
              <time dateTime={n.created_at}>{formatDateTime(n.created_at, lang)}</time> <strong>{n.author}</strong>
              <div className="note-text">{n.text}</div>
            </li>
          ))}
        </ol>
      ) : (
        <p className="muted" data-testid="case-notes-empty">
          {t('wb.notes.empty')}
        </p>
      )}
      {writes ? (
        <form
          className="note-form"
          onSubmit={(e) => {
            e.preventDefault();
            void submit();
          }}
        >
          <label className="field">
            <span>{t('wb.notes.new')}</span>
            <textarea
              value={text}
              maxLength={maxNote}
              rows={3}
              onChange={(e) => {
                setText(e.target.value);
                setSaved(false);
              }}
              data-testid="case-note-text"
            />
          </label>
          <p className="muted small">{t('wb.notes.appendOnly')}</p>
          {action.error ? <ErrorBox error={action.error} /> : null}
          <button type="submit" className="btn btn-primary" disabled={action.busy || !text.trim()} data-testid="case-note-add">
            {t('wb.notes.add')}
          </button>{' '}
          {saved && <span className="muted small">{t('wb.notes.saved')}</span>}
        </form>
      ) : (
        <p className="muted small">{t('wb.notes.readOnly')}</p>
      )}
    </div>
  );
}
