// CSV files for spreadsheets: a byte-order mark so that Excel reads the
// Chinese text as UTF-8, CRLF line ends, quoting where needed.

export function toCsv(rows: readonly (readonly (string | number)[])[]): string {
  const cell = (v: string | number) => {
    let s = String(v);
    // A cell that a spreadsheet would run as a formula is written as text.
    if (/^[=+\-@\t\r]/.test(s) && typeof v === 'string') s = `'${s}`;
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return '\uFEFF' + rows.map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
}

/** Saves a blob as a file through the browser. */
export function download(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/**
 * Opens a blob (a printable HTML page) in a new tab; where the browser
 * blocks the tab, it is saved as filename instead.
 */
export function openBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  // Not 'noopener': with it window.open answers null whether or not the tab opened.
  const w = window.open(url, '_blank');
  if (w) w.opener = null;
  if (!w) {
    download(blob, filename);
    URL.revokeObjectURL(url);
    return;
  }
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
