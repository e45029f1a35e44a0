// A deterministic stream of realistic, mixed audit records: the same seed always gives the same
// records, so the exporter, the raw-insert ceiling and the MariaDB peer are fed identical data.
//
// Records come in "flows" the way an instrumented application produces them: one request, the
// data operations it caused, one field change per changed field, a security event for logins and
// attacks, an admin record for administrative operations; all of a flow share its trace id.
import type { AuditKind } from '@auditlens/contract';
import { seededRandom } from '@auditlens/test-support';

/** The kinds an application sends (not the exporter's own `access`). */
export type Kind = Exclude<AuditKind, 'access'>;
export const KINDS: readonly Kind[] = ['request', 'db_operation', 'field_change', 'security', 'admin'];

export type AttrValue = string | number | boolean | string[];

export interface BenchRecord {
  kind: Kind;
  timeMs: number;
  eventId: string;
  traceId: string;
  spanId: string;
  tenant: string;
  service: string;
  body: string;
  attributes: Record<string, AttrValue>;
  /** 1-based id of the row within its table (the source design's AUTO_INCREMENT id). */
  rowId: number;
  /** The source design's links: the flow's request row, the data operation of a field change. */
  requestRowId: number;
  dbRowId: number;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export const TENANTS = ['tenant_001', 'tenant_002', 'tenant_003', 'tenant_004', 'tenant_005', 'tenant_006'];
const TENANT_WEIGHTS = [0.4, 0.2, 0.15, 0.1, 0.1, 0.05];
export const SERVICES = [
  'shop-web',
  'order-svc',
  'payment-svc',
  'user-center',
  'admin-console',
  'report-svc',
];
const USERS = 20_000;
const SURNAMES = ['zhang', 'wang', 'li', 'zhao', 'liu', 'chen', 'yang', 'huang', 'zhou', 'wu', 'xu', 'sun'];
const GIVEN = [
  'wei',
  'fang',
  'na',
  'min',
  'jing',
  'lei',
  'qiang',
  'jun',
  'yang',
  'yong',
  'yan',
  'jie',
  'tao',
];
const USER_AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.49',
  'Mozilla/5.0 (Linux; Android 14; 23127PN0CC) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.6422.165 Mobile Safari/537.36',
  'Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.80',
  'okhttp/4.12.0',
  'python-requests/2.32.3',
];
const ROLES = [['user'], ['user', 'buyer'], ['user', 'seller'], ['auditor'], ['admin'], ['ops', 'user']];

