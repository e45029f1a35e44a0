import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TempDir {
  path: string;
  /** Removes the directory and everything in it. */
  remove(): void;
}

/** A fresh temporary directory, removed by `remove()`. */
export function tempDir(prefix: string): TempDir {
  const path = mkdtempSync(join(tmpdir(), `auditlens-${prefix}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}
