import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import React from 'react';

import { fail, http, HttpResponse, mutateUrl, notAvailable, ok, pending, readUrl } from '../testing/api';
import { clickInTable, READER, renderPage } from '../testing/render';
import { server } from '../testing/server';
import RetentionIntegrity from './RetentionIntegrity';

const policy = {
  id: 'default-security-all',
  name: 'Security events — all',
  table: 'audit_security_log',
  module: 'ALL',
  riskLevel: null,
  retentionDays: 2555,
  archiveDays: null,
  autoArchive: true,
  autoDelete: false,
  complianceRequirement: 'MLPS 2.0',
  enabled: true,
  updatedAt: '2025-01-01T00:00:00.000Z',
  updatedBy: 'system',
  version: 1,
  effective: { totalDays: 2555, onlineDays: 2555, deleteDays: 2555 },
};
const policies = {
  floorDays: 180,
  presets: [
    { id: 'pci-dss-4', title: 'PCI DSS v4.0', minTotalDays: 365, minOnlineDays: 90, basis: 'PCI DSS 10.5.1' },
  ],
  policies: [policy],
};
const status = {
  tenant: 'acme',
  mode: 'embedded',
  tables: [
    {
      table: 'audit_security_log',
      online: {
        rows: 1234,
        oldest: '2025-01-01 00:00:00.000',
        newest: '2025-01-15 00:00:00.000',
        dueForArchive: 0,
      },
      archive: { rows: 0, oldest: null, newest: null },
    },
  ],
};
const intact = {
  ok: true,
  tenant: 'acme',
  from: '2025-01-14T00:00:00.000Z',
  to: '2025-01-15T00:00:00.000Z',
  checkpoints: 12,
  rows: 1234,
  expiredRows: 0,
  unsealedRows: 3,
  chains: [],
  firstBroken: null,
  problemCount: 0,
  problems: [],
  durationMs: 42,
  rowsPerSecond: 29380,
};
const key = {
  algorithm: 'Ed25519',
  keyId: 'k-1',
  publicKeyPem: '-----BEGIN PUBLIC KEY-----\nMCow\n-----END PUBLIC KEY-----',
};

const handlers = () => [
  http.get(readUrl('/retention-policies'), ok(policies)),
  http.get(readUrl('/retention/status'), ok(status)),
  http.get(readUrl('/integrity/public-key'), ok(key)),
];

describe('Retention & integrity page', () => {
  it('shows loading states', async () => {
    server.use(
      http.get(readUrl('/retention-policies'), pending()),
      http.get(readUrl('/retention/status'), pending()),
      http.get(readUrl('/integrity/public-key'), pending()),
    );
    renderPage(<RetentionIntegrity />);
    expect(await screen.findByText('Loading retention policies…')).toBeInTheDocument();
  });

  it('shows policies, stored rows and the public key; verifies the time range', async () => {
    let asked: URL | undefined;
    server.use(
      ...handlers(),
      http.get(readUrl('/integrity/verify'), ({ request }) => {
        asked = new URL(request.url);
        return HttpResponse.json(intact);
      }),
    );
    renderPage(<RetentionIntegrity />);
    const table = await screen.findByRole('table', { name: 'Retention policies' });
    await within(table).findByText('Security events — all');
    expect(within(table).getAllByText('2555 d').length).toBeGreaterThan(0);
    await within(await screen.findByRole('table', { name: 'Retention status' })).findByText('1234');
    expect(screen.getByLabelText('Public key')).toHaveTextContent('BEGIN PUBLIC KEY');
    await userEvent.click(screen.getByRole('button', { name: 'Verify time range' }));
    const result = await screen.findByRole('region', { name: 'Verification result' });
    expect(within(result).getByText(/Intact/)).toBeInTheDocument();
    expect(asked?.searchParams.get('tenant')).toBe('acme');
  });

  it('reports a broken chain with its problems', async () => {
    server.use(
      ...handlers(),
      http.get(
        readUrl('/integrity/verify'),
        ok({
          ...intact,
          ok: false,
          firstBroken: {
            table: 'audit_admin_log',
            writer: 'w1',
            sequence: 7,
            firstEventTime: 'a',
            lastEventTime: 'b',
          },
          problemCount: 1,
          problems: [
            {
              kind: 'row_altered',
              table: 'audit_admin_log',
              eventTime: '2025-01-14 10:00:00.000',
              detail: 'digest mismatch',
            },
          ],
        }),
      ),
    );
    renderPage(<RetentionIntegrity />);
    await userEvent.click(await screen.findByRole('button', { name: 'Verify time range' }));
    expect(await screen.findByText('Integrity broken')).toBeInTheDocument();
    await within(screen.getByRole('table', { name: 'Integrity problems' })).findByText('digest mismatch');
  });

  it('lets an admin change a policy, refusing one below the legal floor', async () => {
    let body: Record<string, unknown> | undefined;
    server.use(
      ...handlers(),
      http.put(mutateUrl('/retention-policies/default-security-all'), async ({ request }) => {
        body = (await request.json()) as Record<string, unknown>;
        return HttpResponse.json({ ...policy, ...body });
      }),
    );
    renderPage(<RetentionIntegrity />);
    await screen.findByRole('button', { name: 'Edit' });
    await clickInTable(
      () => screen.getByRole('button', { name: 'Edit' }),
      () => expect(screen.getByLabelText('Online days')).toBeInTheDocument(),
    );
    const input = screen.getByLabelText('Online days');
    await userEvent.clear(input);
    await userEvent.type(input, '30');
    expect(screen.getByText('rows must be kept at least 180 days in all (legal floor)')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Save policy' })).toBeDisabled();
    await userEvent.clear(input);
    await userEvent.type(input, '400');
    await userEvent.click(screen.getByRole('button', { name: 'Save policy' }));
    await waitFor(() =>
      expect(body).toMatchObject({ retentionDays: 400, table: 'audit_security_log', archiveDays: null }),
    );
    expect(Object.keys(body ?? {})).not.toContain('id');
  });

  it('shows the exporter refusing a change', async () => {
    server.use(
      ...handlers(),
      http.post(
        mutateUrl('/retention-policies/presets/pci-dss-4'),
        fail(403, 'this call needs an admin token'),
      ),
    );
    renderPage(<RetentionIntegrity />);
    await userEvent.click(await screen.findByRole('button', { name: 'Apply PCI DSS v4.0' }));
    expect(await screen.findByText('this call needs an admin token')).toBeInTheDocument();
  });

  it('shows "not available" while the exporter has no compliance API', async () => {
    server.use(
      http.get(readUrl('/retention-policies'), notAvailable),
      http.get(readUrl('/retention/status'), notAvailable),
      http.get(readUrl('/integrity/public-key'), notAvailable),
    );
    renderPage(<RetentionIntegrity />);
    expect(
      await screen.findByText(/Retention policies: this exporter does not have this API/),
    ).toBeInTheDocument();
    expect(await screen.findByText(/Public key: this exporter does not have this API/)).toBeInTheDocument();
  });

  it('gives a reader no edit controls', async () => {
    server.use(...handlers());
    renderPage(<RetentionIntegrity />, { actions: READER });
    await screen.findByRole('table', { name: 'Retention policies' });
    expect(screen.queryByRole('button', { name: 'Edit' })).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: /Apply/ })).not.toBeInTheDocument();
    expect(screen.getByText('Read only')).toBeInTheDocument();
  });

  it('denies the page without the read action', async () => {
    renderPage(<RetentionIntegrity />, { actions: [] });
    expect(await screen.findByText('Permission denied')).toBeInTheDocument();
  });
});
