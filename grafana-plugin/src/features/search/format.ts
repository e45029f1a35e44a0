/** IPv4-mapped IPv6 addresses (how ClickHouse stores IPv4) shown as plain IPv4. */
export function formatIp(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped?.[1]) return mapped[1];
  return ip === '::' ? '' : ip;
}

export const RISK_LABELS = ['', 'low', 'medium', 'high', 'critical'];

export function riskLabel(level: number): string {
  return RISK_LABELS[level] ?? String(level);
}

/** Cell text for any record value. */
export function formatValue(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}
