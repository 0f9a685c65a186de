import { type ReactNode, useCallback, useId, useState } from "react";
import { type ReadableError, readable } from "./errors.js";
import { enumWord } from "./format.js";

/**
 * The error of a form's or a button's last action, and `run`, which clears it, runs the action (RPCs, say) and
 * keeps what it threw as a ReadableError for the Field and FormError beside it. `setError` is for a check the
 * page makes itself before calling.
 */
export function useAction() {
  const [error, setError] = useState<ReadableError>();
  const run = useCallback(async (action: () => Promise<unknown>): Promise<void> => {
    setError(undefined);
    try {
      await action();
    } catch (err) {
      setError(readable(err));
    }
  }, []);
  return { error, setError, run };
}

/** A labelled input whose field violation (by proto field path) shows beside it. */
export function Field(props: {
  label: string;
  /** The proto field path(s) whose violation shows here, e.g. ["price", "price.amount_minor"]. */
  name: string | readonly string[];
  error?: ReadableError | undefined;
  children: (id: string, describedBy: string | undefined) => ReactNode;
  hint?: string;
}) {
  const id = useId();
  const names = typeof props.name === "string" ? [props.name] : props.name;
  const problem = names.map((n) => props.error?.fields[n]).find(Boolean);
  const describedBy = problem ? `${id}-error` : props.hint ? `${id}-hint` : undefined;
  return (
    <div className={problem ? "field invalid" : "field"}>
      <label htmlFor={id}>{props.label}</label>
      {props.children(id, describedBy)}
      {props.hint && !problem ? (
        <small id={`${id}-hint`} className="hint">
          {props.hint}
        </small>
      ) : null}
      {problem ? (
        <small id={`${id}-error`} className="field-error" role="alert" data-field={names[0]}>
          {problem}
        </small>
      ) : null}
    </div>
  );
}

/** The error of a form as a whole, with the violations no field of the form shows. */
export function FormError({ error, shown = [] }: { error: ReadableError | undefined; shown?: string[] }) {
  if (!error) return null;
  const rest = Object.entries(error.fields).filter(([f]) => !shown.includes(f));
  return (
    <div className="form-error" role="alert">
      <p>{error.message}</p>
      {rest.length > 0 ? (
        <ul>
          {rest.map(([f, d]) => (
            <li key={f}>
              <code>{f}</code>: {d}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

/**
 * Cursor paging: the tokens of the pages seen so far, so "Previous" goes back without the server keeping state.
 */
export function usePager() {
  const [tokens, setTokens] = useState<string[]>([""]);
  const token = tokens[tokens.length - 1] ?? "";
  return {
    token,
    page: tokens.length,
    reset: () => setTokens([""]),
    next: (nextToken: string) => setTokens((t) => [...t, nextToken]),
    previous: () => setTokens((t) => (t.length > 1 ? t.slice(0, -1) : t)),
  };
}

export function Pager(props: { pager: ReturnType<typeof usePager>; nextToken: string | undefined }) {
  const { pager, nextToken } = props;
  return (
    <nav className="pager" aria-label="pages">
      <button type="button" className="pager-button" onClick={pager.previous} disabled={pager.page <= 1}>
        ← Previous
      </button>
      <span>Page {pager.page}</span>
      <button
        type="button"
        className="pager-button"
        onClick={() => nextToken && pager.next(nextToken)}
        disabled={!nextToken}
      >
        Next →
      </button>
    </nav>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="loading" aria-busy="true">
      Loading {what}…
    </p>
  );
}

/**
 * A filter on an enum (an order's status, a purchase's state): "Any" for its unspecified zero, then the given
 * values by name. `onChange` also gets the chance to go back to the first page.
 */
export function EnumFilter<E extends number>(props: {
  label: string;
  value: E;
  values: readonly E[];
  names: Record<number, string>;
  onChange: (value: E) => void;
}) {
  return (
    <label>
      {props.label}{" "}
      <select value={props.value} onChange={(e) => props.onChange(Number(e.target.value) as E)}>
        <option value={0}>Any</option>
        {props.values.map((v) => (
          <option key={v} value={v}>
            {enumWord(props.names[v])}
          </option>
        ))}
      </select>
    </label>
  );
}
