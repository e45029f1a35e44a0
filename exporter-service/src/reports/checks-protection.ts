import { INTEGRITY_VIOLATION } from '../alerts/builtin.js';
import { AUDIT_TABLES } from '../mapping/kinds.js';
import { COLUMN_DEFAULT_DAYS, onlineDays, presetById, totalDays } from '../retention/policies.js';
import type { CheckResult, Evidence } from './evidence.js';

// Checks that the records are protected: kept long enough, intact, read only by those allowed,
// every read logged, stored append-only.

export async function retention(evidence: Evidence, id: string): Promise<CheckResult> {
  const preset = presetById(evidence.ctx.framework);
  const requiredTotal = Math.max(preset?.minTotalDays ?? 0, evidence.ctx.policies.floorDays);
  const requiredOnline = preset?.minOnlineDays ?? 0;
  await evidence.ctx.policies.load();
  const days = (d: number): number | null => (Number.isFinite(d) ? d : null);
  const tables = AUDIT_TABLES.map((table) => {
    const policies = evidence.ctx.policies.forTable(table).map((p) => ({
      id: p.id,
      name: p.name,
      module: p.module,
      riskLevel: p.riskLevel,
      totalDays: days(totalDays(p)),
      onlineDays: days(onlineDays(p)),
      autoDelete: p.autoDelete,
      meets: totalDays(p) >= requiredTotal && onlineDays(p) >= requiredOnline,
    }));
    const fallback = policies.length === 0;
    const meets = fallback
      ? COLUMN_DEFAULT_DAYS >= requiredTotal && COLUMN_DEFAULT_DAYS >= requiredOnline
      : policies.every((p) => p.meets);
    return { table, meets, policies, ...(fallback ? { columnDefaultDays: COLUMN_DEFAULT_DAYS } : {}) };
  });
  const short = tables.filter((t) => !t.meets);
  return {
    id,
    title: 'Retention configured meets the requirement',
    status: short.length === 0 ? 'met' : 'gap',
    summary:
      `required: kept ≥ ${requiredTotal} days` +
      (requiredOnline > 0 ? `, ≥ ${requiredOnline} days immediately available` : '') +
      (short.length === 0
        ? '; every enabled policy meets it'
        : `; short: ${short.flatMap((t) => t.policies.filter((p) => !p.meets).map((p) => p.id)).join(', ')}`),
    zh: {
      title: '配置的留存期限满足要求',
      summary:
        `要求：保存不少于 ${requiredTotal} 天` +
        (requiredOnline > 0 ? `，其中不少于 ${requiredOnline} 天可立即查询` : '') +
        `（法定下限 ${evidence.ctx.policies.floorDays} 天）` +
        (short.length === 0
          ? '；所有启用的策略均满足'
          : `；不满足：${short.flatMap((t) => t.policies.filter((p) => !p.meets).map((p) => p.id)).join('、')}`),
    },
    data: {
      required: { totalDays: requiredTotal, onlineDays: requiredOnline, basis: preset?.basis ?? '' },
      floorDays: evidence.ctx.policies.floorDays,
      tables,
    },
  };
}

/**
 * The whole period verified (in chunks of bounded memory: integrity/verify.ts), and the
 * violations the exporter's scheduled verification raised in the period (integrity/scheduled-verification.ts).
 */
export async function integrity(evidence: Evidence, id: string): Promise<CheckResult> {
  const [result, raised] = await Promise.all([
    evidence.ctx.verify(),
    evidence.one(
      `SELECT count() AS n FROM ${evidence.from('audit_security_log')} WHERE ${evidence.scope} AND event_type = {type:String}`,
      { type: INTEGRITY_VIOLATION },
    ),
  ]);
  const violations = Number(raised.n ?? 0);
  const nothing = result.verdict === 'no_data';
  const verified = `verified ${result.from} – ${result.to}`;
  const scheduled =
    violations > 0
      ? `; the scheduled verification raised ${violations} integrity violations in the period`
      : '';
  return {
    id,
    title: 'Integrity of the period verified against signed checkpoints',
    status: !result.ok || violations > 0 ? 'gap' : nothing ? 'not_applicable' : 'met',
    summary:
      (!result.ok
        ? `${result.problemCount} integrity problems; first: ${result.firstBroken?.problems[0]?.kind ?? ''} in ${result.firstBroken?.table ?? ''} (${verified})`
        : nothing
          ? `no records and no checkpoints in the period (${verified})`
          : `${result.rows} rows and ${result.checkpoints} checkpoints ${verified}: intact`) + scheduled,
    zh: {
      title: '本期审计数据已依据签名检查点完成完整性验证',
      summary:
        (!result.ok
          ? `发现 ${result.problemCount} 个完整性问题；首个：${result.firstBroken?.table ?? ''} 中的 ${result.firstBroken?.problems[0]?.kind ?? ''}`
          : nothing
            ? '本期没有记录，也没有检查点'
            : `${result.rows} 条记录、${result.checkpoints} 个检查点验证完好`) +
        `（验证区间 ${result.from} – ${result.to}）` +
        (violations > 0 ? `；定期验证在本期发出 ${violations} 次完整性告警` : ''),
    },
    data: {
      verifiedFrom: result.from,
      verifiedTo: result.to,
      ok: result.ok,
      rows: result.rows,
      checkpoints: result.checkpoints,
      expiredRows: result.expiredRows,
      unsealedRows: result.unsealedRows,
      problemCount: result.problemCount,
      firstBroken: result.firstBroken,
      chains: result.chains.length,
      scheduledViolations: violations,
    },
  };
}

