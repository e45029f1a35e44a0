// The rule model: the built-in pack is valid, and every kind of bad input is refused with a
// message that names the field.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ZodError } from 'zod';
import { BUILTIN_RULES } from './builtin.js';
import { parseRule } from './rule-model.js';

const valid = {
  id: 'custom.failed-logins',
  name: 'Failed logins',
  kind: 'threshold',
  source: 'security',
  filter: [{ field: 'event_type', op: '=', value: 'LOGIN_FAILED' }],
  groupBy: ['ip_address'],
  window: '5m',
  threshold: 3,
};

function problems(input: unknown): string[] {
  try {
    parseRule(input);
  } catch (error) {
    if (error instanceof ZodError) return error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw error;
  }
  return [];
}

test('the built-in pack is on by default and covers every rule kind', () => {
  assert.ok(BUILTIN_RULES.length >= 11);
  assert.ok(BUILTIN_RULES.every((r) => r.enabled));
  assert.deepEqual([...new Set(BUILTIN_RULES.map((r) => r.kind))].sort(), [
    'match',
    'new_value',
    'sequence',
    'silence',
    'threshold',
  ]);
  const hourly = BUILTIN_RULES.find((r) => r.id === 'builtin.failed-logins-hourly');
  assert.equal(hourly?.kind === 'threshold' && hourly.threshold, 50, 'the source: 50 failed logins per hour');
  const highRisk = BUILTIN_RULES.find((r) => r.id === 'builtin.high-risk-burst');
  assert.equal(
    highRisk?.kind === 'threshold' && highRisk.threshold,
    20,
    'the source: 20 high-risk operations per hour',
  );
});

test('defaults are filled in', () => {
  const rule = parseRule(valid);
  assert.equal(rule.enabled, true);
  assert.equal(rule.tenant, '*');
  assert.equal(rule.severity, 3);
  assert.equal(rule.cooldown, '0s');
  assert.equal(rule.eventType, 'SUSPICIOUS_ACTIVITY');
});

test('bad input: each problem is a message naming its field', () => {
  const cases: [unknown, RegExp][] = [
    [{ ...valid, window: '0s' }, /^window: 0s is outside 1s … 7d/],
    [{ ...valid, window: '3650d' }, /^window: 3650d is outside/],
    [{ ...valid, window: 'soon' }, /^window: "soon" is not a duration/],
    [{ ...valid, threshold: -1 }, /^threshold: .*>=0/],
    [{ ...valid, threshold: 1.5 }, /^threshold: /],
    [{ ...valid, colour: 'red' }, /colour/],
    [
      { ...valid, filter: [{ field: 'nope', op: '=', value: 'x' }] },
      /^filter\.0\.field: unknown field "nope" for source security/,
    ],
    [{ ...valid, filter: [{ field: 'event_type', op: 'like', value: 'x' }] }, /^filter\.0\.op: /],
    [{ ...valid, filter: [{ field: 'event_type', op: '=', value: 'x', extra: 1 }] }, /extra/],
    [
      { ...valid, filter: [{ field: 'risk_level', op: '=', value: 'high' }] },
      /^filter\.0\.value: a number expected/,
    ],
    [
      { ...valid, filter: [{ field: 'ip_address', op: 'in', values: ['1.2.3.999'] }] },
      /^filter\.0\.values\.0: an IP address expected/,
    ],
    [
      { ...valid, filter: [{ field: 'event_type', op: 'range', min: 1 }] },
      /^filter\.0\.op: range applies to number fields only/,
    ],
    [
      { ...valid, filter: [{ field: 'event_type', op: 'regex', pattern: '(a+)+\\1' }] },
      /^filter\.0\.pattern: not a valid RE2 regular expression/,
    ],
    [
      { ...valid, filter: [{ field: 'event_type', op: 'regex', pattern: '(?=LOGIN)' }] },
      /^filter\.0\.pattern: .*lookaround/,
    ],
    [{ ...valid, groupBy: ['user_roles'] }, /^groupBy\.0: cannot group by the array field user_roles/],
    [{ ...valid, severity: 5 }, /^severity: /],
    [{ ...valid, id: 'Has Spaces' }, /^id: lower-case letters/],
    [{ ...valid, kind: 'sometimes' }, /^kind: /],
    [{ ...valid, mitre: { technique: 'brute' } }, /^mitre\.technique: a MITRE ATT&CK technique id/],
    [
      { ...valid, schedule: { timezone: 'Mars/Olympus', from: '08:00', to: '18:00' } },
      /^schedule\.timezone: unknown time zone/,
    ],
    [{ ...valid, schedule: { from: '25:00', to: '18:00' } }, /^schedule\.from: a time of day HH:MM/],
    [{ ...valid, kind: 'sequence', threshold: undefined }, /sequence/],
    [{ ...valid, source: 'audit_security_log' }, /^source: /],
    [
      { ...valid, source: '*', filter: [{ field: 'event_type', op: '=', value: 'x' }] },
      /^filter\.0\.field: unknown field "event_type" for source \*/,
    ],
  ];
  for (const [input, expected] of cases) {
    const found = problems(input);
    assert.ok(
      found.some((p) => expected.test(p)),
      `${JSON.stringify(input).slice(0, 160)}\n  expected ${expected}\n  got ${JSON.stringify(found)}`,
    );
  }
});

test('linear-time regexes: a pattern that backtracks catastrophically elsewhere is fine in RE2', () => {
  const rule = parseRule({ ...valid, filter: [{ field: 'description', op: 'regex', pattern: '(a+)+$' }] });
  assert.equal(rule.filter.length, 1);
});

test('attributes.<key> fields, anyOf groups and typed values are accepted', () => {
  const rule = parseRule({
    ...valid,
    filter: [
      { field: 'attributes.app.tier', op: 'prefix', value: 'gold' },
      {
        anyOf: [
          { field: 'risk_level', op: 'range', min: 3 },
          { field: 'is_sensitive', op: '=', value: true },
        ],
      },
      { field: 'ip_address', op: 'not_in', values: ['10.0.0.1', '2001:db8::1'] },
    ],
  });
  assert.equal(rule.filter.length, 3);
});
