import { useCallback, useRef } from 'react';
import { useSearchParams } from 'react-router-dom';

/** New values of URL parameters: a value sets it, '' or undefined removes it. */
export type UrlChanges = Record<string, string | undefined>;

/**
 * A page's state lives in its URL (tenant, period, filters, selection, open record), so a link
 * reproduces the view and the browser's back and forward buttons step through it: every change
 * is a history entry unless `replace` is asked for (a default filled in, not a user's step).
 */
export function useUrlParams(): [
  URLSearchParams,
  (changes: UrlChanges, options?: { replace?: boolean }) => void,
] {
  const [params, setParams] = useSearchParams();
  // One update function for the page's life (react-router makes a new setter on every navigation).
  const setter = useRef(setParams);
  setter.current = setParams;
  const update = useCallback(
    (changes: UrlChanges, options: { replace?: boolean } = {}) =>
      setter.current(
        (current) => {
          const next = new URLSearchParams(current);
          for (const [name, value] of Object.entries(changes)) {
            if (value === undefined || value === '') next.delete(name);
            else next.set(name, value);
          }
          return next;
        },
        { replace: options.replace ?? false },
      ),
    [],
  );
  return [params, update];
}
