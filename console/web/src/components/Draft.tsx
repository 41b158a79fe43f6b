// Drafts kept across a re-sign-in (issue 20): what a user types in a form is
// saved in this browser under their user name, so a session that ends
// mid-sentence loses nothing; signing in again as the same user brings it
// back. A draft of another user is never shown. Drafts hold what the user
// typed, never a token.

import { useCallback, useEffect, useState } from 'react';
import { useSession } from '../session';

const prefix = 'claims-console.draft.';

function storageKey(subject: string, key: string): string {
  return `${prefix}${subject}:${key}`;
}

/** Reads a saved draft of subject, or fallback. */
export function loadDraft(subject: string, key: string, fallback: string): string {
  try {
    return localStorage.getItem(storageKey(subject, key)) ?? fallback;
  } catch {
    return fallback;
  }
}

/** Saves (or, empty, forgets) a draft of subject. */
export function saveDraft(subject: string, key: string, value: string): void {
  try {
    if (value) localStorage.setItem(storageKey(subject, key), value);
    else localStorage.removeItem(storageKey(subject, key));
  } catch {
    // private mode or full: the draft lasts for the page only
  }
}

/** A text state kept as the signed-in user's draft under key: [value, set, clear]. */
export function useDraft(key: string, initial: string): [string, (v: string) => void, () => void] {
  const { user } = useSession();
  const [value, setValue] = useState(() => loadDraft(user.subject, key, initial));
  useEffect(() => {
    setValue(loadDraft(user.subject, key, initial));
    // a new key or another user: their own draft
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, user.subject]);
  const set = useCallback(
    (v: string) => {
      setValue(v);
      saveDraft(user.subject, key, v);
    },
    [key, user.subject],
  );
  const clear = useCallback(() => {
    setValue(initial);
    saveDraft(user.subject, key, '');
  }, [key, user.subject, initial]);
  return [value, set, clear];
}
