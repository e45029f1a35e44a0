import { AUDIT_KINDS } from '@auditlens/contract';
import { formatTime } from '../mapping/fields.js';
import { AUDIT_TABLES, KINDS, type AuditKind } from '../mapping/kinds.js';
import type { CheckResult, Evidence } from './evidence.js';

// Checks that the records are complete and continuous: required fields present, no service
// silent for an hour, clocks in step.

/** Field names of the completeness check, in Chinese. */
const FIELD_ZH: Record<string, string> = {
  time: '日期和时间',
  user: '用户',
  type: '事件类型',
  result: '事件结果',
  origin: '来源地址',
  resource: '操作对象',
};

/** Required-field completeness threshold. */
const FIELD_THRESHOLD = 0.95;
/** A service silent this long inside the period is a pipeline gap. */
const GAP_MINUTES = 60;
/** Records whose event time is ahead of the exporter's clock by more than this are "clock ahead". */
const CLOCK_AHEAD_SECONDS = 2;
const CLOCK_THRESHOLD = 0.01;

export async function fields(evidence: Evidence, id: string, required: string[]): Promise<CheckResult> {
  const type: Record<AuditKind, string> = {
    request: "http_method != '' AND url_path != ''",
    db_operation: "db_operation != ''",
    field_change: "change_type != ''",
    security: "event_type != ''",
    admin: "operation_name != ''",
    access: "access_type != ''",
  };
  const resource: Record<AuditKind, string> = {
    request: "url_path != ''",
    db_operation: "db_table != ''",
    field_change: "db_table != '' AND record_id != ''",
    security: "target_resource != '' OR user_id != '' OR username != ''",
    admin: "target_type != '' OR target_id != '' OR url_path != ''",
    access: "resource != ''",
  };
  const rows = await evidence.ctx.store.query<Record<string, string>>(
    AUDIT_KINDS.map(
      (kind) =>
        `SELECT '${kind}' AS kind, count() AS n, countIf(event_time > toDateTime64(0, 3)) AS time,
             countIf(user_id != '' OR username != '') AS user, countIf(${type[kind]}) AS type,
             countIf(result != '') AS result, countIf(ip_address != toIPv6('::')) AS origin,
             countIf(${resource[kind]}) AS resource
           FROM ${evidence.from(KINDS[kind].table)} WHERE ${evidence.scope}`,
    ).join(' UNION ALL '),
    evidence.params,
  );
  const total = rows.reduce((n, r) => n + Number(r.n), 0);
  const completeness: Record<string, number> = {};
  for (const field of required) {
    const present = rows.reduce((n, r) => n + Number(r[field] ?? 0), 0);
    completeness[field] = total === 0 ? 1 : present / total;
  }
  const byKind = Object.fromEntries(
    rows.map((r) => [
      r.kind,
      {
        rows: Number(r.n),
        ...Object.fromEntries(
          required.map((f) => [f, Number(r.n) === 0 ? 1 : Number(r[f] ?? 0) / Number(r.n)]),
        ),
      },
    ]),
  );
  const short = required.filter((f) => (completeness[f] ?? 0) < FIELD_THRESHOLD);
  const percent = (f: string): string => `${f} ${((completeness[f] ?? 0) * 100).toFixed(1)}%`;
  return {
    id,
    title: `Required fields are complete (${required.join(', ')})`,
    status: total === 0 ? 'not_applicable' : short.length === 0 ? 'met' : 'gap',
    summary:
      total === 0
        ? 'no records in the period'
        : `${required.map(percent).join(', ')} of ${total} records` +
          (short.length > 0 ? `; below ${FIELD_THRESHOLD * 100}%: ${short.join(', ')}` : ''),
    zh: {
      title: `必填字段完整（${required.map((f) => FIELD_ZH[f] ?? f).join('、')}）`,
      summary:
        total === 0
          ? '本期没有记录'
          : `${total} 条记录中：${required.map((f) => `${FIELD_ZH[f] ?? f} ${((completeness[f] ?? 0) * 100).toFixed(1)}%`).join('，')}` +
            (short.length > 0
              ? `；低于 ${FIELD_THRESHOLD * 100}%：${short.map((f) => FIELD_ZH[f] ?? f).join('、')}`
              : ''),
    },
    data: { threshold: FIELD_THRESHOLD, records: total, completeness, byKind },
  };
}

