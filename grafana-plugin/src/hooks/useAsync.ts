import { useCallback, useEffect, useRef, useState } from 'react';

export interface AsyncState<T> {
  loading: boolean;
  error: unknown;
  data: T | undefined;
  /** Runs the request again (after a mutation, or on demand). */
  reload: () => void;
}

/**
 * Runs `load` whenever `key` changes and keeps the latest answer. An answer that arrives after a
 * newer request started is dropped, so fast filter changes never show stale data. `load` returning
 * undefined means "nothing to ask yet" (e.g. no tenant chosen).
 */
export function useAsync<T>(load: () => Promise<T> | undefined, key: string): AsyncState<T> {
  const [state, setState] = useState<{ loading: boolean; error: unknown; data: T | undefined }>({
    loading: true,
    error: undefined,
    data: undefined,
  });
  const [generation, setGeneration] = useState(0);
  const latest = useRef(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  useEffect(() => {
    const id = ++latest.current;
    const promise = loadRef.current();
    if (!promise) {
      setState({ loading: false, error: undefined, data: undefined });
      return;
    }
    setState((previous) => ({ ...previous, loading: true, error: undefined }));
    promise.then(
      (data) => {
        if (id === latest.current) setState({ loading: false, error: undefined, data });
      },
      (error: unknown) => {
        if (id === latest.current) setState({ loading: false, error, data: undefined });
      },
    );
  }, [key, generation]);

  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { ...state, reload };
}