interface Entity {
  table: string;
  route: string;
  module: string;
  fields: [name: string, label: string, type: string][];
}
const ENTITIES: Entity[] = [
  {
    table: 'sys_user',
    route: '/api/users/:id/profile',
    module: 'USER_MGMT',
    fields: [
      ['name', '姓名', 'STRING'],
      ['email', '邮箱', 'STRING'],
      ['phone', '手机号', 'STRING'],
      ['avatar', '头像', 'STRING'],
    ],
  },
  {
    table: 'shop_order',
    route: '/api/orders/:id',
    module: 'ORDER',
    fields: [
      ['status', '订单状态', 'STRING'],
      ['amount', '金额', 'NUMBER'],
      ['address', '收货地址', 'STRING'],
      ['remark', '备注', 'STRING'],
    ],
  },
  {
    table: 'payment',
    route: '/api/payments/:id',
    module: 'PAYMENT',
    fields: [
      ['status', '支付状态', 'STRING'],
      ['amount', '金额', 'NUMBER'],
      ['channel', '支付渠道', 'STRING'],
    ],
  },
  {
    table: 'product',
    route: '/api/products/:id',
    module: 'INVENTORY',
    fields: [
      ['price', '价格', 'NUMBER'],
      ['stock', '库存', 'NUMBER'],
      ['title', '标题', 'STRING'],
      ['tags', '标签', 'JSON'],
    ],
  },
  {
    table: 'report_job',
    route: '/api/reports/:id',
    module: 'REPORT',
    fields: [
      ['schedule', '调度', 'STRING'],
      ['recipients', '收件人', 'JSON'],
    ],
  },
];
const READ_ROUTES = [
  ['/api/products', 'INVENTORY', 'LIST_PRODUCTS'],
  ['/api/products/:id', 'INVENTORY', 'VIEW_PRODUCT'],
  ['/api/orders', 'ORDER', 'LIST_ORDERS'],
  ['/api/orders/:id', 'ORDER', 'VIEW_ORDER'],
  ['/api/users/:id/profile', 'USER_MGMT', 'VIEW_PROFILE'],
  ['/api/reports/:id', 'REPORT', 'VIEW_REPORT'],
  ['/api/search', 'INVENTORY', 'SEARCH'],
  ['/api/cart', 'ORDER', 'VIEW_CART'],
] as const;
const ADMIN_OPERATIONS = [
  ['CREATE_USER', 'USER_MGMT', 'USER', 'POST', '/api/admin/users'],
  ['DISABLE_USER', 'USER_MGMT', 'USER', 'PUT', '/api/admin/users/:id/disable'],
  ['ASSIGN_ROLE', 'ROLE_MGMT', 'ROLE', 'PUT', '/api/admin/users/:id/roles'],
  ['UPDATE_CONFIG', 'SYSTEM_CONFIG', 'SYSTEM', 'PUT', '/api/admin/config/:id'],
  ['CREATE_TENANT', 'TENANT_MGMT', 'TENANT', 'POST', '/api/admin/tenants'],
  ['RESET_PASSWORD', 'USER_MGMT', 'USER', 'POST', '/api/admin/users/:id/password'],
] as const;
const ATTACKS = [
  ['BRUTE_FORCE', 'credential_access', 'password_guessing', 'T1110.001', 'TA0006', 4],
  ['SQL_INJECTION', 'initial_access', 'web_parameter', 'T1190', 'TA0001', 4],
  ['PERMISSION_DENIED', 'privilege_escalation', 'idor', 'T1068', 'TA0004', 3],
  ['SUSPICIOUS_ACTIVITY', 'discovery', 'enumeration', 'T1087', 'TA0007', 3],
  ['XSS_ATTEMPT', 'initial_access', 'stored_xss', 'T1189', 'TA0001', 3],
] as const;
const WORDS =
  'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore magna aliqua 上海 北京 深圳 杭州 快递 发票 优惠券 会员'.split(
    ' ',
  );

export interface DatasetOptions {
  seed: number;
  /** Event time of the first record and of the last one the dataset is meant to reach. */
  startMs: number;
  endMs: number;
  /** Records the dataset is expected to hold: spaces the flows evenly between start and end. */
  expectedRecords: number;
}

/** Average records per flow, measured on the generator (for spacing the flows in time). */
const RECORDS_PER_FLOW = 2.13;

/**
 * The generator. `next(n)` returns the next n records (a flow may continue in the next call);
 * the same options always produce the same sequence.
 */
export class Dataset {
  private readonly random: () => number;
  private readonly pending: BenchRecord[] = [];
  private readonly rowIds: Record<Kind, number> = {
    request: 0,
    db_operation: 0,
    field_change: 0,
    security: 0,
    admin: 0,
  };
  private clock: number;
  private readonly stepMs: number;
  produced = 0;
  /** Latest event time handed out so far. */
  lastTimeMs = 0;

  constructor(private readonly options: DatasetOptions) {
    this.random = seededRandom(options.seed);
    this.clock = options.startMs;
    this.stepMs = ((options.endMs - options.startMs) / options.expectedRecords) * RECORDS_PER_FLOW;
  }

  next(count: number): BenchRecord[] {
    while (this.pending.length < count) this.flow();
    const out = this.pending.splice(0, count);
    this.produced += out.length;
    for (const record of out) if (record.timeMs > this.lastTimeMs) this.lastTimeMs = record.timeMs;
    return out;
  }

