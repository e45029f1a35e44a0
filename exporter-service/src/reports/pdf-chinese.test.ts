// Chinese that prints: every PDF report embeds a subset of the bundled CJK font (Noto Sans SC), so
// a Chinese action name prints as written, and the MLPS report renders in Chinese (`lang=zh-CN`:
// section titles, GB/T 22239-2019 clause names, findings). Checked as a reader would: the pages
// rendered to PNG (test-output/reports/, poppler's pdftoppm) and the text extracted (pdftotext);
// pdffonts shows the fonts embedded as subsets.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../config.js';
import type { RunningExporter } from '../exporter.js';
import { startTestExporter, postLogs, requestRecord, tempDir } from '@auditlens/test-support';
import { complianceModule } from '../compliance/module.js';

const OUT = fileURLToPath(new URL('../../../test-output/reports/', import.meta.url));
const TOKEN = 'pdf-chinese-admin';
const dir = tempDir('pdf-chinese');
let exporter: RunningExporter;
let reportId: string;

/** poppler-utils (Debian; .ci/run installs it): without them the rendering checks cannot run. */
function hasPoppler(): boolean {
  try {
    execFileSync('pdftoppm', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function pdf(lang: string): Promise<string> {
  const response = await fetch(`${exporter.apiUrl}/api/v1/reports/${reportId}.pdf?tenant=acme&lang=${lang}`, {
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  assert.equal(response.status, 200);
  const file = join(OUT, `mlps3-${lang}.pdf`);
  writeFileSync(file, Buffer.from(await response.arrayBuffer()));
  return file;
}

const text = (file: string): string =>
  execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });

before(async () => {
  mkdirSync(OUT, { recursive: true });
  exporter = await startTestExporter(dir.path, {
    apiTokens: new Map([[TOKEN, { role: 'admin' as const, tenants: new Set(['*']) }]]),
    compliance: { ...loadConfig({}).compliance, reportSchedule: undefined, archiveIntervalMinutes: 0 },
    modules: [complianceModule()],
  });
  const records = Array.from({ length: 6 }, (_, i) =>
    requestRecord({
      timeMs: Date.now() - 60_000 + i * 1000,
      attributes: { 'audit.operation': i % 2 === 0 ? '系统初始化' : '查询订单', 'user.name': '张三' },
    }),
  );
  assert.equal((await postLogs(exporter.otlpUrl, records)).status, 200);
  const response = await fetch(`${exporter.apiUrl}/api/v1/reports`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      tenant: 'acme',
      framework: 'mlps3',
      period: 'custom',
      from: Date.now() - 3600_000,
      to: Date.now() + 60_000,
    }),
  });
  assert.equal(response.status, 201);
  reportId = ((await response.json()) as { id: string }).id;
});

after(async () => {
  await exporter.close();
  dir.remove();
});

test('every check of a report carries its title and finding in Chinese', async () => {
  const response = await fetch(`${exporter.apiUrl}/api/v1/reports/${reportId}?tenant=acme`, {
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  const { content } = (await response.json()) as {
    content: {
      checks: Record<string, { zh?: { title: string; summary: string } }>;
      controls: { titleZh?: string }[];
    };
  };
  for (const [id, check] of Object.entries(content.checks)) {
    assert.match(check.zh?.title ?? '', /[\u4e00-\u9fff]/, `${id}: Chinese title`);
    assert.match(check.zh?.summary ?? '', /[\u4e00-\u9fff]/, `${id}: Chinese finding`);
  }
  assert.ok(content.controls.every((c) => /[\u4e00-\u9fff]/.test(c.titleZh ?? '')));
});

test('the MLPS report in zh-CN and in English: Chinese prints, fonts embedded as subsets, pages rendered', async (t) => {
  if (!hasPoppler()) {
    t.skip('poppler-utils (pdftoppm, pdftotext) not installed: apt-get install poppler-utils');
    return;
  }
  const zh = await pdf('zh-CN');
  const en = await pdf('en');

  const chinese = text(zh);
  for (const expected of [
    '合规报告',
    '网络安全等级保护 2.0 第三级',
    '留存下限',
    '180 天（法定最低 180 天',
    '概要',
    '主要操作',
    '系统初始化',
    '控制项',
    '安全审计 a)：启用安全审计功能',
    '数据完整性：采用校验技术或密码技术',
    '应启用安全审计功能',
    '登录和退出操作被审计',
    '数据质量：一致性检查与异常',
    '完整性验证',
    '第 1 页，共',
  ]) {
    assert.ok(chinese.includes(expected), `zh-CN PDF text has "${expected}"`);
  }
  assert.doesNotMatch(chinese, /\?{3,}/, 'no run of question marks in place of characters');

  // The English report prints the Chinese data too (a user's action names).
  const english = text(en);
  assert.ok(english.includes('Compliance report'));
  assert.ok(english.includes('系统初始化'), 'Top actions shows 系统初始化, not ?????');
  assert.doesNotMatch(english, /\?{3,}/);

  for (const file of [zh, en]) {
    // pdffonts: every font embedded, and as a subset (name prefixed with a subset tag).
    const fonts = execFileSync('pdffonts', [file], { encoding: 'utf8' }).split('\n').slice(2).filter(Boolean);
    assert.ok(fonts.length >= 2);
    for (const line of fonts) {
      assert.match(line, /^[A-Z]{6}\+NotoSansSC/, line);
      assert.match(line, /\byes\s+yes\s+yes\b/, `embedded, subset, unicode: ${line}`);
    }
    // Pages as a person sees them.
    const prefix = file.replace(/\.pdf$/, '');
    execFileSync('pdftoppm', ['-png', '-r', '70', file, prefix]);
  }
  const pngs = readdirSync(OUT).filter((name) => name.startsWith('mlps3-zh-CN') && name.endsWith('.png'));
  assert.ok(pngs.length >= 2, pngs.join());
  for (const png of pngs) assert.ok(statSync(join(OUT, png)).size > 10_000, `${png} has content`);
});
