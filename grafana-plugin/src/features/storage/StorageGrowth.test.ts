import { latestPoints, storageFrame } from './StorageGrowth';

const points = [
  { time: '2025-01-14 10:00:00', table: 'audit_request_log', tenant: 'acme', rows: 10, bytes: 100 },
  { time: '2025-01-14 10:00:00', table: 'audit_request_log', tenant: 'globex', rows: 5, bytes: 50 },
  { time: '2025-01-14 11:00:00', table: 'audit_request_log', tenant: 'acme', rows: 20, bytes: 200 },
  { time: '2025-01-14 11:00:00', table: 'audit_admin_log', tenant: 'acme', rows: 1, bytes: 7 },
];

describe('storage growth frames', () => {
  it('one series per table, its tenants added up, a gap where a table has no snapshot', () => {
    const frame = storageFrame(points);
    expect(frame.fields.map((f) => f.name)).toEqual(['Time', 'audit_admin_log', 'audit_request_log']);
    expect(frame.fields[0]?.values).toEqual([Date.UTC(2025, 0, 14, 10), Date.UTC(2025, 0, 14, 11)]);
    expect(frame.fields[1]?.values).toEqual([null, 7]);
    expect(frame.fields[2]?.values).toEqual([150, 200]);
  });

  it('the latest point per table and tenant, largest first', () => {
    expect(latestPoints(points).map((p) => [p.table, p.tenant, p.bytes])).toEqual([
      ['audit_request_log', 'acme', 200],
      ['audit_request_log', 'globex', 50],
      ['audit_admin_log', 'acme', 7],
    ]);
  });
});
