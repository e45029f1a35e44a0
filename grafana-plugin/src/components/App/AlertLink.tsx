import React from 'react';
import { Navigate, useSearchParams } from 'react-router-dom';

import { PLUGIN_BASE_URL, ROUTES } from '../../constants';

/**
 * Target of the links in Grafana alert notifications (/a/auditlens-audit-app/alerts?rule=…&tenant=…&incident=…):
 * the incident's security event when there is one, else the rule.
 */
export function AlertLink() {
  const [params] = useSearchParams();
  const next = new URLSearchParams();
  const tenant = params.get('tenant');
  if (tenant) next.set('tenant', tenant);
  const incident = params.get('incident');
  if (incident && /^[0-9a-f-]{36}$/i.test(incident) && !/^0{8}-/.test(incident)) {
    return (
      <Navigate to={`${PLUGIN_BASE_URL}/${ROUTES.SecurityEvents}/${incident}?${next.toString()}`} replace />
    );
  }
  const rule = params.get('rule');
  if (rule) next.set('rule', rule);
  return <Navigate to={`${PLUGIN_BASE_URL}/${ROUTES.AlertRules}?${next.toString()}`} replace />;
}
