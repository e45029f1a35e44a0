import {
  annotateRequest,
  auditErrorHandler,
  auditMiddleware,
  type AuditClient,
  type AuditIdentity,
} from '@auditlens/sdk';
import express, { type NextFunction, type Request, type Response } from 'express';
import { randomBytes } from 'node:crypto';
import { BruteForceMonitor } from './brute-force-monitor.js';
import { initialiseSystem } from './system-init.js';
import type { User, UserRepository } from './users.js';

/** The user a request is authenticated as (set by `authenticate`). */
const authenticated = new WeakMap<Request, User>();

function identityOf(user: User): AuditIdentity {
  return { userId: String(user.id), userName: user.username, tenantId: user.tenantId, roles: [user.role] };
}

/**
 * The demo application: login, profile, user administration, data export, an LLM gateway call and
 * a few refusals, so that every kind of audit record shows up. Audit takes one line (the
 * middleware) plus the typed calls at the places that matter.
 */
/** The demo gateway's models and their list prices, USD per million input / output tokens. */
const MODEL_PRICES: Record<string, [number, number]> = { 'gpt-4o-mini': [0.15, 0.6], 'o1-pro': [150, 600] };

export function createDemoApp(audit: AuditClient, users: UserRepository): express.Express {
  const app = express();
  const sessions = new Map<string, { userId: number; sessionId: string }>();
  const bruteForce = new BruteForceMonitor(audit);

  app.disable('x-powered-by');
  app.use(
    auditMiddleware({
      client: audit,
      resolveUser: (req) => {
        const user = authenticated.get(req);
        return user && identityOf(user);
      },
      // The traffic generator (on loopback) plays remote clients through X-Forwarded-For.
      trustProxy: ['127.0.0.1', '::1'],
    }),
  );
  app.use(express.json({ limit: '100kb' }));

  // Bearer-token sessions.
  app.use((req, _res, next) => {
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const session = token === undefined ? undefined : sessions.get(token);
    const user = session === undefined ? undefined : users.findById(session.userId);
    if (user && session) {
      authenticated.set(req, user);
      // The middleware reads the session id where express-session would put it.
      (req as { sessionID?: string }).sessionID = session.sessionId;
    }
    next();
  });

  const requireUser = (req: Request, res: Response, next: NextFunction): void => {
    if (!authenticated.has(req)) {
      res.status(401).json({ error: 'login required' });
      return;
    }
    next();
  };
  const requireAdmin = (req: Request, res: Response, next: NextFunction): void => {
    const user = authenticated.get(req);
    if (user?.role !== 'ADMIN') {
      audit.permissionDenied({ resource: req.originalUrl, permission: 'ROLE_ADMIN', module: 'USER_MGMT' });
      res.status(403).json({ error: 'administrators only' });
      return;
    }
    next();
  };
  const userOf = (req: Request): User => authenticated.get(req) as User;

  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });

  app.post('/api/auth/login', (req, res) => {
    annotateRequest({ module: 'AUTH', operation: 'LOGIN' });
    const { username, password } = (req.body ?? {}) as { username?: string; password?: string };
    const user = username === undefined ? undefined : users.findByUsername(username);
    if (!user || user.password !== password) {
      // A known account's failures carry its id and tenant, so that failures and a later success
      // for the same account meet in the account-takeover rule and the suspicious-activity list.
      const { eventId } = audit.loginFailed({
        userName: username ?? '',
        reason: user ? 'bad_password' : 'unknown_user',
        method: 'password',
        ...(user
          ? { userId: String(user.id), identity: { tenantId: user.tenantId, roles: [user.role] } }
          : {}),
      });
      bruteForce.failed(req.ip ?? '', username ?? '', eventId);
      res.status(401).json({ error: 'invalid credentials' });
      return;
    }
    const token = randomBytes(16).toString('hex');
    const sessionId = `sess-${randomBytes(6).toString('hex')}`;
    sessions.set(token, { userId: user.id, sessionId });
    authenticated.set(req, user);
    audit.loginSucceeded({
      userId: String(user.id),
      userName: user.username,
      method: 'password',
      identity: { tenantId: user.tenantId, roles: [user.role], sessionId },
    });
    res.json({ token, user: { id: user.id, name: user.name } });
  });

  app.post('/api/auth/logout', requireUser, (req, res) => {
    annotateRequest({ module: 'AUTH', operation: 'LOGOUT' });
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
    sessions.delete(token);
    audit.logout();
    res.status(204).end();
  });

  app.get('/api/user/profile', requireUser, (req, res) => {
    const { password: _password, ...profile } = userOf(req);
    res.json(profile);
  });

  // Source scenario 1: a user updates their profile → request, db operation, field changes.
  app.put('/api/user/profile', requireUser, (req, res) => {
    annotateRequest({ module: 'USER_MGMT', operation: 'UPDATE_PROFILE' });
    const body = (req.body ?? {}) as Partial<Pick<User, 'name' | 'email' | 'phone'>>;
    const patch: Partial<User> = {};
    if (typeof body.name === 'string') patch.name = body.name;
    if (typeof body.email === 'string') patch.email = body.email;
    if (typeof body.phone === 'string') patch.phone = body.phone;
    const updated = users.update(userOf(req).id, patch, 'user edited own profile');
    res.json({ ok: true, id: updated?.id });
  });

  // Source scenario 2: an administrator creates a user → request, admin record, db INSERT.
  app.post('/api/admin/users', requireUser, requireAdmin, (req, res) => {
    annotateRequest({ module: 'USER_MGMT', operation: 'CREATE_USER' });
    const body = (req.body ?? {}) as Partial<User>;
    if (!body.username || users.findByUsername(body.username)) {
      res.status(409).json({ error: 'username taken or missing' });
      return;
    }
    const admin = userOf(req);
    const created = users.create(
      {
        tenantId: admin.tenantId,
        username: body.username,
        name: body.name ?? body.username,
        email: body.email ?? `${body.username}@example.com`,
        phone: body.phone ?? '',
        role: 'USER',
        password: body.password ?? randomBytes(8).toString('hex'),
      },
      'created by an administrator',
    );
    audit.admin({
      operation: 'CREATE_USER',
      module: 'USER_MGMT',
      target: { type: 'USER', id: created.id, name: created.name },
      approval: { required: false, status: 'NOT_REQUIRED' },
      statusCode: 201,
    });
    res.status(201).json({ success: true, userId: created.id });
  });

  // An administrator grants a role → admin record with approval, db UPDATE, a privilege-change event.
  app.post('/api/admin/users/:id/roles', requireUser, requireAdmin, (req, res) => {
    annotateRequest({ module: 'ROLE_MGMT', operation: 'GRANT_ROLE' });
    const id = Number(req.params.id);
    const role = ((req.body ?? {}) as { role?: User['role'] }).role ?? 'AUDITOR';
    const target = users.findById(id);
    if (!target) {
      res.status(404).json({ error: 'no such user' });
      return;
    }
    users.update(id, { role }, `role ${role} granted`);
    audit.admin({
      operation: 'GRANT_ROLE',
      module: 'ROLE_MGMT',
      target: { type: 'USER', id, name: target.name },
      approval: {
        required: true,
        status: 'APPROVED',
        approverId: '3001',
        time: Date.now(),
        comment: 'ticket SEC-42',
      },
      riskLevel: 3,
      statusCode: 200,
    });
    audit.securityEvent({
      eventType: 'PRIVILEGE_CHANGE',
      description: `${target.username} was granted ${role}`,
      riskLevel: 3,
      mitreTechnique: 'T1098',
      mitreTactic: 'TA0003',
      detectionMethod: 'APPLICATION',
      targetResource: `user:${id}`,
    });
    res.json({ ok: true });
  });

  // A data export: sensitive, high risk, with the SELECT that produced it.
  app.get('/api/reports/users/export', requireUser, requireAdmin, (req, res) => {
    annotateRequest({
      module: 'REPORTS',
      operation: 'EXPORT_USERS',
      sensitive: true,
      riskLevel: 3,
      complianceTags: ['PCI-10.2.1.3'],
    });
    res.json(users.exportAll(userOf(req).tenantId));
  });

  app.get('/api/admin/settings', requireUser, requireAdmin, (_req, res) => {
    res.json({ retentionDays: 2555 });
  });

  // The source's LLM API audit (issue 19): an AI gateway that records each outbound model call with
  // the SDK's aiRequest (GenAI semantic conventions: provider, model, tokens; its cost in USD).
  // `contextTokens` stands for what an agent attaches to the prompt (documents, tool results).
  app.post('/api/ai/chat', requireUser, (req, res) => {
    annotateRequest({ module: 'AI_GATEWAY', operation: 'CHAT' });
    const body = (req.body ?? {}) as { prompt?: unknown; model?: unknown; contextTokens?: unknown };
    const model = typeof body.model === 'string' && body.model in MODEL_PRICES ? body.model : 'gpt-4o-mini';
    const [inputPrice, outputPrice] = MODEL_PRICES[model] ?? [0, 0];
    const inputTokens =
      Math.ceil(String(body.prompt ?? '').length / 4) +
      12 +
      Math.max(0, Math.floor(Number(body.contextTokens) || 0));
    const outputTokens = (model === 'o1-pro' ? 8000 : 40) + Math.floor(Math.random() * 80);
    const started = Date.now();
    audit.aiRequest({
      provider: 'openai',
      operationName: 'chat',
      requestModel: model,
      responseModel: `${model}-2025-01-01`,
      inputTokens,
      outputTokens,
      cost: {
        amount: Number(((inputTokens * inputPrice + outputTokens * outputPrice) / 1e6).toFixed(6)),
        currency: 'USD',
      },
      serverAddress: 'api.openai.com',
      method: 'POST',
      path: '/v1/chat/completions',
      statusCode: 200,
      durationMs: Date.now() - started,
    });
    res.json({ reply: 'Hello from the demo model', usage: { inputTokens, outputTokens } });
  });

  // Source scenario 4, on demand (loopback only): system initialisation without a tenant.
  app.post('/internal/system/init', (req, res) => {
    if (
      req.socket.remoteAddress !== '127.0.0.1' &&
      req.socket.remoteAddress !== '::1' &&
      req.socket.remoteAddress !== '::ffff:127.0.0.1'
    ) {
      res.status(403).end();
      return;
    }
    initialiseSystem(audit, users);
    res.json({ ok: true });
  });

  app.use(auditErrorHandler());
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    res.status(500).json({ error: error instanceof Error ? error.message : 'internal error' });
  });
  return app;
}