export async function pipeline(evidence: Evidence, id: string): Promise<CheckResult> {
  const params = { ...evidence.params, gap: GAP_MINUTES };
  const bucketScope =
    "tenant_id = {tenant:String} AND bucket >= toStartOfMinute({from:DateTime64(3, 'UTC')}) AND bucket < {to:DateTime64(3, 'UTC')} " +
    "AND kind != 'access' AND service NOT IN ('', 'auditlens-exporter')";
  const inner = await evidence.ctx.store.query<{
    service: string;
    prev: string;
    bucket: string;
    minutes: string;
  }>(
    `SELECT service, prev, bucket, dateDiff('minute', prev, bucket) AS minutes FROM (
       SELECT service, bucket, lagInFrame(bucket) OVER (PARTITION BY service ORDER BY bucket ASC
         ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS prev
       FROM (SELECT DISTINCT service, bucket FROM ${evidence.db}.audit_summary_minute WHERE ${bucketScope}))
     WHERE prev > toDateTime(0) AND dateDiff('minute', prev, bucket) > {gap:UInt32}
     ORDER BY bucket LIMIT 1000`,
    params,
  );
  const services = await evidence.ctx.store.query<{
    service: string;
    first: string;
    last: string;
    n: string;
  }>(
    `SELECT service, min(bucket) AS first, max(bucket) AS last, sum(events) AS n
     FROM ${evidence.db}.audit_summary_minute WHERE ${bucketScope} GROUP BY service ORDER BY service`,
    params,
  );
  const end = Math.min(evidence.ctx.toMs, evidence.ctx.now);
  const gaps = inner.map((g) => ({
    service: g.service,
    from: g.prev,
    to: g.bucket,
    minutes: Number(g.minutes) - 1,
  }));
  for (const s of services) {
    const lastMs = Date.parse(`${s.last.replace(' ', 'T')}Z`) + 60_000;
    const minutes = Math.floor((end - lastMs) / 60_000);
    if (minutes >= GAP_MINUTES) {
      gaps.push({ service: s.service, from: s.last, to: formatTime(end), minutes });
    }
  }
  return {
    id,
    title: 'Audit pipeline without interruptions (no service silent for an hour or more)',
    status: services.length === 0 ? 'not_applicable' : gaps.length === 0 ? 'met' : 'gap',
    summary:
      services.length === 0
        ? 'no service sent audit records in the period'
        : gaps.length === 0
          ? `${services.length} services sent records without a silence of ${GAP_MINUTES} minutes or more`
          : `${gaps.length} silences of ${GAP_MINUTES}+ minutes (${[...new Set(gaps.map((g) => g.service))].join(', ')}): ` +
            'quiet periods or an interrupted audit pipeline; review them',
    zh: {
      title: `审计进程未中断（没有服务静默 ${GAP_MINUTES} 分钟或更久）`,
      summary:
        services.length === 0
          ? '本期没有服务发送审计记录'
          : gaps.length === 0
            ? `${services.length} 个服务持续发送记录，没有 ${GAP_MINUTES} 分钟或更久的静默`
            : `${gaps.length} 次 ${GAP_MINUTES} 分钟以上的静默（${[...new Set(gaps.map((g) => g.service))].join('、')}）：业务空闲或审计链路中断，请复核`,
    },
    data: {
      gapMinutes: GAP_MINUTES,
      services: services.map((s) => ({
        service: s.service,
        first: s.first,
        last: s.last,
        records: Number(s.n),
      })),
      gaps: gaps.slice(0, 200),
      gapCount: gaps.length,
    },
  };
}

export async function clock(evidence: Evidence, id: string): Promise<CheckResult> {
  const rows = await evidence.ctx.store.query<{ n: string; ahead: string; lag: string }>(
    AUDIT_TABLES.filter((t) => t !== 'audit_access_log')
      .map(
        (t) =>
          `SELECT count() AS n, countIf(event_time > received_at + toIntervalSecond(${CLOCK_AHEAD_SECONDS})) AS ahead,
             max(dateDiff('second', event_time, received_at)) AS lag
           FROM ${evidence.from(t)} WHERE ${evidence.scope}`,
      )
      .join(' UNION ALL '),
    evidence.params,
  );
  const total = rows.reduce((n, r) => n + Number(r.n), 0);
  const ahead = rows.reduce((n, r) => n + Number(r.ahead), 0);
  const maxLag = Math.max(0, ...rows.map((r) => Number(r.lag)));
  const rate = total === 0 ? 0 : ahead / total;
  return {
    id,
    title: 'Clocks of the recording systems are synchronised',
    status: total === 0 ? 'not_applicable' : rate <= CLOCK_THRESHOLD ? 'met' : 'gap',
    summary:
      total === 0
        ? 'no records in the period'
        : `${ahead} of ${total} records (${(rate * 100).toFixed(2)}%) carry a time more than ${CLOCK_AHEAD_SECONDS} s ahead of the exporter's clock`,
    zh: {
      title: '记录系统的时钟保持同步',
      summary:
        total === 0
          ? '本期没有记录'
          : `${total} 条记录中有 ${ahead} 条（${(rate * 100).toFixed(2)}%）的时间比导出服务时钟快 ${CLOCK_AHEAD_SECONDS} 秒以上`,
    },
    data: { records: total, ahead, aheadRate: rate, threshold: CLOCK_THRESHOLD, maxDelaySeconds: maxLag },
  };
}
