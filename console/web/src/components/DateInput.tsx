// A date field that shows its date as year-month-day whatever the browser's
// locale (a native date input shows 12/02/2026 in an en-US Chromium, which
// reads two ways), with a calendar to pick from.

import { useEffect, useRef, useState } from 'react';
import { useI18n } from '../i18n/i18n';

const full = /^\d{4}-\d{2}-\d{2}$/;

/** DateInput edits a calendar date, YYYY-MM-DD; onChange hears only whole dates (or empty). */
export function DateInput({ value, onChange, testId, name }: { value: string; onChange: (v: string) => void; testId?: string; name?: string }) {
  const { t } = useI18n();
  const [text, setText] = useState(value);
  const picker = useRef<HTMLInputElement>(null);
  useEffect(() => setText(value), [value]);
  const type = (v: string) => {
    setText(v);
    if (v === '' || full.test(v)) onChange(v);
  };
  return (
    <span className="date-input">
      <input
        type="text"
        inputMode="numeric"
        pattern="\d{4}-\d{2}-\d{2}"
        placeholder={t('date.placeholder')}
        value={text}
        name={name}
        onChange={(e) => type(e.target.value)}
        data-testid={testId}
      />
      <button type="button" className="btn btn-small date-pick" aria-label={t('date.pick')} title={t('date.pick')} onClick={() => picker.current?.showPicker?.()}>
        📅
      </button>
      <input ref={picker} type="date" className="date-native" tabIndex={-1} aria-hidden="true" value={full.test(text) ? text : ''} onChange={(e) => type(e.target.value)} />
    </span>
  );
}

const fullTime = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})$/;

/**
 * DateTimeInput edits a Shanghai wall time as YYYY-MM-DD HH:MM (24 hours);
 * onChange hears the datetime-local form, YYYY-MM-DDTHH:MM, only when whole.
 */
export function DateTimeInput({ value, onChange, testId, name }: { value: string; onChange: (v: string) => void; testId?: string; name?: string }) {
  const { t } = useI18n();
  const shown = (v: string) => v.replace('T', ' ');
  const [text, setText] = useState(shown(value));
  const picker = useRef<HTMLInputElement>(null);
  useEffect(() => setText(shown(value)), [value]);
  const type = (v: string) => {
    setText(shown(v));
    const m = fullTime.exec(v.trim());
    if (v === '') onChange('');
    else if (m) onChange(`${m[1]}T${m[2]}`);
  };
  const m = fullTime.exec(text.trim());
  return (
    <span className="date-input">
      <input
        type="text"
        inputMode="numeric"
        pattern="\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}"
        placeholder={t('datetime.placeholder')}
        value={text}
        name={name}
        onChange={(e) => type(e.target.value)}
        data-testid={testId}
      />
      <button type="button" className="btn btn-small date-pick" aria-label={t('date.pick')} title={t('date.pick')} onClick={() => picker.current?.showPicker?.()}>
        📅
      </button>
      <input ref={picker} type="datetime-local" className="date-native" tabIndex={-1} aria-hidden="true" value={m ? `${m[1]}T${m[2]}` : ''} onChange={(e) => type(e.target.value)} />
    </span>
  );
}
