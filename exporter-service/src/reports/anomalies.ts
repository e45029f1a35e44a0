import type { Evidence } from './evidence.js';

/** Responses slower than this are the source's excessive_response_time anomaly (§6.2). */
const SLOW_RESPONSE_MS = 30_000;

/**
 * The source's data-quality checks for the period: request ↔ data-operation consistency
 * (001_… §6.1.2; linked by trace id, DESIGN §4) and the anomalies of §6.2.
 */
export async function findAnomalies(evidence: Evidence): Promise<Anomalies> {
  const nearby =
    "tenant_id = {tenant:String} AND trace_id != '' AND event_time >= {from:DateTime64(3, 'UTC')} - toIntervalDay(1) " +
    "AND event_time < {to:DateTime64(3, 'UTC')} + toIntervalDay(1)";
  const row = await evidence.one(
    `SELECT
       (SELECT count() FROM ${evidence.from('audit_request_log')} WHERE ${evidence.scope} AND user_id = '' AND username = '') AS missing_user,
       (SELECT count() FROM ${evidence.from('audit_request_log')} WHERE ${evidence.scope} AND duration_ms > {slow:Float64}) AS slow,
       (SELECT count() FROM ${evidence.from('audit_change_log')} WHERE ${evidence.scope}
          AND db_event_id NOT IN (SELECT event_id FROM ${evidence.from('audit_database_log')}
            WHERE tenant_id = {tenant:String}
              AND event_time >= {from:DateTime64(3, 'UTC')} - toIntervalDay(1)
              AND event_time < {to:DateTime64(3, 'UTC')} + toIntervalDay(1))) AS orphaned,
       (SELECT count() FROM ${evidence.from('audit_change_log')} WHERE ${evidence.scope}
          AND db_event_id = toUUID('00000000-0000-0000-0000-000000000000')) AS unlinked,
       (SELECT count() FROM ${evidence.from('audit_database_log')} WHERE ${evidence.scope}
          AND trace_id NOT IN (SELECT trace_id FROM ${evidence.from('audit_request_log')} WHERE ${nearby})) AS ops_without_request,
       (SELECT count() FROM ${evidence.from('audit_request_log')} WHERE ${evidence.scope}
          AND http_method IN ('POST', 'PUT', 'PATCH', 'DELETE') AND status_code BETWEEN 200 AND 299
          AND trace_id NOT IN (SELECT trace_id FROM ${evidence.from('audit_database_log')} WHERE ${nearby})) AS changes_without_op`,
    { slow: SLOW_RESPONSE_MS },
  );
  return {
    missingUserInfo: Number(row.missing_user ?? 0),
    excessiveResponseTime: Number(row.slow ?? 0),
    orphanedFieldChanges: Number(row.orphaned ?? 0),
    unlinkedFieldChanges: Number(row.unlinked ?? 0),
    dataOperationsWithoutRequest: Number(row.ops_without_request ?? 0),
    changingRequestsWithoutDataOperation: Number(row.changes_without_op ?? 0),
    slowResponseMs: SLOW_RESPONSE_MS,
  };
}

/** The data-quality counts of a report (ReportContent.anomalies). */
export interface Anomalies {
  missingUserInfo: number;
  excessiveResponseTime: number;
  orphanedFieldChanges: number;
  unlinkedFieldChanges: number;
  /** Absent in reports of format 1. */
  dataOperationsWithoutRequest?: number;
  changingRequestsWithoutDataOperation?: number;
  slowResponseMs: number;
}

type AnomalyKey = Exclude<keyof Anomalies, 'slowResponseMs'>;

/** The anomalies in report order: key, the source's name, and what they count (English, Chinese). */
export const ANOMALIES: readonly { key: AnomalyKey; name: string; en: string; zh: string }[] = [
  {
    key: 'dataOperationsWithoutRequest',
    name: 'data_operations_without_request',
    en: 'data operations whose request is not recorded (no request in their trace; §6.1.2)',
    zh: '找不到对应请求的数据操作（其链路中没有请求记录；§6.1.2）',
  },
  {
    key: 'changingRequestsWithoutDataOperation',
    name: 'changing_requests_without_data_operation',
    en: 'successful POST/PUT/PATCH/DELETE requests with no data operation in their trace (§6.1.2)',
    zh: '成功的 POST/PUT/PATCH/DELETE 请求，其链路中没有数据操作（§6.1.2）',
  },
  {
    key: 'missingUserInfo',
    name: 'missing_user_info',
    en: 'requests without user id or user name',
    zh: '缺少用户标识或用户名的请求',
  },
  {
    key: 'excessiveResponseTime',
    name: 'excessive_response_time',
    en: `requests slower than ${SLOW_RESPONSE_MS / 1000} s`,
    zh: `响应时间超过 ${SLOW_RESPONSE_MS / 1000} 秒的请求`,
  },
  {
    key: 'orphanedFieldChanges',
    name: 'orphaned_field_changes',
    en: 'field changes without their data operation',
    zh: '找不到对应数据操作的字段变更',
  },
  {
    key: 'unlinkedFieldChanges',
    name: 'unlinked_field_changes',
    en: 'of those, field changes that name no data operation',
    zh: '其中未指明数据操作的字段变更',
  },
];
