import { useCallback, useEffect, useState } from "react";
import { api, ApiError } from "./api";

export interface Loaded<T> {
  readonly data: T | undefined;
  readonly error: ApiError | undefined;
  readonly loading: boolean;
  readonly reload: () => void;
}

/** GET `path` (null: nothing yet) and keep the answer; a new path aborts the previous request. */
export function useApi<T>(path: string | null): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: ApiError; loading: boolean }>({
    loading: path !== null,
  });
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    if (path === null) return undefined;
    const abort = new AbortController();
    setState((s) => ({ ...s, loading: true }));
    api<T>(path, { signal: abort.signal }).then(
      (data) => {
        setState({ data, loading: false });
      },
      (e: unknown) => {
        if (abort.signal.aborted) return;
        const error =
          e instanceof ApiError ? e : new ApiError(0, "NETWORK", "The server could not be reached.");
        setState({ error, loading: false });
      },
    );
    return () => {
      abort.abort();
    };
  }, [path, generation]);
  const reload = useCallback(() => {
    setGeneration((g) => g + 1);
  }, []);
  return { data: state.data, error: state.error, loading: state.loading, reload };
}

/** Set the document title to "<page> · detente". */
export function useTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · detente`;
  }, [title]);
}
