import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root directory (test-support/dist/ is two levels below it). */
export const REPOSITORY_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface Workspace {
  /** Directory relative to the repository root, e.g. `exporter-service`. */
  dir: string;
  name: string;
  /** Not published (`private: true`). */
  private: boolean;
}

interface PackageJson {
  name: string;
  private?: boolean;
  workspaces?: string[];
}

const readPackage = (dir: string): PackageJson =>
  JSON.parse(readFileSync(join(REPOSITORY_ROOT, dir, 'package.json'), 'utf8')) as PackageJson;

/** Every npm workspace of the repository (the root package.json's `workspaces`). */
export function workspaces(): Workspace[] {
  return (readPackage('.').workspaces ?? []).map((dir) => {
    const pkg = readPackage(dir);
    return { dir, name: pkg.name, private: pkg.private === true };
  });
}
