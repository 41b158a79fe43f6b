// Date fields that show their value as year-month-day (and hours:minutes)
// whatever the browser's locale (a native date input shows 12/02/2026 in
// an en-US Chromium, which reads two ways), with the browser's calendar to
// pick from.

import { useEffect, useRef, useState } from 'react';
import type { Key } from '../i18n/dict';
import { useI18n } from '../i18n/i18n';

/** How a field writes its value: the native picker's type, the text's pattern, and the value of a text when whole. */
interface Format {
  native: 'date' | 'datetime-local';
  pattern: string;
  placeholder: Key;
  /** The text as shown for a value. */
  show: (value: string) => string;
  /** The value of a whole text, or null. */
  parse: (text: string) => string | null;
}

const dateFormat: Format = {
  native: 'date',
  pattern: '\\d{4}-\\d{2}-\\d{2}',
  placeholder: 'date.placeholder',
  show: (v) => v,
  parse: (v) => (/^\d{4}-\d{2}-\d{2}$/.test(v) ? v : null),
};

const dateTimeFormat: Format = {
  native: 'datetime-local',
  pattern: '\\d{4}-\\d{2}-\\d{2}[T ]\\d{2}:\\d{2}',
  placeholder: 'datetime.placeholder',
  show: (v) => v.replace('T', ' '),
  parse: (v) => {
    const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})$/.exec(v.trim());
    return m ? `${m[1]}T${m[2]}` : null;
  },
};

interface Props {
  value: string;
  onChange: (v: string) => void;
  testId?: string;
  name?: string;
}

/** PickedInput is a text field in format with a button that opens the browser's picker; onChange hears only whole values (or empty). */
function PickedInput({ value, onChange, testId, name, format }: Props & { format: Format }) {
  const { t } = useI18n();
  const [text, setText] = useState(format.show(value));
  const picker = useRef<HTMLInputElement>(null);
  useEffect(() => setText(format.show(value)), [value, format]);
  const type = (v: string) => {
    setText(format.show(v));
    if (v === '') return onChange('');
    const whole = format.parse(v);
    if (whole !== null) onChange(whole);
  };
  return (
    <span className="date-input">
      <input
        type="text"
        inputMode="numeric"
        pattern={format.pattern}
        placeholder={t(format.placeholder)}
        value={text}
        name={name}
        onChange={(e) => type(e.target.value)}
        data-testid={testId}
      />
      <button type="button" className="btn btn-small date-pick" aria-label={t('date.pick')} title={t('date.pick')} onClick={() => picker.current?.showPicker?.()}>
        📅
      </button>
      <input
        ref={picker}
        type={format.native}
        className="date-native"
        tabIndex={-1}
        aria-hidden="true"
        value={format.parse(text) ?? ''}
        onChange={(e) => type(e.target.value)}
      />
    </span>
  );
}

/** DateInput edits a calendar date, YYYY-MM-DD. */
export function DateInput(props: Props) {
  return <PickedInput {...props} format={dateFormat} />;
}

/** DateTimeInput edits a Shanghai wall time shown as YYYY-MM-DD HH:MM; onChange hears the datetime-local form, YYYY-MM-DDTHH:MM. */
export function DateTimeInput(props: Props) {
  return <PickedInput {...props} format={dateTimeFormat} />;
}
