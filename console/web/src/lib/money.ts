// Money is counted in fen (1/100 yuan), as integers, everywhere in the
// platform. The console converts what a person types in yuan without
// floating-point arithmetic.

/** The largest amount accepted, in fen (safe as a JavaScript integer). */
export const MAX_FEN = Number.MAX_SAFE_INTEGER;

/**
 * Parses an amount typed in yuan ("1234.5", "1,234.56", "¥ 100") into fen.
 * Answers null for anything else: negative, more than two decimals, not a
 * number, too large.
 */
export function parseYuan(input: string): number | null {
  const s = input.trim().replace(/^[¥￥]\s*/, '').replace(/,/g, '');
  const m = /^(\d{1,15})(?:\.(\d{0,2}))?$/.exec(s);
  if (!m) return null;
  const yuan = Number(m[1]);
  const cents = Number((m[2] ?? '').padEnd(2, '0'));
  const fen = yuan * 100 + cents;
  if (!Number.isSafeInteger(fen) || fen > MAX_FEN) return null;
  return fen;
}

/** 12345678 → "¥123,456.78". */
export function formatFen(fen: number): string {
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(Math.trunc(fen));
  const yuan = Math.floor(abs / 100);
  const cents = abs % 100;
  const grouped = String(yuan).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${sign}¥${grouped}.${String(cents).padStart(2, '0')}`;
}

/** 12345678 → "123456.78", for CSV files. */
export function fenToPlainYuan(fen: number): string {
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(Math.trunc(fen));
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}
