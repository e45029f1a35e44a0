import { Badge } from '@grafana/ui';
import React from 'react';

import { riskLabel } from './format';

const RISK_COLORS = ['blue', 'blue', 'blue', 'orange', 'red'] as const;
const RESULT_COLORS: Record<string, 'green' | 'red' | 'orange' | 'purple'> = {
  success: 'green',
  failure: 'red',
  denied: 'purple',
  partial: 'orange',
};

/** A risk level (1 low … 4 critical) or an alert severity, coloured as it is serious. */
export function RiskBadge({ level }: { level: number }) {
  return <Badge color={RISK_COLORS[level] ?? 'blue'} text={riskLabel(level) || '—'} />;
}

/** A record's result (success, failure, denied, partial). */
export function ResultBadge({ result }: { result: string }) {
  return <Badge color={RESULT_COLORS[result] ?? 'blue'} text={result || '—'} />;
}