export async function accessLog(evidence: Evidence, id: string): Promise<CheckResult> {
  const rows = await evidence.ctx.store.query<{ type: string; n: string }>(
    `SELECT access_type AS type, count() AS n FROM ${evidence.from('audit_access_log')} WHERE ${evidence.scope} GROUP BY type ORDER BY type`,
    evidence.params,
  );
  const byType = Object.fromEntries(rows.map((r) => [r.type, Number(r.n)]));
  const total = rows.reduce((n, r) => n + Number(r.n), 0);
  return {
    id,
    title: 'Access to audit data is logged',
    status: total > 0 ? 'met' : 'not_applicable',
    summary:
      total > 0
        ? `${total} reads, searches, exports, reports and verifications of audit data logged (every API read is recorded before data is served)`
        : 'no access to this tenant’s audit data in the period',
    zh: {
      title: '对审计数据的访问被记录',
      summary:
        total > 0
          ? `记录了 ${total} 次对审计数据的读取、搜索、导出、报告和验证（每次 API 读取在返回数据前先记录）`
          : '本期没有对该租户审计数据的访问',
    },
    data: { total, byType },
  };
}

export async function accessControl(evidence: Evidence, id: string): Promise<CheckResult> {
  const tokens = [...evidence.ctx.apiTokens.values()];
  const readers = tokens.filter((t) => t.role === 'reader').length;
  const admins = tokens.filter((t) => t.role === 'admin').length;
  const open = tokens.length === 0;
  return {
    id,
    title: 'Access to audit data is authenticated and role-separated',
    status: open ? 'gap' : 'met',
    summary: open
      ? 'the REST API runs in dev mode (AUDITLENS_API_TOKENS unset): anyone can read audit data'
      : `${readers} reader and ${admins} admin API tokens; tenant-scoped; configuration changes need an admin token`,
    zh: {
      title: '对审计数据的访问经过身份鉴别并按角色分离',
      summary: open
        ? 'REST API 处于开发模式（未设置 AUDITLENS_API_TOKENS）：任何人都能读取审计数据'
        : `只读令牌 ${readers} 个、管理令牌 ${admins} 个，按租户限定范围；配置变更需要管理令牌`,
    },
    data: { devMode: open, readerTokens: readers, adminTokens: admins },
  };
}

export async function store(evidence: Evidence, id: string): Promise<CheckResult> {
  const { mode, volume, intervalMinutes } = evidence.ctx.archive;
  return {
    id,
    title: 'Audit records are stored centrally, append-only',
    status: 'met',
    summary:
      mode === 'server'
        ? `ClickHouse server; rows are written only by the exporter (INSERT), archived ${volume ? `to volume ${volume}` : 'in place'}`
        : `embedded ClickHouse in the exporter's data directory; archive tables every ${intervalMinutes} minutes`,
    zh: {
      title: '审计记录集中存储，只追加不修改',
      summary:
        mode === 'server'
          ? `ClickHouse 服务器；记录仅由导出服务写入（INSERT），${volume ? `归档至存储卷 ${volume}` : '原地归档'}`
          : `导出服务数据目录中的嵌入式 ClickHouse；每 ${intervalMinutes} 分钟归档一次`,
    },
    data: { mode, archiveVolume: volume ?? null, archiveIntervalMinutes: intervalMinutes },
  };
}
