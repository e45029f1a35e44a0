import type { AlertRule } from '../alerts/rule-model.js';
import { grafanaRulePayload, type ProvisionedAlertRule } from './rules.js';
import type { GrafanaSettings } from './settings.js';

/**
 * Grafana file provisioning of the alert rules (provisioning/alerting/*.yaml), for setups that
 * provision Grafana from files instead of calling its API. Grafana expands environment variables
 * in provisioning files ($VAR, ${VAR}), so every `$` of the queries and templates is written `$$`.
 */

/** A value Grafana expands when it reads the file (`${VAR}`, `$__file{path}`): written without `$$`. */
export class GrafanaExpansion {
  constructor(readonly text: string) {}
}

export type Yaml = string | number | boolean | null | GrafanaExpansion | Yaml[] | { [key: string]: Yaml };

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

const escapeDollars = (text: string): string => text.replaceAll('$', '$$$$');

function isBlock(value: Yaml): boolean {
  if (value instanceof GrafanaExpansion) return false;
  if (typeof value === 'string') return value.includes('\n');
  if (Array.isArray(value)) return value.length > 0;
  return value !== null && typeof value === 'object' && Object.keys(value).length > 0;
}

/**
 * A one-line string, quoted the way Prettier formats YAML in this repository (single quotes unless
 * the text has more single than double quotes), so the generated files pass `prettier --check`.
 */
function quote(text: string): string {
  const singles = text.split("'").length - 1;
  const doubles = text.split('"').length - 1;
  const plain = ![...text].some((c) => c === '\\' || c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);
  if (plain && singles <= doubles) return `'${text.replaceAll("'", "''")}'`;
  if (plain && !text.includes('"')) return `"${text}"`;
  return JSON.stringify(text);
}

/** A value that fits on its key's line. */
function inline(value: Yaml): string {
  if (value === null) return 'null';
  if (value instanceof GrafanaExpansion) return quote(value.text);
  if (Array.isArray(value)) return '[]';
  if (typeof value === 'object') return '{}';
  if (typeof value === 'string') return quote(escapeDollars(value));
  return String(value);
}

/** Lines of a block value whose content starts at `indent`. */
function block(value: Yaml, indent: number): string[] {
  const pad = ' '.repeat(indent);
  if (typeof value === 'string')
    return escapeDollars(value)
      .split('\n')
      .map((line) => `${pad}${line}`);
  if (Array.isArray(value)) {
    return value.flatMap((item) => {
      if (!isBlock(item)) return [`${pad}- ${inline(item)}`];
      if (typeof item === 'string') return [`${pad}- |-`, ...block(item, indent + 2)];
      const [first = '', ...rest] = block(item, indent + 2);
      return [`${pad}- ${first.slice(indent + 2)}`, ...rest];
    });
  }
  if (value === null || typeof value !== 'object') return [`${pad}${inline(value)}`];
  return Object.entries(value).flatMap(([key, item]) => {
    const head = `${pad}${PLAIN_KEY.test(key) ? key : JSON.stringify(key)}:`;
    if (!isBlock(item)) return [`${head} ${inline(item)}`];
    if (typeof item === 'string') return [`${head} |-`, ...block(item, indent + 2)];
    return [head, ...block(item, indent + 2)];
  });
}

/** A minimal YAML writer for JSON-shaped data: double-quoted scalars, block literals for multi-line text. */
export function toYaml(value: Yaml): string {
  return `${block(value, 0).join('\n')}\n`;
}

function fileRule(rule: ProvisionedAlertRule): Yaml {
  const entry: Record<string, Yaml> = {
    uid: rule.uid,
    title: rule.title,
    condition: rule.condition,
    data: rule.data.map((q) => ({
      refId: q.refId,
      queryType: q.queryType,
      relativeTimeRange: { from: q.relativeTimeRange.from, to: q.relativeTimeRange.to },
      datasourceUid: q.datasourceUid,
      model: q.model as Yaml,
    })),
    noDataState: rule.noDataState,
    execErrState: rule.execErrState,
    for: rule.for,
    annotations: rule.annotations,
    labels: rule.labels,
    isPaused: rule.isPaused,
  };
  if (rule.notification_settings)
    entry.notification_settings = { receiver: rule.notification_settings.receiver };
  return entry;
}

/** The provisioning file of a set of rules: one group in the AuditLens folder. */
export function provisioningYaml(
  rules: readonly AlertRule[],
  settings: GrafanaSettings,
  options: { receiver?: string; header?: string } = {},
): string {
  const document: Yaml = {
    apiVersion: 1,
    groups: [
      {
        orgId: 1,
        name: settings.ruleGroup,
        folder: settings.folderTitle,
        interval: '1m',
        rules: rules.map((rule) =>
          fileRule(grafanaRulePayload(rule, settings, { receiver: options.receiver })),
        ),
      },
    ],
  };
  const header = (options.header ?? '')
    .split('\n')
    .filter(Boolean)
    .map((line) => `# ${line}`)
    .join('\n');
  return `${header ? `${header}\n` : ''}${toYaml(document)}`;
}
