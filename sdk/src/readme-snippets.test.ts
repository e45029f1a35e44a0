// Every TypeScript snippet of the SDK README and of the repository README compiles under
// `tsc --strict` against the built SDK, as an application would compile it (issue 20: the README's
// Express snippet failed on `req.user`). Each snippet is its own ES module; the values a snippet
// takes as given (the client, a before image, the app's auth function) are declared once below.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const READMES = ['sdk/README.md', 'README.md'];
const OUT = join(ROOT, 'test-output', 'readme-snippets');

/** What the snippets use without defining: the application's own values. */
const GIVEN = `
declare const audit: import('@auditlens/sdk').AuditClient;
declare const before: Record<string, unknown>;
declare const after: Record<string, unknown>;
declare const payload: unknown;
declare const failedLoginEventIds: string[];
declare function currentUser(req: import('express').Request): import('@auditlens/sdk').AuditIdentity | undefined;
// The application's OpenAI client, as the openai package types a chat completion (usage optional).
declare const messages: { role: 'system' | 'user' | 'assistant'; content: string }[];
declare const openai: {
  chat: {
    completions: {
      create(request: { model: string; messages: typeof messages }): Promise<{
        id: string;
        model: string;
        usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
      }>;
    };
  };
};
`;

interface Snippet {
  readme: string;
  line: number;
  code: string;
}

function snippets(readme: string): Snippet[] {
  const lines = readFileSync(join(ROOT, readme), 'utf8').split('\n');
  const found: Snippet[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]?.trim() !== '```ts') continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && lines[end]?.trim() !== '```') end++;
    found.push({ readme, line: start + 1, code: lines.slice(start, end).join('\n') });
    i = end;
  }
  return found;
}

test('every TypeScript snippet of the READMEs compiles under --strict against the SDK', () => {
  const all = READMES.flatMap(snippets);
  assert.ok(all.length >= 10, `only ${all.length} snippets found`);
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  writeFileSync(join(OUT, 'package.json'), '{ "type": "module" }\n');
  writeFileSync(join(OUT, 'given.d.ts'), GIVEN);
  const files = new Map<string, Snippet>();
  all.forEach((snippet, index) => {
    const file = join(OUT, `snippet-${index}.ts`);
    writeFileSync(file, `${snippet.code}\nexport {};\n`);
    files.set(file, snippet);
  });
  const program = ts.createProgram([...files.keys(), join(OUT, 'given.d.ts')], {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    types: ['node'],
  });
  const problems = ts.getPreEmitDiagnostics(program).map((diagnostic) => {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
    const file = diagnostic.file;
    const snippet = file && files.get(file.fileName);
    if (!file || !snippet || diagnostic.start === undefined) return `${file?.fileName ?? ''}: ${message}`;
    const { line } = file.getLineAndCharacterOfPosition(diagnostic.start);
    return `${snippet.readme}:${snippet.line + line}: ${message}`;
  });
  assert.deepEqual(problems, []);
});
