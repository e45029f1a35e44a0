import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import React from 'react';

import { fail, http, HttpResponse, mutateUrl, notAvailable, ok, pending, readUrl } from '../testing/api';
import { clickInTable, READER, renderPage } from '../testing/render';
import { server } from '../testing/server';
import AlertRules from './AlertRules';

const bruteForce = {
  rule: {
    id: 'brute-force-ip',
    name: 'Brute force per IP',
    description: '',
    enabled: true,
    kind: 'threshold',
    source: 'security',
    tenant: '*',
    filter: [{ field: 'event_type', op: '=', value: 'LOGIN_FAILED' }],
    groupBy: ['ip_address'],
    window: '1h',
    threshold: 50,
    severity: 3,
    mitre: { tactic: 'TA0006', technique: 'T1110' },
    labels: {},
    cooldown: '0s',
    eventType: 'BRUTE_FORCE',
    contactPoint: 'security-team',
  },
  builtIn: true,
  modified: false,
  version: 1,
  updatedAt: null,
  updatedBy: '',
  firing: 2,
};

const desired = {
  folder: { uid: 'auditlens', title: 'AuditLens' },
  ruleGroup: 'auditlens',
  headers: { 'X-Disable-Provenance': 'true' },
  rules: [
    {
      uid: 'auditlens-brute-force-ip',
      title: 'AuditLens: Brute force per IP',
      folderUID: 'auditlens',
      ruleGroup: 'auditlens',
      isPaused: false,
      labels: { auditlens_rule_id: 'brute-force-ip' },
      notification_settings: { receiver: 'security-team' },
      data: [{ refId: 'A', model: { rawSql: 'SELECT 1' } }],
    },
  ],
  skipped: [],
};

function standardHandlers(grafanaRules: unknown[] = []) {
  return [
    http.get(readUrl('/alert-rules'), ok({ rules: [bruteForce] })),
    http.get(readUrl('/grafana/alert-rules'), ok(desired)),
    http.get('*/api/v1/provisioning/alert-rules', ok(grafanaRules)),
    http.get(
      '*/api/v1/provisioning/contact-points',
      ok([
        { uid: 'a', name: 'security-team', type: 'email' },
        { uid: 'b', name: 'oncall', type: 'slack' },
      ]),
    ),
  ];
}

