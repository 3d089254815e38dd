import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { describeError } from '../api/http';
import { navigate } from './route';

/**
 * A "New …" disclosure around a form: `create` turns the form's fields into the new thing and
 * answers where to go next; on success the form is reset, closed and the app navigates there, on
 * failure the error is announced (role=alert) and the form keeps what was typed.
 */
export function CreateForm(props: {
  summary: string;
  submitLabel: string;
  create: (form: FormData) => Promise<string>;
  children: ComponentChildren;
}) {
  const [error, setError] = useState<string | null>(null);
  const [open, setOpen] = useState(false);
  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    const formElement = event.currentTarget as HTMLFormElement;
    try {
      const href = await props.create(new FormData(formElement));
      formElement.reset();
      setError(null);
      setOpen(false);
      navigate(href);
    } catch (failure) {
      setError(describeError(failure));
    }
  };
  return (
    <details class="create" open={open} onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary>{props.summary}</summary>
      <form onSubmit={(e) => void submit(e)}>
        {props.children}
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" class="primary">
          {props.submitLabel}
        </button>
      </form>
    </details>
  );
}