  private int(n: number): number {
    return Math.floor(this.random() * n);
  }
  private pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }
  private weighted(weights: readonly number[]): number {
    let x = this.random();
    for (let i = 0; i < weights.length; i++) {
      x -= weights[i] as number;
      if (x <= 0) return i;
    }
    return weights.length - 1;
  }
  /** Zipf-like: a few users are very active, most are rare. */
  private user(): number {
    return Math.floor(USERS * Math.pow(this.random(), 2.5));
  }
  private hex(bytes: number): string {
    let out = '';
    for (let i = 0; i < bytes; i++) out += HEX[this.int(256)];
    return out;
  }
  /** UUIDv7: the event time in the first 48 bits, as the SDK makes them. */
  private uuidv7(ms: number): string {
    const time = ms.toString(16).padStart(12, '0');
    const rand = this.hex(10);
    const variant = ((parseInt(rand.slice(3, 4), 16) & 0x3) | 0x8).toString(16);
    return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${rand.slice(0, 3)}-${variant}${rand.slice(4, 7)}-${rand.slice(7, 19)}`;
  }
  private words(n: number): string {
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push(this.pick(WORDS));
    return out.join(' ');
  }
  private ip(userNo: number, roaming: boolean): string {
    if (roaming) return `${1 + this.int(223)}.${this.int(256)}.${this.int(256)}.${1 + this.int(254)}`;
    // A home address per user: a few thousand distinct client addresses.
    const h = Math.imul(userNo + 1, 2654435761) >>> 0;
    return `10.${(h >>> 8) & 31}.${(h >>> 16) & 255}.${1 + (h % 254)}`;
  }

  private flow(): void {
    this.clock += this.stepMs * (0.5 + this.random());
    const t0 = Math.round(this.clock);
    const tenantIndex = this.weighted(TENANT_WEIGHTS);
    const tenant = TENANTS[tenantIndex] as string;
    const userNo = this.user();
    const userId = String(1000 + userNo);
    const userName = `${SURNAMES[userNo % SURNAMES.length]}${GIVEN[(userNo >> 4) % GIVEN.length]}${userNo}`;
    const roaming = this.random() < 0.05;
    const identity = {
      tenant,
      userId,
      userName,
      roles: ROLES[userNo % ROLES.length] as string[],
      sessionId: `sess-${(Math.imul(userNo + 7, 40503) ^ Math.floor(t0 / 86_400_000)).toString(36)}`,
      ip: this.ip(userNo, roaming),
      userAgent: USER_AGENTS[userNo % USER_AGENTS.length] as string,
      service: SERVICES[(userNo + tenantIndex) % SERVICES.length] as string,
      traceId: this.hex(16),
      time: t0,
    };
    const r = this.random();
    if (r < 0.52) this.readFlow(identity);
    else if (r < 0.82) this.writeFlow(identity, false);
    else if (r < 0.86) this.writeFlow(identity, true);
    else if (r < 0.94) this.loginFlow(identity);
    else if (r < 0.96) this.attackFlow(identity);
    else if (businessHours(t0) || this.random() < 0.05) this.adminFlow(identity);
    else this.readFlow(identity);
  }

  private base(
    kind: Kind,
    id: Identity,
    offsetMs: number,
    body: string,
    common: {
      result: string;
      risk: number;
      sensitive: boolean;
      module: string;
      operation: string;
      tags?: string[];
      systemLevel?: boolean;
    },
    extra: Record<string, AttrValue>,
  ): BenchRecord {
    const timeMs = id.time + offsetMs;
    const rowId = ++this.rowIds[kind];
    const tenant = common.systemLevel ? '' : id.tenant;
    const record: BenchRecord = {
      kind,
      timeMs,
      eventId: this.uuidv7(timeMs),
      traceId: id.traceId,
      spanId: this.hex(8),
      tenant,
      service: id.service,
      body,
      attributes: {
        'audit.tenant_id': tenant,
        'user.id': id.userId,
        'user.name': id.userName,
        'user.roles': id.roles,
        'session.id': id.sessionId,
        'client.address': id.ip,
        'user_agent.original': id.userAgent,
        'audit.result': common.result,
        'audit.risk_level': common.risk,
        'audit.sensitive': common.sensitive,
        'audit.module': common.module,
        'audit.operation': common.operation,
        'audit.compliance_tags': common.tags ?? ['mlps3'],
        ...extra,
      },
      rowId,
      requestRowId: kind === 'request' ? rowId : this.rowIds.request,
      dbRowId: this.rowIds.db_operation,
    };
    record.attributes['log.record.uid'] = record.eventId;
    this.pending.push(record);
    return record;
  }

  private httpAttributes(
    method: string,
    route: string,
    path: string,
    status: number,
    payload: Record<string, unknown> | undefined,
  ): Record<string, AttrValue> {
    const query = method === 'GET' && this.random() < 0.4 ? `page=${1 + this.int(20)}&size=20` : '';
    return {
      'http.request.method': method,
      'url.path': path,
      'url.query': query,
      'http.route': route,
      'http.response.status_code': status,
      'audit.duration_ms': Math.round(this.random() * this.random() * 800 * 100) / 100,
      'audit.request.params': JSON.stringify(
        query ? { page: query.split('&')[0]?.slice(5), size: '20' } : {},
      ),
      'audit.request.headers': JSON.stringify({
        'content-type': 'application/json',
        accept: 'application/json, text/plain, */*',
        'accept-language': 'zh-CN,zh;q=0.9,en;q=0.8',
        authorization: '***',
        cookie: '***',
        'x-request-id': this.hex(8),
        referer: `https://shop.example.com${route.replace(':id', String(this.int(100000)))}`,
      }),
      'audit.request.body': payload ? JSON.stringify(payload) : '',
      ...(status >= 400 ? { 'error.type': String(status), 'audit.error.message': this.words(6) } : {}),
    };
  }

  private status(okShare: number): number {
    if (this.random() < okShare) return this.random() < 0.9 ? 200 : 201;
    return this.pick([400, 401, 403, 404, 409, 422, 500, 502]);
  }
  private resultOf(status: number): string {
    if (status < 400) return 'success';
    return status === 401 || status === 403 ? 'denied' : 'failure';
  }

  private readFlow(id: Identity): void {
    const [route, module, operation] = this.pick(READ_ROUTES);
    const path = route.replace(':id', String(this.int(200000)));
    const status = this.status(0.97);
    this.base(
      'request',
      id,
      0,
      `GET ${path} → ${status}`,
      { result: this.resultOf(status), risk: status >= 400 ? 2 : 1, sensitive: false, module, operation },
      this.httpAttributes('GET', route, path, status, undefined),
    );
  }

  private payloadFor(entity: Entity, values: Record<string, string>): Record<string, unknown> {
    return { ...values, updatedBy: 'web', clientVersion: '3.14.2', remark: this.words(4 + this.int(20)) };
  }

  private valueFor(field: string, type: string, userNo: number): string {
    switch (field) {
      case 'email':
        return `u${userNo + this.int(99)}@example.com`;
      case 'phone':
        return `138****${String(this.int(10000)).padStart(4, '0')}`;
      case 'status':
        return this.pick(['CREATED', 'PAID', 'SHIPPED', 'DONE', 'CANCELLED']);
      default:
        if (type === 'NUMBER') return String(Math.round(this.random() * 100000) / 100);
        if (type === 'JSON') return JSON.stringify([this.words(1), this.words(1)]);
        return this.words(1 + this.int(4));
    }
  }

  private writeFlow(id: Identity, deletion: boolean): void {
    // Contact data (sys_user) changes far less often than orders, payments and products.
    const entity =
      this.random() < 0.04
        ? (ENTITIES[0] as Entity)
        : (ENTITIES[1 + this.int(ENTITIES.length - 1)] as Entity);
    const recordId = String(this.int(500000));
    const method = deletion ? 'DELETE' : this.random() < 0.7 ? 'PUT' : 'POST';
    const operation = `${deletion ? 'DELETE' : method === 'PUT' ? 'UPDATE' : 'CREATE'}_${entity.table.toUpperCase()}`;
    const path = entity.route.replace(':id', recordId);
    const status = this.status(0.95);
    const changedCount = deletion ? entity.fields.length : 1 + this.int(Math.min(3, entity.fields.length));
    const changed = entity.fields.slice(0, changedCount);
    const before: Record<string, string> = {};
    const after: Record<string, string> = {};
    const userNo = Number(id.userId) - 1000;
    for (const [name, , type] of entity.fields) before[name] = this.valueFor(name, type, userNo);
    for (const [name, , type] of changed) after[name] = deletion ? '' : this.valueFor(name, type, userNo);
    const risk = deletion ? 3 : entity.module === 'PAYMENT' ? 2 : status >= 400 ? 2 : 1;
    const sensitive = changed.some(([name]) => SENSITIVE_FIELDS.has(name));
    const common = { result: this.resultOf(status), risk, sensitive, module: entity.module, operation };
    this.base(
      'request',
      id,
      0,
      `${method} ${path} → ${status}`,
      common,
      this.httpAttributes(
        method,
        entity.route,
        path,
        status,
        deletion ? undefined : this.payloadFor(entity, after),
      ),
    );
    if (status >= 400) return;
    const sqlType = deletion ? 'DELETE' : method === 'PUT' ? 'UPDATE' : 'INSERT';
    const columns = changed.map(([name]) => name);
    const query =
      sqlType === 'UPDATE'
        ? `UPDATE ${entity.table} SET ${columns.map((c) => `${c} = ?`).join(', ')}, updated_at = ? WHERE id = ? AND tenant_id = ?`
        : sqlType === 'INSERT'
          ? `INSERT INTO ${entity.table} (${columns.join(', ')}, tenant_id, created_at) VALUES (${columns.map(() => '?').join(', ')}, ?, ?)`
          : `DELETE FROM ${entity.table} WHERE id = ? AND tenant_id = ?`;
    const db = this.base(
      'db_operation',
      id,
      1 + this.int(20),
      `${sqlType} ${entity.table} (1 rows)`,
      common,
      {
        'db.system.name': 'mysql',
        'db.namespace': 'shop',
        'db.collection.name': entity.table,
        'db.operation.name': sqlType,
        'db.query.text': query,
        'audit.db.params': JSON.stringify([...columns.map((c) => after[c] ?? null), recordId, id.tenant]),
        'audit.db.affected_rows': 1,
        'audit.duration_ms': Math.round(this.random() * 4000) / 100,
        'audit.db.transaction_id': `tx-${this.hex(6)}`,
        'audit.db.before': sqlType === 'INSERT' ? '' : JSON.stringify({ id: recordId, ...before }),
        'audit.db.after': sqlType === 'DELETE' ? '' : JSON.stringify({ id: recordId, ...before, ...after }),
      },
    );
    for (const [name, label, type] of changed) {
      const fieldSensitive = SENSITIVE_FIELDS.has(name);
      this.base(
        'field_change',
        id,
        2 + this.int(20),
        `${name} changed`,
        { ...common, sensitive: fieldSensitive },
        {
          'db.collection.name': entity.table,
          'audit.change.record_id': recordId,
          'audit.change.field': name,
          'audit.change.field_label': label,
          'audit.change.old_value': sqlType === 'INSERT' ? '' : (before[name] ?? ''),
          'audit.change.new_value': after[name] ?? '',
          'audit.change.value_type': type,
          'audit.change.type': sqlType,
          'audit.change.reason': this.random() < 0.3 ? this.words(3) : '',
          'audit.change.db_event_id': db.eventId,
        },
      );
    }
  }

  private loginFlow(id: Identity): void {
    const failed = this.random() < 0.2;
    const status = failed ? 401 : 200;
    const common = {
      result: failed ? 'failure' : 'success',
      risk: failed ? 2 : 1,
      sensitive: false,
      module: 'AUTH',
      operation: failed ? 'LOGIN_FAILED' : 'LOGIN_SUCCESS',
      tags: ['mlps3', 'pci-dss-4'],
    };
    this.base(
      'request',
      id,
      0,
      `POST /api/auth/login → ${status}`,
      { ...common, result: this.resultOf(status) },
      this.httpAttributes('POST', '/api/auth/login', '/api/auth/login', status, {
        username: id.userName,
        password: '***',
        captcha: this.hex(3),
      }),
    );
    this.base('security', id, 1, failed ? `login failed for ${id.userName}: bad_password` : 'login', common, {
      'audit.security.event_type': failed ? 'LOGIN_FAILED' : 'LOGIN_SUCCESS',
      'audit.security.detection_method': 'authentication',
      'audit.security.target_resource': '/api/auth/login',
      'audit.security.threat_type': '',
    });
  }

  private attackFlow(id: Identity): void {
    const [eventType, threat, vector, technique, tactic, risk] = this.pick(ATTACKS);
    const attacker = { ...id, ip: this.ip(0, true) };
    const status = this.pick([400, 403, 403, 401]);
    const path = `/api/orders/${this.int(9999)}`;
    const common = {
      result: this.resultOf(status),
      risk,
      sensitive: false,
      module: 'SECURITY',
      operation: eventType,
      tags: ['mlps3', 'pci-dss-4', 'soc2'],
    };
    this.base(
      'request',
      attacker,
      0,
      `GET ${path} → ${status}`,
      common,
      this.httpAttributes('GET', '/api/orders/:id', path, status, undefined),
    );
    this.base(
      'security',
      attacker,
      1,
      `${eventType} detected from ${attacker.ip}: ${this.words(8)}`,
      common,
      {
        'audit.security.event_type': eventType,
        'audit.security.threat_type': threat,
        'audit.security.attack_vector': vector,
        'audit.security.mitre_technique': technique,
        'audit.security.mitre_tactic': tactic,
        'audit.security.detection_method': this.pick(['waf', 'rule', 'rate_limit']),
        'audit.security.rule': `waf-${this.int(40)}`,
        'audit.security.target_resource': path,
      },
    );
  }

  private adminFlow(id: Identity): void {
    const [operation, module, targetType, method, route] = this.pick(ADMIN_OPERATIONS);
    const targetId = String(1000 + this.int(USERS));
    const path = route.replace(':id', targetId);
    const status = this.status(0.97);
    const systemLevel = module === 'SYSTEM_CONFIG' && this.random() < 0.5;
    const common = {
      result: this.resultOf(status),
      risk: module === 'ROLE_MGMT' || module === 'TENANT_MGMT' ? 3 : 2,
      sensitive: true,
      module,
      operation,
      tags: ['mlps3', 'iso27001'],
      systemLevel,
    };
    const payload = { targetId, role: this.pick(['USER', 'AUDITOR', 'ADMIN']), note: this.words(6) };
    const http = this.httpAttributes(method, route, path, status, payload);
    this.base('request', id, 0, `${method} ${path} → ${status}`, common, http);
    const approved = this.random() < 0.3;
    this.base('admin', id, 2, `${operation} ${targetType} ${targetId}`, common, {
      ...http,
      'audit.admin.target_type': targetType,
      'audit.admin.target_id': targetId,
      'audit.admin.target_name': `${targetType.toLowerCase()}-${targetId}`,
      'audit.approval.required': approved,
      'audit.approval.status': approved ? 'APPROVED' : '',
      'audit.approval.approver_id': approved ? String(1000 + this.int(50)) : '',
    });
  }
}

/** Fields marked sensitive (contact data): their changes are what the sensitive-change rule watches. */
const SENSITIVE_FIELDS = new Set(['email', 'phone']);

/** Monday–Friday 08:00–20:00 UTC: when administrators work (the off-hours rule's complement). */
function businessHours(ms: number): boolean {
  const at = new Date(ms);
  const day = at.getUTCDay();
  const hour = at.getUTCHours();
  return day >= 1 && day <= 5 && hour >= 8 && hour < 20;
}

type Identity = {
  tenant: string;
  userId: string;
  userName: string;
  roles: string[];
  sessionId: string;
  ip: string;
  userAgent: string;
  service: string;
  traceId: string;
  time: number;
};
