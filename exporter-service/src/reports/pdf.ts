import type { ReportLanguage } from '@auditlens/contract/rest';
import { createRequire } from 'node:module';
import PDFDocument from 'pdfkit';
import { ANOMALIES } from './anomalies.js';
import type { Status } from './evidence.js';
import type { ReportContent } from './generate.js';
import {
  checkText,
  controlTitle,
  frameworkName,
  LABELS,
  requirementText,
  type ReportLabels,
} from './locale.js';

const MARGIN = 50;
const WIDTH = 595.28 - 2 * MARGIN;
const FOOTER_Y = 841.89 - 38;
const STATUS_COLOR: Record<Status | 'met' | 'gap', string> = {
  met: '#1a7f37',
  gap: '#c62828',
  not_applicable: '#6e7781',
};
const SERIES = [
  { key: 'events', color: '#1f6feb' },
  { key: 'failed', color: '#c62828' },
  { key: 'highRisk', color: '#bf8700' },
] as const;

/**
 * The fonts every PDF embeds: Noto Sans SC (SIL Open Font License 1.1, from the npm package
 * @expo-google-fonts/noto-sans-sc), whose glyphs cover Latin and Chinese, so a Chinese user
 * name, action or report prints as written. pdfkit embeds only the glyphs a report uses.
 */
const require = createRequire(import.meta.url);
export const BUNDLED_FONTS = {
  regular: require.resolve('@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf'),
  bold: require.resolve('@expo-google-fonts/noto-sans-sc/700Bold/NotoSansSC_700Bold.ttf'),
};

interface Fonts {
  regular: string;
  bold: string;
}

const percent = (x: number): string => `${(x * 100).toFixed(2)}%`;

/**
 * Renders a report as PDF in a language: summary figures, vector charts, controls with the
 * evidence of their checks, data-quality checks, integrity. `font` replaces the bundled fonts.
 */
