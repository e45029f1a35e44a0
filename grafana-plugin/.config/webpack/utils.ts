import fs from 'fs';
import path from 'path';
import type { RuleSetRule } from 'webpack';

import { SOURCE_DIR } from './constants';

export interface PluginJson {
  id: string;
  type: string;
  info: { version: string };
}

export function getPackageJson(): { version: string } {
  return JSON.parse(fs.readFileSync(path.resolve(process.cwd(), 'package.json'), 'utf8'));
}

export function getPluginJson(): PluginJson {
  return JSON.parse(fs.readFileSync(path.resolve(process.cwd(), SOURCE_DIR, 'plugin.json'), 'utf8'));
}

export function hasReadme(): boolean {
  return fs.existsSync(path.resolve(process.cwd(), SOURCE_DIR, 'README.md'));
}

/** Entry points: src/module.(ts|tsx) for the plugin, plus any nested plugin's module file. */
export function getEntries(): Record<string, string> {
  const entries: Record<string, string> = {};
  for (const name of ['module.tsx', 'module.ts']) {
    if (fs.existsSync(path.resolve(process.cwd(), SOURCE_DIR, name))) {
      entries.module = `./${name}`;
      break;
    }
  }
  if (!entries.module) throw new Error(`no ${SOURCE_DIR}/module.tsx or module.ts`);
  return entries;
}

/** TypeScript/JSX of our own sources (not node_modules) through swc, React's automatic runtime. */
export function swcRule(jsc: Record<string, unknown>): RuleSetRule {
  return {
    exclude: /node_modules/,
    test: /\.[tj]sx?$/,
    use: {
      loader: 'swc-loader',
      options: {
        jsc: {
          parser: { syntax: 'typescript', tsx: true, decorators: false, dynamicImport: true },
          transform: { react: { runtime: 'automatic' } },
          ...jsc,
        },
      },
    },
  };
}
