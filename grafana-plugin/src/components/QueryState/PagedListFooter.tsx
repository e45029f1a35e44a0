import { Button, Stack, Text } from '@grafana/ui';
import React from 'react';

import type { CursorPages } from '../../hooks/useCursorPages';

/** Under a cursor-paged list: "nothing matches", loading, or "Load more" while more pages exist. */
export function PagedListFooter({
  pages,
  what,
  empty,
}: {
  pages: CursorPages<unknown>;
  what: string;
  empty: string;
}) {
  return (
    <>
      {!pages.loading && pages.error === undefined && pages.rows.length === 0 && (
        <Text color="secondary" element="p">
          {empty}
        </Text>
      )}
      <Stack justifyContent="center">
        {pages.loading && <Text color="secondary">Loading {what}…</Text>}
        {pages.hasMore && !pages.loading && (
          <Button variant="secondary" onClick={pages.loadMore}>
            Load more
          </Button>
        )}
      </Stack>
    </>
  );
}
