import PDFDocument from 'pdfkit';
import type { Status } from './evidence.js';
import type { ReportContent } from './generate.js';

const MARGIN = 50;
const WIDTH = 595.28 - 2 * MARGIN;
const FOOTER_Y = 841.89 - 38;
const STATUS_COLOR: Record<Status | 'met' | 'gap', string> = {
  met: '#1a7f37',
  gap: '#c62828',
  not_applicable: '#6e7781',
};
const SERIES = [
  { key: 'events', label: 'events', color: '#1f6feb' },
  { key: 'failed', label: 'failed', color: '#c62828' },
  { key: 'highRisk', label: 'high-risk', color: '#bf8700' },
] as const;

/** Characters the standard PDF fonts (WinAnsi) can show, beyond Latin-1. */
const WIN_ANSI = new Set('€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ');
const CJK = /[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]/;

interface Fonts {
  regular: string;
  bold: string;
  unicode: boolean;
}

/** Text for the standard fonts: ≥ → >=, anything else they cannot show → ?. */
function printable(text: string, fonts: Fonts): string {
  if (fonts.unicode) return text;
  const replaced = text
    .replaceAll('≥', '>=')
    .replaceAll('≤', '<=')
    .replaceAll('→', '->')
    .replaceAll('×', 'x');
  let out = '';
  for (const ch of replaced) {
    const code = ch.codePointAt(0) ?? 63;
    out += code < 256 || WIN_ANSI.has(ch) ? ch : '?';
  }
  return out;
}

/** A bilingual requirement "中文 (English)" keeps its English part when the font has no CJK glyphs. */
function requirementText(text: string, fonts: Fonts): string {
  if (fonts.unicode || !CJK.test(text)) return printable(text, fonts);
  const english = /\(([^()]*)\)\s*$/.exec(text)?.[1];
  return printable(english ?? text, fonts);
}

const percent = (x: number): string => `${(x * 100).toFixed(2)}%`;

