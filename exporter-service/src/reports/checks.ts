import {
  eventsAdmin,
  eventsAny,
  eventsAuditLifecycle,
  eventsAuthFailure,
  eventsDataAccess,
  eventsLogin,
  eventsPrivilege,
  eventsSecurity,
  eventsSystemObjects,
  eventsUserActivity,
} from './checks-events.js';
import { accessControl, accessLog, integrity, retention, store } from './checks-protection.js';
import { clock, fields, pipeline } from './checks-records.js';
import { alerts, triage } from './checks-response.js';
import type { CheckResult, Evidence } from './evidence.js';

/** A check: its verdict on the report's period, from the evidence; `parameters` follow its id's `:`. */
type Check = (evidence: Evidence, id: string, parameters: string[]) => Promise<CheckResult>;

/** Every check a framework's control may name (frameworks.ts), by name. */
const CHECKS = {
  'events.any': eventsAny,
  'events.login': eventsLogin,
  'events.auth_failure': eventsAuthFailure,
  'events.admin': eventsAdmin,
  'events.privilege': eventsPrivilege,
  'events.security': eventsSecurity,
  'events.user_activity': eventsUserActivity,
  'events.data_access': eventsDataAccess,
  'events.system_objects': eventsSystemObjects,
  'events.audit_lifecycle': eventsAuditLifecycle,
  fields,
  retention,
  integrity,
  alerts,
  pipeline,
  access_log: accessLog,
  access_control: accessControl,
  store,
  triage,
  clock,
} as const satisfies Record<string, Check>;

/** Checks that take parameters: the required fields, the alert categories (comma-separated). */
type ParameterizedCheck = 'fields' | 'alerts';

/**
 * A check as a framework's control names it: a check name, or for `fields` and `alerts` the
 * name, a colon and the fields or categories (`fields:time,user`). A misspelt name does not compile.
 */
export type CheckId = Exclude<keyof typeof CHECKS, ParameterizedCheck> | `${ParameterizedCheck}:${string}`;

/** Runs one check of a report. */
export function runCheck(evidence: Evidence, id: CheckId): Promise<CheckResult> {
  const [name = '', parameter = ''] = id.split(':');
  return CHECKS[name as keyof typeof CHECKS](evidence, id, parameter.split(','));
}
