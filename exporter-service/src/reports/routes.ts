import express, { type Request, type Response } from 'express';
import {
  REPORT_LANGUAGES,
  reportListQuerySchema,
  reportRequestSchema,
  type Answer,
  type createdReportSchema,
  type reportListSchema,
  type storedReportSchema,
} from '@auditlens/contract/rest';
import { z } from 'zod';
import type { AccessLog } from '../api/access-log.js';
import { ApiError } from '../api/errors.js';
import { authorizedTenant, principalOf } from '../api/principal.js';
import { renderCsv } from './csv.js';
import { decodeReportCursor, listReports, readReport } from './generate.js';
import { singleValues } from '../api/params.js';
import { fieldError } from './params.js';
import { resolvePeriod } from './periods.js';
import { renderPdf } from './pdf.js';
import type { ComplianceRuntime } from '../compliance/runtime.js';

const FILE = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?:\.(pdf|csv|json))?$/i;

/** Report endpoints: generate on demand, list, read, export as PDF or CSV. Every one writes an access record. */
export function createReportsRouter(runtime: ComplianceRuntime, accessLog: AccessLog): express.Router {
  const router = express.Router();

  router.post('/reports', async (request: Request, response: Response) => {
    const principal = principalOf(response);
    const body = reportRequestSchema.parse(request.body);
    const tenantId = authorizedTenant(principal, body.tenant);
    const period = (() => {
      try {
        return resolvePeriod(body.period, body, runtime.config.compliance.reportUtcOffsetMinutes);
      } catch (error) {
        return fieldError(error);
      }
    })();
    const report = await runtime.generateReport({
      tenantId,
      framework: body.framework,
      period,
      generatedBy: principal.userName || principal.subject,
    });
    await accessLog.record(principal, {
      tenantId,
      type: 'report',
      resource: 'POST /api/v1/reports',
      filter: { framework: body.framework, period: body.period, label: period.label },
      rows: report.content.summary.total,
    });
    response.status(201).json({
      id: report.content.id,
      sha256: report.sha256,
      content: report.content,
    } satisfies Answer<typeof createdReportSchema>);
  });

  router.get('/reports', async (request: Request, response: Response) => {
    const principal = principalOf(response);
    const query = reportListQuerySchema.parse(singleValues(request.query));
    const tenantId = authorizedTenant(principal, query.tenant);
    if (query.cursor && !decodeReportCursor(query.cursor)) {
      throw new ApiError(400, 'cursor: not a cursor returned by this API');
    }
    const page = await listReports(runtime.store, {
      tenantId,
      framework: query.framework,
      periodType: query.period,
      limit: query.limit,
      cursor: query.cursor,
    });
    await accessLog.record(principal, {
      tenantId,
      type: 'read',
      resource: 'GET /api/v1/reports',
      filter: { framework: query.framework ?? null, period: query.period ?? null, limit: query.limit },
      rows: page.reports.length,
    });
    response.json(page satisfies Answer<typeof reportListSchema>);
  });

  router.get('/reports/:file', async (request: Request, response: Response) => {
    const principal = principalOf(response);
    const match = FILE.exec(String(request.params.file));
    if (!match?.[1])
      throw new ApiError(400, 'id: a report id (UUID), optionally followed by .pdf, .csv or .json');
    const id = match[1].toLowerCase();
    const format = (match[2] ?? 'json').toLowerCase();
    const query = singleValues(request.query);
    const lang = z.enum(REPORT_LANGUAGES).default('en').parse(query.lang);
    const tenantId = authorizedTenant(principal, query.tenant);
    const report = await readReport(runtime.store, tenantId, id);
    await accessLog.record(principal, {
      tenantId,
      type: format === 'json' ? 'read' : 'export',
      resource: `GET /api/v1/reports/{id}${format === 'json' ? '' : `.${format}`}`,
      filter: { id },
      rows: report ? 1 : 0,
    });
    if (!report) throw new ApiError(404, `no report ${id} for this tenant`);
    const name = `auditlens-${report.framework}-${report.periodLabel.replace(/[^\w.-]+/g, '_')}-${id.slice(0, 8)}`;
    response.set('X-Content-SHA256', report.sha256);
    if (format === 'pdf') {
      const pdf = await renderPdf(report.content, report.sha256, {
        font: runtime.config.compliance.reportFont,
        lang,
      });
      response
        .type('application/pdf')
        .set('Content-Disposition', `attachment; filename="${name}.pdf"`)
        .send(pdf);
    } else if (format === 'csv') {
      response
        .type('text/csv; charset=utf-8')
        .set('Content-Disposition', `attachment; filename="${name}.csv"`)
        .send(renderCsv(report.content, report.sha256));
    } else {
      const { json: _json, ...rest } = report;
      response.json(rest satisfies Answer<typeof storedReportSchema>);
    }
  });

  return router;
}