describe('Alert rules page', () => {
  it('shows a loading state', async () => {
    server.use(
      http.get(readUrl('/alert-rules'), pending()),
      http.get(readUrl('/grafana/alert-rules'), pending()),
    );
    renderPage(<AlertRules />);
    expect(await screen.findByText('Loading alert rules…')).toBeInTheDocument();
  });

  it('lists rules with firing counts and the Grafana rule sync state', async () => {
    server.use(...standardHandlers());
    renderPage(<AlertRules />);
    const table = await screen.findByRole('table', { name: 'Alert rules' });
    await within(table).findByText(/Brute force per IP/);
    await waitFor(() => expect(screen.getByTestId('firing-brute-force-ip')).toHaveTextContent('2 firing'));
    // The firing count links to the rule's security events.
    expect(
      within(screen.getByTestId('firing-brute-force-ip')).getByRole('link').getAttribute('href'),
    ).toMatch(/\/security-events\?tenant=acme&rule=brute-force-ip$/);
    await waitFor(() => expect(screen.getByTestId('sync-brute-force-ip')).toHaveTextContent('missing'));
    expect(within(table).queryByRole('button', { name: 'Delete' })).not.toBeInTheDocument(); // built in
  });

  it('records the change with the exporter, then creates the missing Grafana rule in its folder, without provenance', async () => {
    const calls: string[] = [];
    server.use(
      ...standardHandlers(),
      http.post(mutateUrl('/grafana/changes'), async ({ request }) => {
        const body = (await request.json()) as { operation: string; rules: string[] };
        calls.push(`record ${body.operation} ${body.rules.length}`);
        return HttpResponse.json({ recorded: true }, { status: 201 });
      }),
      http.get('*/api/folders/auditlens', () => {
        calls.push('GET folder');
        return HttpResponse.json({ message: 'not found' }, { status: 404 });
      }),
      http.post('*/api/folders', () => {
        calls.push('POST folder');
        return HttpResponse.json({ uid: 'auditlens' });
      }),
      http.post('*/api/v1/provisioning/alert-rules', ({ request }) => {
        calls.push(`POST rule ${request.headers.get('x-disable-provenance')}`);
        return HttpResponse.json({}, { status: 201 });
      }),
    );
    renderPage(<AlertRules />);
    await waitFor(() => expect(screen.getByTestId('sync-brute-force-ip')).toHaveTextContent('missing'));
    await userEvent.click(screen.getByRole('button', { name: 'Sync Grafana rules' }));
    await waitFor(() =>
      expect(calls).toEqual(['record GRAFANA_RULES_APPLY 1', 'GET folder', 'POST folder', 'POST rule true']),
    );
  });

  it('changes nothing in Grafana when the exporter cannot record the change', async () => {
    const calls: string[] = [];
    server.use(
      ...standardHandlers(),
      http.post(mutateUrl('/grafana/changes'), () => {
        calls.push('record');
        return HttpResponse.json({ error: 'audit store unavailable' }, { status: 503 });
      }),
      http.get('*/api/folders/auditlens', () => {
        calls.push('GET folder');
        return HttpResponse.json({ uid: 'auditlens' });
      }),
      http.post('*/api/v1/provisioning/alert-rules', () => {
        calls.push('POST rule');
        return HttpResponse.json({}, { status: 201 });
      }),
    );
    renderPage(<AlertRules />);
    await waitFor(() => expect(screen.getByTestId('sync-brute-force-ip')).toHaveTextContent('missing'));
    await userEvent.click(screen.getByRole('button', { name: 'Sync Grafana rules' }));
    await waitFor(() => expect(calls).toEqual(['record']));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(calls).toEqual(['record']);
  });

  it('shows a rule as in sync when Grafana has the same rule', async () => {
    server.use(...standardHandlers(desired.rules));
    renderPage(<AlertRules />);
    await waitFor(() => expect(screen.getByTestId('sync-brute-force-ip')).toHaveTextContent('in sync'));
  });

  it('disables a rule through the admin route', async () => {
    let called = '';
    server.use(
      ...standardHandlers(),
      http.post(mutateUrl('/alert-rules/brute-force-ip/disable'), () => {
        called = 'disable';
        return HttpResponse.json({ ...bruteForce, rule: { ...bruteForce.rule, enabled: false } });
      }),
    );
    renderPage(<AlertRules />);
    await screen.findByRole('switch', { name: 'Enabled brute-force-ip' });
    await clickInTable(
      () => screen.getByRole('switch', { name: 'Enabled brute-force-ip' }),
      () => expect(called).toBe('disable'),
    );
  });

  it('validates a new rule, dry-runs it and creates it with the picked contact point', async () => {
    let created: Record<string, unknown> | undefined;
    let tested: Record<string, unknown> | undefined;
    server.use(
      ...standardHandlers(),
      http.post(mutateUrl('/alert-rules/test'), async ({ request }) => {
        tested = (await request.json()) as Record<string, unknown>;
        return HttpResponse.json({
          ruleId: 'vpn-brute-force',
          from: '2025-01-14T10:00:00.000Z',
          to: '2025-01-15T10:00:00.000Z',
          rowsScanned: 5000,
          truncated: false,
          instances: [
            {
              tenant: 'acme',
              groupKey: 'ip_address=198.51.100.9',
              firedAt: '2025-01-15T03:00:00.000Z',
              resolvedAt: null,
              matchCount: 12,
              summary: '12 failures',
            },
          ],
        });
      }),
      http.post(mutateUrl('/alert-rules'), async ({ request }) => {
        created = (await request.json()) as Record<string, unknown>;
        return HttpResponse.json({ ...bruteForce, rule: created }, { status: 201 });
      }),
    );
    renderPage(<AlertRules />);
    await userEvent.click(await screen.findByRole('button', { name: 'New rule' }));
    const form = await screen.findByRole('form', { name: 'Alert rule' });
    await userEvent.click(within(form).getByRole('button', { name: 'Create rule' }));
    expect(await within(form).findByText('Fix the marked fields')).toBeInTheDocument();
    await userEvent.type(within(form).getByLabelText('Id'), 'vpn-brute-force');
    await userEvent.type(within(form).getByLabelText('Name'), 'VPN brute force');
    await userEvent.clear(within(form).getByLabelText(/^Threshold/));
    await userEvent.type(within(form).getByLabelText(/^Threshold/), '10');
    await userEvent.type(within(form).getByLabelText('MITRE technique'), 'X1');
    expect(within(form).getByText('a technique id like T1110')).toBeInTheDocument();
    await userEvent.clear(within(form).getByLabelText('MITRE technique'));
    await userEvent.type(within(form).getByLabelText('MITRE technique'), 'T1110');
    await userEvent.click(within(form).getByRole('combobox', { name: 'Contact point' }));
    await userEvent.click(await screen.findByText('oncall'));
    await userEvent.click(within(form).getByRole('button', { name: 'Dry run (last 24h)' }));
    const result = await screen.findByRole('region', { name: 'Dry run result' });
    await within(result).findByText('12 failures');
    expect(tested).toMatchObject({ hours: 24, rule: { id: 'vpn-brute-force', threshold: 10 } });
    await userEvent.click(within(form).getByRole('button', { name: 'Create rule' }));
    await waitFor(() => expect(created).toBeDefined());
    expect(created).toMatchObject({
      id: 'vpn-brute-force',
      name: 'VPN brute force',
      kind: 'threshold',
      threshold: 10,
      contactPoint: 'oncall',
      mitre: { technique: 'T1110' },
      filter: [{ field: 'event_type', op: '=', value: 'LOGIN_FAILED' }],
    });
  });

  it("shows the exporter's validation error on save", async () => {
    server.use(
      ...standardHandlers(),
      http.put(mutateUrl('/alert-rules/brute-force-ip'), fail(400, 'filter.0.field: unknown field "nope"')),
    );
    const page = renderPage(<AlertRules />);
    await screen.findByRole('button', { name: 'Edit' });
    await clickInTable(
      () => screen.getByRole('button', { name: 'Edit' }),
      () => expect(page.location().searchParams.get('edit')).toBe('brute-force-ip'),
    );
    const form = await screen.findByRole('form', { name: 'Alert rule' });
    expect(within(form).getByLabelText('Id')).toBeDisabled();
    await userEvent.click(within(form).getByRole('button', { name: 'Save rule' }));
    expect(await within(form).findByText('filter.0.field: unknown field "nope"')).toBeInTheDocument();
  });

  it('says when there are no rules, and "not available" without the alerting API', async () => {
    server.use(
      http.get(readUrl('/alert-rules'), ok({ rules: [] })),
      http.get(readUrl('/grafana/alert-rules'), notAvailable),
    );
    renderPage(<AlertRules />);
    expect(await screen.findByText('No alert rules for this tenant')).toBeInTheDocument();
    expect(
      await screen.findByText(/Grafana rule sync state: this exporter does not have this API/),
    ).toBeInTheDocument();
  });

  it('shows an error answer', async () => {
    server.use(
      http.get(readUrl('/alert-rules'), fail(500, 'internal error')),
      http.get(readUrl('/grafana/alert-rules'), ok(desired)),
    );
    renderPage(<AlertRules />);
    expect(await screen.findByText(/Alert rules: the exporter failed \(HTTP 500\)/)).toBeInTheDocument();
  });

  it('gives a reader the list but no way to change it', async () => {
    server.use(...standardHandlers());
    renderPage(<AlertRules />, { actions: READER });
    await screen.findByRole('table', { name: 'Alert rules' });
    expect(screen.getByRole('switch', { name: 'Enabled brute-force-ip' })).toBeDisabled();
    expect(screen.queryByRole('button', { name: 'New rule' })).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Edit' })).not.toBeInTheDocument();
    expect(screen.getByText('Read only')).toBeInTheDocument();
  });

  it('denies the page without the read action', async () => {
    renderPage(<AlertRules />, { actions: [] });
    expect(await screen.findByText('Permission denied')).toBeInTheDocument();
  });
});