/** Renders a report as PDF: summary figures, vector charts, controls with evidence, anomalies, integrity. */
export function renderPdf(
  report: ReportContent,
  sha256: string,
  options: { font?: string | undefined } = {},
): Promise<Buffer> {
  const doc = new PDFDocument({
    size: 'A4',
    margin: MARGIN,
    bufferPages: true,
    info: {
      Title: `AuditLens compliance report ${report.framework.name} ${report.period.label}`,
      Author: 'AuditLens',
      Subject: `tenant ${report.tenant || '(system)'}; content SHA-256 ${sha256}`,
    },
  });
  const fonts: Fonts = options.font
    ? { regular: 'report-font', bold: 'report-font', unicode: true }
    : { regular: 'Helvetica', bold: 'Helvetica-Bold', unicode: false };
  if (options.font) doc.registerFont('report-font', options.font);
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  const t = (text: string): string => printable(text, fonts);

  const ensureSpace = (height: number): void => {
    if (doc.y + height > FOOTER_Y - 15) doc.addPage();
  };
  const heading = (text: string): void => {
    ensureSpace(40);
    doc.moveDown(0.6).font(fonts.bold).fontSize(13).fillColor('#000').text(t(text), MARGIN, doc.y);
    doc.moveDown(0.3);
  };

  // Title and identification.
  doc.font(fonts.bold).fontSize(20).fillColor('#000').text('Compliance report');
  doc.font(fonts.regular).fontSize(12).fillColor('#333').text(t(report.framework.name));
  doc.moveDown(0.6).fontSize(9.5).fillColor('#000');
  const meta: [string, string][] = [
    ['Tenant', report.tenant === '' ? '(system-level records)' : report.tenant],
    ['Period', `${report.period.type} ${report.period.label} (UTC${report.period.utcOffset})`],
    ['From / to', `${report.period.start} – ${report.period.end}`],
    ['Generated', `${report.generatedAt} by ${report.generatedBy}`],
    ['Report id', report.id],
    ['Content SHA-256', sha256],
  ];
  for (const [label, value] of meta) {
    const y = doc.y;
    doc.font(fonts.bold).text(t(label), MARGIN, y, { width: 95 });
    doc.font(fonts.regular).text(t(value), MARGIN + 100, y, { width: WIDTH - 100 });
  }

  // Overall status.
  doc.moveDown(0.6);
  const statusY = doc.y;
  doc.rect(MARGIN, statusY, WIDTH, 30).fill(STATUS_COLOR[report.status]);
  doc
    .font(fonts.bold)
    .fontSize(12)
    .fillColor('#fff')
    .text(
      `${report.status === 'met' ? 'ALL CONTROLS MET' : 'GAPS FOUND'}   ` +
        `met ${report.statusCounts.met} · gap ${report.statusCounts.gap} · not applicable ${report.statusCounts.not_applicable}`,
      MARGIN + 10,
      statusY + 9,
      { width: WIDTH - 20 },
    );
  doc.y = statusY + 40;

  // Summary figures (the source's report figures).
  heading('Summary');
  const s = report.summary;
  const figures: [string, string][] = [
    ['Total records', String(s.total)],
    ['Failed', String(s.failed)],
    ['High-risk', String(s.highRisk)],
    ['Sensitive', String(s.sensitive)],
    ['Unique users', String(s.uniqueUsers)],
    ['Unique IPs', String(s.uniqueIps)],
    ['Error rate', percent(s.errorRate)],
    ['Risk rate', percent(s.riskRate)],
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
      .text(t(label), x + 8, y + 5, { width: boxW - 16 });
    doc
      .font(fonts.bold)
      .fontSize(13)
      .fillColor('#000')
      .text(t(value), x + 8, y + 17, { width: boxW - 16 });
  });
  doc.y = gridY + 90;

  // Charts.
  heading('Records over the period');
  ensureSpace(150);
  const lineY = doc.y;
  lineChart(doc, fonts, s.trend, MARGIN, lineY, WIDTH, 120);
  doc.y = lineY + 145;
  ensureSpace(150);
  const chartsY = doc.y;
  doc.font(fonts.bold).fontSize(10).fillColor('#000').text('By result', MARGIN, chartsY);
  barChart(doc, fonts, Object.entries(s.byResult), MARGIN, chartsY + 16, WIDTH / 2 - 15, 110);
  doc
    .font(fonts.bold)
    .fontSize(10)
    .fillColor('#000')
    .text('Top actions', MARGIN + WIDTH / 2 + 5, chartsY);
  horizontalBars(
    doc,
    fonts,
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
    .text(t(`By kind: ${kinds || 'none'}`), MARGIN, doc.y);

  // Controls.
  doc.addPage();
  heading(`Controls — ${report.framework.name}`);
  for (const control of report.controls) {
    const requirement = requirementText(control.requirement, fonts);
    const evidence = control.evidence.map((e) => `• ${t(e)}`).join('\n');
    const needed =
      doc.heightOfString(`${control.id} ${control.title}`, { width: WIDTH - 90 }) +
      doc.fontSize(8).heightOfString(requirement, { width: WIDTH }) +
      doc.fontSize(8.5).heightOfString(evidence, { width: WIDTH - 10 }) +
      20;
    ensureSpace(needed);
    const y = doc.y;
    doc
      .font(fonts.bold)
      .fontSize(10)
      .fillColor('#000')
      .text(t(`${control.id}  ${control.title}`), MARGIN, y, { width: WIDTH - 90 });
    const after = doc.y;
    doc.rect(MARGIN + WIDTH - 80, y - 1, 80, 14).fill(STATUS_COLOR[control.status]);
    doc
      .font(fonts.bold)
      .fontSize(8)
      .fillColor('#fff')
      .text(control.status.replace('_', ' ').toUpperCase(), MARGIN + WIDTH - 80, y + 2.5, {
        width: 80,
        align: 'center',
      });
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

  // Anomalies (source §6.2).
  heading('Data-quality anomalies');
  const a = report.anomalies;
  const anomalies: [string, number, string][] = [
    ['missing_user_info', a.missingUserInfo, 'requests without user id or user name'],
    ['excessive_response_time', a.excessiveResponseTime, `requests slower than ${a.slowResponseMs / 1000} s`],
    ['orphaned_field_changes', a.orphanedFieldChanges, 'field changes without their data operation'],
    ['unlinked_field_changes', a.unlinkedFieldChanges, 'of those, field changes that name no data operation'],
  ];
  doc.fontSize(9);
  for (const [name, count, meaning] of anomalies) {
    ensureSpace(14);
    const y = doc.y;
    doc
      .font(fonts.bold)
      .fillColor(count > 0 ? STATUS_COLOR.gap : '#000')
      .text(name, MARGIN, y, { width: 170 });
    doc
      .font(fonts.regular)
      .fillColor('#000')
      .text(String(count), MARGIN + 175, y, { width: 60 });
    doc.fillColor('#57606a').text(meaning, MARGIN + 240, y, { width: WIDTH - 240 });
  }

  // Integrity.
  const integrity = report.checks.integrity;
  if (integrity) {
    heading('Integrity verification');
    doc
      .font(fonts.regular)
      .fontSize(9)
      .fillColor('#000')
      .text(t(integrity.summary), MARGIN, doc.y, { width: WIDTH });
    const broken = integrity.data.firstBroken as {
      table: string;
      sequence: number | null;
      problems: { kind: string; detail: string; eventId?: string }[];
    } | null;
    if (broken) {
      doc
        .moveDown(0.3)
        .font(fonts.bold)
        .text(t(`First broken batch: ${broken.table} checkpoint ${broken.sequence ?? '(none)'}`));
      for (const problem of broken.problems.slice(0, 10)) {
        doc
          .font(fonts.regular)
          .text(t(`• ${problem.kind}${problem.eventId ? ` ${problem.eventId}` : ''}: ${problem.detail}`), {
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
        t(
          `AuditLens · ${report.framework.id} · tenant ${report.tenant || '(system)'} · ` +
            `${report.period.type === 'custom' ? 'custom period' : report.period.label} · page ${i + 1} of ${range.count}`,
        ),
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
      .text('no records in the period', left, y + h / 2 - 5, { width: plotW, align: 'center' });
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
    doc.fillColor('#333').text(series.label, lx + 11, y + h + 4, { width: 55 });
  });
}

/** Vertical bars with value labels. */
function barChart(
  doc: PDFKit.PDFDocument,
  fonts: Fonts,
  entries: [string, number][],
  x: number,
  y: number,
  w: number,
  h: number,
): void {
  if (entries.length === 0) {
    doc
      .font(fonts.regular)
      .fontSize(9)
      .fillColor('#57606a')
      .text('no records', x, y + h / 2);
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
    doc
      .fillColor('#57606a')
      .text(printable(label, fonts), x + i * slot, y + h + 3, { width: slot, align: 'center' });
  });
}

/** Horizontal bars (labels left) for the most frequent actions. */
function horizontalBars(
  doc: PDFKit.PDFDocument,
  fonts: Fonts,
  entries: [string, number][],
  x: number,
  y: number,
  w: number,
  h: number,
): void {
  if (entries.length === 0) {
    doc
      .font(fonts.regular)
      .fontSize(9)
      .fillColor('#57606a')
      .text('no actions', x, y + h / 2);
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
      .text(printable(label, fonts), x, ry + 2, { width: labelW - 4, lineBreak: false, ellipsis: true });
    const barW = (w - labelW - 30) * (n / max);
    doc.rect(x + labelW, ry + 2, barW, row - 5).fill('#1f6feb');
    doc.fillColor('#000').text(String(n), x + labelW + barW + 3, ry + 2, { width: 30 });
  });
}
