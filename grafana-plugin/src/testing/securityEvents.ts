export const EVENT_ID = '0190c3a2-0000-7000-8000-0000000000aa';

/** A security event with its current status, as GET /security-events lists it. */
export const SECURITY_EVENT = {
  event_id: EVENT_ID,
  event_time: '2025-01-15 10:00:00.000',
  tenant_id: 'acme',
  user_id: 'alice',
  username: 'alice',
  ip_address: '::ffff:198.51.100.1',
  risk_level: 3,
  event_type: 'BRUTE_FORCE',
  mitre_tactic: 'TA0006',
  mitre_technique: 'T1110',
  detection_method: 'brute-force-ip',
  rule_name: 'Brute force per IP',
  description: '61 failed logins',
  status: 'PENDING',
  handler: '',
  result: '',
  falsePositive: false,
  changedAt: null,
  changedBy: '',
};
