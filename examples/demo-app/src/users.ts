import type { AuditClient } from '@auditlens/sdk';

export interface User {
  id: number;
  tenantId: string;
  username: string;
  name: string;
  email: string;
  phone: string;
  role: 'USER' | 'ADMIN' | 'AUDITOR';
  /** A password hash in a real app; the audit trail masks it either way. */
  password: string;
}

const FIELD_LABELS = { name: '姓名', email: '邮箱', phone: '手机号', role: '角色', password: '密码' };

/**
 * The demo's user table (in memory). Every write records an `audit.db_operation` with before and
 * after images, the way an ORM hook or repository layer would; the SDK derives the field changes.
 */
export class UserRepository {
  private readonly users = new Map<number, User>();
  private nextId = 1001;

  constructor(private readonly audit: AuditClient) {}

  findByUsername(username: string): User | undefined {
    return [...this.users.values()].find((u) => u.username === username);
  }

  findById(id: number): User | undefined {
    return this.users.get(id);
  }

  get size(): number {
    return this.users.size;
  }

  create(input: Omit<User, 'id'>, reason?: string): User {
    const started = performance.now();
    const user: User = { ...input, id: this.nextId++ };
    this.users.set(user.id, user);
    this.audit.dbOperation({
      system: 'other_sql',
      namespace: 'demo',
      table: 'sys_user',
      operation: 'INSERT',
      query:
        'INSERT INTO sys_user (tenant_id, username, name, email, phone, role, password) VALUES (?, ?, ?, ?, ?, ?, ?)',
      params: [user.tenantId, user.username, user.name, user.email, user.phone, user.role, user.password],
      affectedRows: 1,
      durationMs: performance.now() - started,
      recordId: user.id,
      after: { ...user },
      fieldLabels: FIELD_LABELS,
      reason,
    });
    return user;
  }

  update(id: number, patch: Partial<Omit<User, 'id' | 'tenantId'>>, reason?: string): User | undefined {
    const before = this.users.get(id);
    if (!before) return undefined;
    const started = performance.now();
    const after: User = { ...before, ...patch };
    this.users.set(id, after);
    const columns = Object.keys(patch);
    this.audit.dbOperation({
      system: 'other_sql',
      namespace: 'demo',
      table: 'sys_user',
      operation: 'UPDATE',
      query: `UPDATE sys_user SET ${columns.map((c) => `${c}=?`).join(', ')} WHERE id=?`,
      params: [...columns.map((c) => (patch as Record<string, unknown>)[c]), id],
      affectedRows: 1,
      durationMs: performance.now() - started,
      recordId: id,
      before: { ...before },
      after: { ...after },
      fieldLabels: FIELD_LABELS,
      reason,
    });
    return after;
  }

  /** A read that returns many rows: audited as a SELECT (data export). */
  exportAll(tenantId: string): Omit<User, 'password'>[] {
    const rows = [...this.users.values()].filter((u) => u.tenantId === tenantId);
    this.audit.dbOperation({
      system: 'other_sql',
      namespace: 'demo',
      table: 'sys_user',
      operation: 'SELECT',
      query: 'SELECT id, username, name, email, phone, role FROM sys_user WHERE tenant_id = ?',
      params: [tenantId],
      affectedRows: rows.length,
    });
    return rows.map(({ password: _password, ...rest }) => rest);
  }
}
