import type { AuditClient } from '@auditlens/sdk';

/**
 * Watches failed logins per client address in a sliding window and raises one BRUTE_FORCE
 * security event (MITRE T1110, Credential Access) when they reach the threshold, listing the failed
 * logins that triggered it. The exporter's alert rules do the same fleet-wide; this is the app's
 * own first line (source: "暴力破解登录尝试", FAILED_LOGIN_THRESHOLD).
 */
export class BruteForceMonitor {
  private readonly failures = new Map<string, { at: number; eventId: string }[]>();

  constructor(
    private readonly audit: AuditClient,
    private readonly threshold = 5,
    private readonly windowMs = 60_000,
  ) {}

  failed(clientAddress: string, username: string, eventId: string): void {
    const now = Date.now();
    const recent = (this.failures.get(clientAddress) ?? []).filter((f) => now - f.at < this.windowMs);
    recent.push({ at: now, eventId });
    this.failures.set(clientAddress, recent);
    if (recent.length !== this.threshold) return;
    this.audit.securityEvent({
      eventType: 'BRUTE_FORCE',
      description: `暴力破解登录尝试: ${recent.length} failed logins for ${username} from ${clientAddress} within ${this.windowMs / 1000} s`,
      result: 'denied',
      riskLevel: 4,
      threatType: 'BRUTE_FORCE',
      attackVector: 'NETWORK',
      mitreTechnique: 'T1110',
      mitreTactic: 'TA0006',
      detectionMethod: 'FAILED_LOGIN_THRESHOLD',
      rule: `${this.threshold} failed logins per address per ${this.windowMs / 1000} s`,
      targetResource: '/api/auth/login',
      relatedEvents: recent.map((f) => f.eventId),
      complianceTags: ['MLPS-8.1.4.2', 'PCI-10.2.1.4'],
    });
  }
}
