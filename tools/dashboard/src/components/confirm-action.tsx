import { useRef, useState } from 'preact/hooks';
import { ApiError } from '../api/client.js';

interface ConfirmActionProps {
  /** The button's text ("Recycle"). */
  label: string;
  /** What the dialog asks. */
  question: string;
  /** Runs once confirmed; its resolved text is shown as the result. */
  run: () => Promise<string>;
  variant?: 'danger' | 'primary';
  disabled?: boolean;
  /** Where the result goes when a row of actions shares one (ActionResult); shown beside the button otherwise. */
  report?: (result: ActionOutcome) => void;
}

/** What an action ended with: the API's answer in words, or its error code and message. */
export interface ActionOutcome {
  action: string;
  ok: boolean;
  text: string;
}

/** The result of the last action of a row (a pool's, a site's): one live region under the buttons. */
export function ActionResult({ outcome }: { outcome: ActionOutcome | null }) {
  return (
    <p
      class={`action-result ${outcome?.ok === false ? 'error' : ''}`}
      role="status"
      aria-live="polite"
      data-testid="action-result"
      data-action={outcome?.action}
    >
      {outcome?.text}
    </p>
  );
}

/**
 * A button that asks first (a native <dialog>: modal, focus kept inside, Escape cancels), then runs the
 * action and shows what the API answered, or its error code and message, in a live region.
 */
export function ConfirmAction({
  label,
  question,
  run,
  variant = 'primary',
  disabled,
  report,
}: ConfirmActionProps) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);

  const confirm = async () => {
    dialog.current?.close();
    setBusy(true);
    setResult(null);
    try {
      const text = await run();
      if (report) report({ action: label, ok: true, text });
      else setResult({ ok: true, text });
    } catch (error) {
      const text = error instanceof ApiError ? `${error.code}: ${error.message}` : String(error);
      if (report) report({ action: label, ok: false, text });
      else setResult({ ok: false, text });
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="action">
      <button
        type="button"
        class={variant}
        disabled={disabled || busy}
        onClick={() => dialog.current?.showModal()}
      >
        {busy ? `${label}…` : label}
      </button>
      <dialog ref={dialog} aria-label={label}>
        <form method="dialog">
          <p>{question}</p>
          <div class="dialog-buttons">
            <button type="button" class={variant} onClick={() => void confirm()}>
              {label}
            </button>
            <button type="submit" class="secondary" autofocus>
              Cancel
            </button>
          </div>
        </form>
      </dialog>
      {report ? null : (
        <p class={`action-result ${result?.ok === false ? 'error' : ''}`} role="status" aria-live="polite">
          {result?.text}
        </p>
      )}
    </div>
  );
}
