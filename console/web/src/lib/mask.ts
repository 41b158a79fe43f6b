// Masking of personal data (R11): ID numbers, bank accounts and telephone
// numbers show only their last 4 characters until someone allowed reveals
// them, which is recorded.

export type PersonalKind = 'id_number' | 'bank_account' | 'phone' | 'contact';

const keep = 4;

function compact(v: string): string {
  return v.replace(/[\s-]/g, '');
}

/** Masks all but the last 4 characters; a value of 4 or fewer is masked whole. */
export function maskTail(value: string, maskLength: number): string {
  const v = compact(value);
  if (v.length <= keep) return '*'.repeat(Math.max(v.length, 1));
  return '*'.repeat(maskLength) + v.slice(-keep);
}

/** 110101199003071234 → **************1234 (an 18-character ID shows as 18). */
export function maskIdNumber(value: string): string {
  const v = compact(value);
  return maskTail(v, Math.max(v.length - keep, keep));
}

/** 6222020200112233445 → **** **** 3445: the length of the account is not shown. */
export function maskBankAccount(value: string): string {
  const v = compact(value);
  if (v.length <= keep) return '*'.repeat(Math.max(v.length, 1));
  return '**** **** ' + v.slice(-keep);
}

/** 13812345678 → *******5678. */
export function maskPhone(value: string): string {
  const v = compact(value).replace(/^\+?86/, '');
  return maskTail(v, Math.max(v.length - keep, keep));
}

/** A contact: an e-mail address keeps its first character and its domain (z***@example.com), a telephone its last 4 digits. */
export function maskContact(value: string): string {
  const at = value.lastIndexOf('@');
  if (at > 0) return value[0] + '***' + value.slice(at);
  return maskPhone(value);
}

export function mask(kind: PersonalKind, value: string): string {
  switch (kind) {
    case 'id_number':
      return maskIdNumber(value);
    case 'bank_account':
      return maskBankAccount(value);
    case 'phone':
      return maskPhone(value);
    case 'contact':
      return maskContact(value);
  }
}