export function renderPdf(
  report: ReportContent,
  sha256: string,
  options: { font?: string | undefined; lang?: ReportLanguage } = {},
): Promise<Buffer> {
  const lang = options.lang ?? 'en';
  const l = LABELS[lang];
  const framework = frameworkName(report, lang);
  const doc = new PDFDocument({
    size: 'A4',
    margin: MARGIN,
    bufferPages: true,
    lang: lang === 'zh-CN' ? 'zh-CN' : 'en',
    info: {
      Title: `${l.title} ${framework} ${report.period.label}`,
      Author: 'AuditLens',
      Subject: `tenant ${report.tenant || '(system)'}; content SHA-256 ${sha256}`,
    },
  });
  const fonts: Fonts = { regular: 'report-regular', bold: 'report-bold' };
  doc.registerFont(fonts.regular, options.font ?? BUNDLED_FONTS.regular);
  doc.registerFont(fonts.bold, options.font ?? BUNDLED_FONTS.bold);
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  const ensureSpace = (height: number): void => {
    if (doc.y + height > FOOTER_Y - 15) doc.addPage();
  };
  // A heading keeps a few lines of its section with it.
  const heading = (text: string): void => {
    ensureSpace(80);
    doc.moveDown(0.6).font(fonts.bold).fontSize(13).fillColor('#000').text(text, MARGIN, doc.y);
    doc.moveDown(0.3);
  };

  // Title and identification.
  doc.font(fonts.bold).fontSize(20).fillColor('#000').text(l.title);
  doc.font(fonts.regular).fontSize(12).fillColor('#333').text(framework);
  doc.moveDown(0.6).fontSize(9.5).fillColor('#000');
  const floor = report.retentionFloor;
  const meta: [string, string][] = [
    [l.tenant, report.tenant === '' ? l.systemRecords : report.tenant],
    [l.period, `${report.period.type} ${report.period.label} (UTC${report.period.utcOffset})`],
    [l.fromTo, `${report.period.start} – ${report.period.end}`],
    [l.generated, `${report.generatedAt} ${l.by} ${report.generatedBy}`],
    [l.reportId, report.id],
    [l.sha256, sha256],
    ...(floor
      ? [[l.retentionFloor, l.floor(floor.days, floor.statutoryMinimumDays, floor.setBy)] as [string, string]]
      : []),
  ];
  for (const [label, value] of meta) {
    const y = doc.y;
    doc.font(fonts.bold).text(label, MARGIN, y, { width: 95 });
    doc.font(fonts.regular).text(value, MARGIN + 100, y, { width: WIDTH - 100 });
  }

  // Overall status.
  doc.moveDown(0.6);
  const statusY = doc.y;
  doc.rect(MARGIN, statusY, WIDTH, 30).fill(STATUS_COLOR[report.status]);
  const counts = report.statusCounts;
  doc
    .font(fonts.bold)
    .fontSize(12)
    .fillColor('#fff')
    .text(
      `${l.overall[report.status]}   ${l.counts(counts.met, counts.gap, counts.not_applicable)}`,
      MARGIN + 10,
      statusY + 8,
      { width: WIDTH - 20 },
    );
  doc.y = statusY + 40;

  // Summary figures (the source's report figures).
  heading(l.summary);
  const s = report.summary;
  const f = l.figures;
  const figures: [string, string][] = [
    [f.total, String(s.total)],
    [f.failed, String(s.failed)],
    [f.highRisk, String(s.highRisk)],
    [f.sensitive, String(s.sensitive)],
    [f.uniqueUsers, String(s.uniqueUsers)],
    [f.uniqueIps, String(s.uniqueIps)],
    [f.errorRate, percent(s.errorRate)],
    [f.riskRate, percent(s.riskRate)],
  ];
  const boxW = WIDTH / 4;
  const gridY = doc.y;
  figures.forEach(([label, value], i) => {
    const x = MARGIN + (i % 4) * boxW;
    const y = gridY + Math.floor(i / 4) * 42;
    doc
      .rect(x + 2, y, boxW - 4, 38)
      .lineWidth(0.5)
      .strokeColor('#d0d7de')
      .stroke();
    doc
      .font(fonts.regular)
      .fontSize(8)
      .fillColor('#57606a')
      .text(label, x + 8, y + 4, { width: boxW - 16 });
    doc
      .font(fonts.bold)
      .fontSize(13)
      .fillColor('#000')
      .text(value, x + 8, y + 16, { width: boxW - 16 });
  });
  doc.y = gridY + 90;

  // Charts.
  heading(l.recordsOverPeriod);
  ensureSpace(150);
  const lineY = doc.y;
  lineChart(doc, fonts, l, s.trend, MARGIN, lineY, WIDTH, 120);
  doc.y = lineY + 145;
  ensureSpace(150);
  const chartsY = doc.y;
  doc.font(fonts.bold).fontSize(10).fillColor('#000').text(l.byResult, MARGIN, chartsY);
  barChart(doc, fonts, l, Object.entries(s.byResult), MARGIN, chartsY + 16, WIDTH / 2 - 15, 110);
  doc
    .font(fonts.bold)
    .fontSize(10)
    .fillColor('#000')
    .text(l.topActions, MARGIN + WIDTH / 2 + 5, chartsY);
  horizontalBars(
    doc,
    fonts,
    l,
    s.byAction.slice(0, 8).map((a) => [a.action, a.events] as [string, number]),
    MARGIN + WIDTH / 2 + 5,
    chartsY + 16,
    WIDTH / 2 - 5,
    110,
  );
  doc.y = chartsY + 140;
  doc.x = MARGIN;
  const kinds = Object.entries(s.byKind)
    .map(([k, n]) => `${k} ${n}`)
    .join(' · ');
  doc
    .font(fonts.regular)
    .fontSize(9)
    .fillColor('#333')
    .text(`${l.byKind}: ${kinds || l.none}`, MARGIN, doc.y);

  // Controls, with the evidence of their checks.
  doc.addPage();
  heading(`${l.controls} — ${framework}`);
  for (const control of report.controls) {
    const requirement = requirementText(control.requirement, lang);
    const evidence = control.checks
      .flatMap((id) => {
        const check = report.checks[id];
        if (!check) return [];
        const text = checkText(check, lang);
        return [`• ${text.title}${lang === 'zh-CN' ? '：' : ': '}${text.summary}`];
      })
      .join('\n');
    const title = `${control.id}  ${controlTitle(control, lang)}`;
    const needed =
      doc
        .font(fonts.bold)
        .fontSize(10)
        .heightOfString(title, { width: WIDTH - 90 }) +
      doc.font(fonts.regular).fontSize(8).heightOfString(requirement, { width: WIDTH }) +
      doc.fontSize(8.5).heightOfString(evidence, { width: WIDTH - 10 }) +
      20;
    ensureSpace(needed);
    const y = doc.y;
    doc
      .font(fonts.bold)
      .fontSize(10)
      .fillColor('#000')
      .text(title, MARGIN, y, { width: WIDTH - 90 });
    const after = doc.y;
    doc.rect(MARGIN + WIDTH - 80, y - 1, 80, 14).fill(STATUS_COLOR[control.status]);
    doc
      .font(fonts.bold)
      .fontSize(8)
      .fillColor('#fff')
      .text(l.status[control.status], MARGIN + WIDTH - 80, y + 1, { width: 80, align: 'center' });
    doc.y = Math.max(after, y + 15);
    doc
      .font(fonts.regular)
      .fontSize(8)
      .fillColor('#57606a')
      .text(requirement, MARGIN, doc.y, { width: WIDTH });
    doc.moveDown(0.2);
    doc
      .fontSize(8.5)
      .fillColor('#000')
      .text(evidence, MARGIN + 10, doc.y, { width: WIDTH - 10 });
    doc.moveDown(0.8);
  }

  // Data quality: the source's consistency check (§6.1.2) and anomalies (§6.2).
  heading(l.anomalies);
  doc.fontSize(9);
  for (const anomaly of ANOMALIES) {
    const count = report.anomalies[anomaly.key];
    const meaning = lang === 'zh-CN' ? anomaly.zh : anomaly.en;
    const height = doc.font(fonts.regular).heightOfString(meaning, { width: WIDTH - 270 });
    ensureSpace(height + 4);
    const y = doc.y;
    doc
      .font(fonts.bold)
      .fillColor(count !== undefined && count > 0 ? STATUS_COLOR.gap : '#000')
      .text(anomaly.name, MARGIN, y, { width: 200 });
    doc
      .font(fonts.regular)
      .fillColor('#000')
      .text(count === undefined ? '—' : String(count), MARGIN + 205, y, { width: 60 });
    doc.fillColor('#57606a').text(meaning, MARGIN + 270, y, { width: WIDTH - 270 });
    doc.y = Math.max(doc.y, y + height) + 2;
  }

  // Integrity.
  const integrity = report.checks.integrity;
  if (integrity) {
    heading(l.integrity);
    doc
      .font(fonts.regular)
      .fontSize(9)
      .fillColor('#000')
      .text(checkText(integrity, lang).summary, MARGIN, doc.y, { width: WIDTH });
    const broken = integrity.data.firstBroken as {
      table: string;
      sequence: number | null;
      problems: { kind: string; detail: string; eventId?: string }[];
    } | null;
    if (broken) {
      doc
        .moveDown(0.3)
        .font(fonts.bold)
        .text(`${l.firstBroken}: ${broken.table} #${broken.sequence ?? '—'}`);
      for (const problem of broken.problems.slice(0, 10)) {
        doc
          .font(fonts.regular)
          .text(`• ${problem.kind}${problem.eventId ? ` ${problem.eventId}` : ''}: ${problem.detail}`, {
            width: WIDTH - 10,
          });
      }
    }
  }

  // Footer on every page.
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    // The footer sits in the bottom margin; without this pdfkit would start a new page for it.
    doc.page.margins.bottom = 0;
    doc
      .font(fonts.regular)
      .fontSize(7)
      .fillColor('#6e7781')
      .text(
        `AuditLens · ${report.framework.id} · ${l.tenant} ${report.tenant || '(system)'} · ` +
          `${report.period.type === 'custom' ? l.customPeriod : report.period.label} · ${l.page(i + 1, range.count)}`,
        MARGIN,
        FOOTER_Y,
        { width: WIDTH, align: 'center', lineBreak: false },
      )
      .text(`content SHA-256 ${sha256}`, MARGIN, FOOTER_Y + 9, {
        width: WIDTH,
        align: 'center',
        lineBreak: false,
      });
  }
  doc.end();
  return done;
}

