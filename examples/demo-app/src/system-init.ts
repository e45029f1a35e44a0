import type { AuditClient } from '@auditlens/sdk';
import type { UserRepository } from './users.js';

/**
 * Source scenario 4: a system-level operation with no tenant (tenant_id empty). Runs as the
 * `system` user: the admin record, and the seed users it creates, carry no tenant.
 */
export function initialiseSystem(audit: AuditClient, users: UserRepository): void {
  audit.runAs(
    { tenantId: '', userId: '0', userName: 'system', clientAddress: '127.0.0.1', userAgent: 'System/1.0' },
    () => {
      const started = performance.now();
      let created = 0;
      const seed = [
        {
          tenantId: 'tenant_001',
          username: 'zhangsan',
          name: '张三',
          email: 'zhangsan@example.com',
          phone: '13800138000',
          role: 'USER' as const,
        },
        {
          tenantId: 'tenant_001',
          username: 'admin',
          name: '管理员',
          email: 'admin@example.com',
          phone: '13900139000',
          role: 'ADMIN' as const,
        },
        {
          tenantId: 'tenant_002',
          username: 'wangwu',
          name: '王五',
          email: 'wangwu@example.com',
          phone: '13700137000',
          role: 'USER' as const,
        },
      ];
      for (const user of seed) {
        if (users.findByUsername(user.username)) continue;
        users.create({ ...user, password: `demo-${user.username}` }, 'system initialisation');
        created++;
      }
      audit.admin({
        operation: '系统初始化',
        module: 'SYSTEM_CONFIG',
        method: 'INTERNAL',
        path: '/system/init',
        target: { type: 'SYSTEM', name: '数据库初始化' },
        params: { seededUsers: created },
        statusCode: 200,
        durationMs: performance.now() - started,
        riskLevel: 1,
        complianceTags: ['MLPS-8.1.4.3'],
      });
    },
  );
}
