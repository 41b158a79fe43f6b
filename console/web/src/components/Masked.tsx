// A personal datum (R11), masked by default. Revealing it is a deliberate
// action of a role allowed to, recorded by the service that answers
// onReveal (who, whose, when); without onReveal there is no way to reveal.

import { useState } from 'react';
import { canReveal } from '../auth/permissions';
import { useI18n } from '../i18n/i18n';
import { mask, type PersonalKind } from '../lib/mask';
import { useSession } from '../session';

export function Masked({ kind, value, onReveal }: { kind: PersonalKind; value: string; onReveal?: () => Promise<string> }) {
  const { t } = useI18n();
  const { user } = useSession();
  const [clear, setClear] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const reveal = async () => {
    if (!onReveal) return;
    setBusy(true);
    try {
      setClear(await onReveal());
    } finally {
      setBusy(false);
    }
  };
  return (
    <span className="masked" data-testid={`masked-${kind}`}>
      <code>{clear ?? mask(kind, value)}</code>
      {clear === null && onReveal && canReveal(user) && (
        <button type="button" className="btn btn-link" onClick={reveal} disabled={busy} title={t('mask.revealNote')}>
          {t('mask.reveal')}
        </button>
      )}
    </span>
  );
}
