/**
 * The one detection vocabulary (issue 19): the `audit.security.event_type` each kind of suspicious
 * activity is recorded and listed under, with its name and MITRE ATT&CK technique where one
 * applies. The built-in alert rules (builtin.ts) take their event type and MITRE fields from here,
 * and so do the findings of the suspicious-activity list (behaviour/suspicious.ts) and the alert
 * rules it drafts: an alert, a finding and a rule made from a finding all say the same thing.
 */
export interface DetectionSpec {
  name: string;
  description: string;
  mitre: { tactic?: string; technique?: string };
}

export const DETECTIONS = {
  BRUTE_FORCE: {
    name: 'Failed-login burst',
    description: 'Many failed logins for one account or from one IP within minutes (password guessing).',
    mitre: { tactic: 'TA0006', technique: 'T1110' },
  },
  ACCOUNT_TAKEOVER: {
    name: 'Account takeover',
    description: 'A successful login after repeated failed logins for the same account.',
    mitre: { tactic: 'TA0001', technique: 'T1078' },
  },
  UNUSUAL_HOUR_LOGIN: {
    name: 'Login at an unusual hour',
    description:
      'A successful login at an hour of the day at which the user had not logged in during the previous period.',
    mitre: { tactic: 'TA0001', technique: 'T1078' },
  },
  NEW_IP: {
    name: 'New IP address for a user',
    description: 'Activity from a client IP not seen for that user before the period.',
    mitre: { tactic: 'TA0001', technique: 'T1078' },
  },
  NEW_COUNTRY: {
    name: 'New country for a user',
    description: 'Activity from a country (geo.country.iso_code) not seen for that user before the period.',
    mitre: { tactic: 'TA0001', technique: 'T1078' },
  },
  NEW_USER_AGENT: {
    name: 'New user agent for a user',
    description: 'Activity from a user agent not seen for that user before the period.',
    mitre: { tactic: 'TA0001', technique: 'T1078' },
  },
  NEW_ADMIN_IP: {
    name: 'Admin login from a new IP',
    description: 'An administrator logged in from an IP not seen for that account in 30 days.',
    mitre: { tactic: 'TA0001', technique: 'T1078' },
  },
  IMPOSSIBLE_TRAVEL: {
    name: 'Impossible travel',
    description:
      'Two logins of one user from places (geo.location.lat/lon) too far apart for the time between them (over 1,000 km/h).',
    mitre: { tactic: 'TA0001', technique: 'T1078' },
  },
  PRIVILEGE_CHANGE: {
    name: 'Privilege change',
    description: 'An administrative operation on roles, permissions or privileges.',
    mitre: { tactic: 'TA0004', technique: 'T1098' },
  },
  PRIVILEGE_THEN_SENSITIVE_READ: {
    name: 'Privilege change followed by sensitive reads',
    description:
      'A user whose privileges changed (as actor or target) read sensitive data within the hour after.',
    mitre: { tactic: 'TA0004', technique: 'T1098' },
  },
  MASS_EXPORT: {
    name: 'Mass export',
    description: 'Many export operations by one user within an hour (possible exfiltration).',
    mitre: { tactic: 'TA0010', technique: 'T1567' },
  },
  ACCESS_DENIED_STREAK: {
    name: 'Access denied streak',
    description: 'Many refused operations for one user within minutes (probing for permissions).',
    mitre: { tactic: 'TA0007', technique: 'T1069' },
  },
  DORMANT_ACCOUNT_ACTIVE: {
    name: 'Dormant account active',
    description: 'An account with no activity for 30 days or more is suddenly active.',
    mitre: { tactic: 'TA0003', technique: 'T1078' },
  },
  HIGH_RISK_BURST: {
    name: 'High-risk burst',
    description: 'Many high-risk operations within an hour.',
    mitre: {},
  },
  SENSITIVE_DATA_CHANGE: {
    name: 'Sensitive field changed',
    description: 'A change to a field marked sensitive.',
    mitre: { tactic: 'TA0040', technique: 'T1565.001' },
  },
  OFF_HOURS_ADMIN: {
    name: 'Off-hours administration',
    description: 'An administrative operation outside business hours.',
    mitre: { tactic: 'TA0004', technique: 'T1078' },
  },
  AUDIT_TAMPERING: {
    name: 'Audit records tampered with',
    description: 'Integrity verification found altered, removed or out-of-band rows.',
    mitre: { tactic: 'TA0040', technique: 'T1565.001' },
  },
  AUDIT_STORAGE_EXHAUSTION: {
    name: 'Audit storage running out',
    description: 'The audit store’s disk is nearly full, or fills within days at the current growth.',
    mitre: { tactic: 'TA0040', technique: 'T1499.001' },
  },
  UNUSUAL_SPEND: {
    name: 'Unusual AI / API spend',
    description: 'The cost of one user’s AI / API calls within an hour is far above what is expected.',
    mitre: { tactic: 'TA0040', technique: 'T1496' },
  },
  AUDIT_PIPELINE_SILENCE: {
    name: 'Audit pipeline silence',
    description: 'A service stopped sending audit records.',
    mitre: { tactic: 'TA0005', technique: 'T1562.008' },
  },
} as const satisfies Record<string, DetectionSpec>;

export type DetectionType = keyof typeof DETECTIONS;

/** A rule's `eventType` and `mitre`, from the vocabulary. */
export function detection(type: DetectionType): {
  eventType: DetectionType;
  mitre: { tactic?: string; technique?: string };
} {
  return { eventType: type, mitre: { ...DETECTIONS[type].mitre } };
}
