// The second look before an irreversible action (a notice sent, a claim
// rejected, a payment returned, the catastrophe mode switched): a modal
// dialog showing exactly what will be sent, a reason where the action needs
// one, and Cancel focused first, so that Enter never confirms by accident.

import { useEffect, useRef, useState, type ReactNode } from 'react';
import { useI18n } from '../i18n/i18n';
import { ErrorBox, useBusy } from './common';

/**
 * ConfirmDialog shows preview and, on confirm, runs onConfirm with the
 * reason typed (empty when no reasonLabel); it closes on Cancel, Escape or
 * success, and keeps the error of a refused action open beside the preview.
 */
export function ConfirmDialog({
  title,
  children,
  confirmLabel,
  reasonLabel,
  danger,
  ready = true,
  testId,
  onConfirm,
  onClose,
}: {
  title: string;
  children: ReactNode;
  confirmLabel: string;
  reasonLabel?: string;
  danger?: boolean;
  /** False while the preview is still loading: nothing is confirmed unseen. */
  ready?: boolean;
  testId: string;
  onConfirm: (reason: string) => Promise<unknown>;
  onClose: () => void;
}) {
  const { t } = useI18n();
  const [reason, setReason] = useState('');
  const action = useBusy();
  const cancelRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    cancelRef.current?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') onClose();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);
  const needsReason = reasonLabel !== undefined;
  const confirm = async () => {
    if (!ready || (needsReason && !reason.trim())) return;
    const ok = await action.run(async () => {
      await onConfirm(reason.trim());
      return true;
    });
    if (ok) onClose();
  };
  return (
    <div className="modal-backdrop">
      <div className="modal" role="dialog" aria-modal="true" aria-labelledby={`${testId}-title`} data-testid={`${testId}-dialog`}>
        <h2 id={`${testId}-title`}>{title}</h2>
        <div className="modal-body" data-testid={`${testId}-preview`}>
          {children}
        </div>
        {needsReason && (
          <label className="field">
            <span>{reasonLabel}</span>
            {/* Enter in the reason does not confirm: only the button does. */}
            <input value={reason} onChange={(e) => setReason(e.target.value)} maxLength={500} data-testid={`${testId}-reason`} onKeyDown={(e) => e.key === 'Enter' && e.preventDefault()} />
          </label>
        )}
        {action.error ? <ErrorBox error={action.error} /> : null}
        <div className="actions">
          <button type="button" className="btn" ref={cancelRef} onClick={onClose} data-testid={`${testId}-cancel`}>
            {t('common.cancel')}
          </button>
          <button
            type="button"
            className={`btn ${danger ? 'btn-danger' : 'btn-primary'}`}
            onClick={() => void confirm()}
            disabled={!ready || action.busy || (needsReason && !reason.trim())}
            data-testid={`${testId}-confirm`}
          >
            {confirmLabel}
          </button>
        </div>
      </div>
    </div>
  );
}
