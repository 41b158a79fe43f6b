// Times: the platform counts in Asia/Shanghai (product.md), and so does the
// console, whatever the browser's own zone.

export const ZONE = 'Asia/Shanghai';

/** Date and time to the minute, as a Shanghai wall clock shows them. */
const wallClock: Intl.DateTimeFormatOptions = {
  timeZone: ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
};

const monthsEN = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** A calendar date as the language writes it: 2026年12月2日, 2 Dec 2026 (never 12/02/2026, which reads two ways). */
function writeDate(year: string, month: string, day: string, lang: string): string {
  const m = Number(month);
  const d = Number(day);
  return lang === 'en' ? `${d} ${monthsEN[m - 1] ?? month} ${year}` : `${year}年${m}月${d}日`;
}

/** An instant as a Shanghai date and time to the minute: 2026年12月2日 14:03, 2 Dec 2026, 14:03. */
export function formatDateTime(iso: string | null | undefined, lang: string): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = shanghaiParts(d);
  const date = writeDate(p.year, p.month, p.day, lang);
  return lang === 'en' ? `${date}, ${p.hour}:${p.minute}` : `${date} ${p.hour}:${p.minute}`;
}

/**
 * A date as the language writes it: a calendar date (2026-12-02) as it is,
 * an instant as its Shanghai date; 2026年12月2日, 2 Dec 2026.
 */
export function formatDate(value: string | null | undefined, lang: string): string {
  if (!value) return '—';
  const plain = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (plain) return writeDate(plain[1] ?? '', plain[2] ?? '', plain[3] ?? '', lang);
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return value;
  const p = shanghaiParts(d);
  return writeDate(p.year, p.month, p.day, lang);
}

/** The Shanghai calendar date of an instant, YYYY-MM-DD. */
export function shanghaiDate(d: Date): string {
  const p = shanghaiParts(d);
  return `${p.year}-${p.month}-${p.day}`;
}

/** The Shanghai wall-clock fields of an instant, zero-padded. */
function shanghaiParts(d: Date): Record<'year' | 'month' | 'day' | 'hour' | 'minute', string> {
  const parts = new Intl.DateTimeFormat('en-CA', wallClock).formatToParts(d);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return { year: get('year'), month: get('month'), day: get('day'), hour: get('hour'), minute: get('minute') };
}

/** The value of a datetime-local input (Shanghai wall time) as RFC 3339. */
export function localInputToRFC3339(v: string): string | null {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(?::(\d{2}))?$/.exec(v);
  if (!m) return null;
  return `${m[1]}T${m[2]}:${m[3] ?? '00'}+08:00`;
}

/** The current Shanghai wall time as a datetime-local value. */
export function nowLocalInput(now = new Date()): string {
  const p = shanghaiParts(now);
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}`;
}

/** Whole hours from now until iso (negative when past). */
export function hoursUntil(iso: string, now = Date.now()): number {
  return Math.round((Date.parse(iso) - now) / 3_600_000);
}

/** An instant as Shanghai wall time to the second for files, 2026-12-02 14:03:09; empty when absent. */
export function shanghaiDateTime(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const parts = new Intl.DateTimeFormat('en-CA', { ...wallClock, second: '2-digit' }).formatToParts(d);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}:${get('second')}`;
}