function niceMax(value: number): number {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

/** Events, failures and high-risk records per bucket as vector polylines with axes and a legend. */
function lineChart(
  doc: PDFKit.PDFDocument,
  fonts: Fonts,
  labels: ReportLabels,
  trend: ReportContent['summary']['trend'],
  x: number,
  y: number,
  w: number,
  h: number,
): void {
  const left = x + 35;
  const plotW = w - 40;
  const max = niceMax(Math.max(0, ...trend.map((p) => p.events)));
  doc.lineWidth(0.5).strokeColor('#d0d7de');
  for (let i = 0; i <= 4; i++) {
    const gy = y + h - (h * i) / 4;
    doc
      .moveTo(left, gy)
      .lineTo(left + plotW, gy)
      .stroke();
    if (trend.length === 0) continue;
    const tick = (max * i) / 4;
    doc
      .font(fonts.regular)
      .fontSize(7)
      .fillColor('#57606a')
      .text(Number.isInteger(tick) ? String(tick) : tick.toFixed(1), x, gy - 4, {
        width: 30,
        align: 'right',
      });
  }
  if (trend.length === 0) {
    doc
      .fontSize(9)
      .fillColor('#57606a')
      .text(labels.noRecordsInPeriod, left, y + h / 2 - 5, { width: plotW, align: 'center' });
    return;
  }
  const px = (i: number): number =>
    left + (trend.length === 1 ? plotW / 2 : (plotW * i) / (trend.length - 1));
  const py = (v: number): number => y + h - (h * v) / max;
  for (const series of SERIES) {
    doc.lineWidth(1.2).strokeColor(series.color);
    trend.forEach((point, i) => {
      const value = point[series.key];
      if (i === 0) doc.moveTo(px(i), py(value));
      else doc.lineTo(px(i), py(value));
    });
    if (trend.length === 1) doc.circle(px(0), py(trend[0]?.[series.key] ?? 0), 1.5);
    doc.stroke();
  }
  doc.fontSize(7).fillColor('#57606a');
  doc.text(trend[0]?.bucket ?? '', left, y + h + 4, { width: 150 });
  doc.text(trend.at(-1)?.bucket ?? '', left + plotW - 150, y + h + 4, { width: 150, align: 'right' });
  SERIES.forEach((series, i) => {
    const lx = left + plotW / 2 - 100 + i * 70;
    doc.rect(lx, y + h + 6, 8, 3).fill(series.color);
    doc.fillColor('#333').text(labels.series[series.key], lx + 11, y + h + 2, { width: 55 });
  });
}

/** The message a chart shows in its place when it has nothing to draw. */
function emptyChart(doc: PDFKit.PDFDocument, fonts: Fonts, message: string, x: number, y: number): void {
  doc.font(fonts.regular).fontSize(9).fillColor('#57606a').text(message, x, y);
}

/** Vertical bars with value labels. */
function barChart(
  doc: PDFKit.PDFDocument,
  fonts: Fonts,
  labels: ReportLabels,
  entries: [string, number][],
  x: number,
  y: number,
  w: number,
  h: number,
): void {
  if (entries.length === 0) {
    emptyChart(doc, fonts, labels.noRecords, x, y + h / 2);
    return;
  }
  const max = niceMax(Math.max(...entries.map(([, n]) => n)));
  const slot = w / entries.length;
  const barW = Math.min(40, slot * 0.6);
  doc
    .lineWidth(0.5)
    .strokeColor('#8c959f')
    .moveTo(x, y + h)
    .lineTo(x + w, y + h)
    .stroke();
  entries.forEach(([label, n], i) => {
    const barH = (h - 14) * (n / max);
    const bx = x + i * slot + (slot - barW) / 2;
    doc
      .rect(bx, y + h - barH, barW, barH)
      .fill(label === 'success' ? '#1a7f37' : label === 'partial' ? '#bf8700' : '#c62828');
    doc
      .font(fonts.regular)
      .fontSize(7)
      .fillColor('#000')
      .text(String(n), bx - 10, y + h - barH - 9, { width: barW + 20, align: 'center' });
    doc.fillColor('#57606a').text(label, x + i * slot, y + h + 1, { width: slot, align: 'center' });
  });
}

/** Horizontal bars (labels left) for the most frequent actions. */
function horizontalBars(
  doc: PDFKit.PDFDocument,
  fonts: Fonts,
  labels: ReportLabels,
  entries: [string, number][],
  x: number,
  y: number,
  w: number,
  h: number,
): void {
  if (entries.length === 0) {
    emptyChart(doc, fonts, labels.noActions, x, y + h / 2);
    return;
  }
  const max = Math.max(...entries.map(([, n]) => n), 1);
  const row = Math.min(14, h / entries.length);
  const labelW = 95;
  entries.forEach(([label, n], i) => {
    const ry = y + i * row;
    doc
      .font(fonts.regular)
      .fontSize(7)
      .fillColor('#333')
      .text(label, x, ry + 1, { width: labelW - 4, lineBreak: false, ellipsis: true });
    const barW = (w - labelW - 30) * (n / max);
    doc.rect(x + labelW, ry + 2, barW, row - 5).fill('#1f6feb');
    doc.fillColor('#000').text(String(n), x + labelW + barW + 3, ry + 2, { width: 30 });
  });
}
