import { expect, test } from '@grafana/plugin-e2e';

// The dashboards' tenant is their data source: "AuditLens: <tenant>" (npx auditlens tenants add).
const datasource = process.env.AUDITLENS_E2E_DATASOURCE ?? 'AuditLens: all tenants';

for (const uid of [
  'auditlens-overview',
  'auditlens-security',
  'auditlens-admin-ops',
  'auditlens-data-changes',
  'auditlens-user-activity',
  'auditlens-pipeline',
  'auditlens-ai-usage',
]) {
  test(`dashboard ${uid} renders its ClickHouse panels without errors`, async ({
    gotoDashboardPage,
    page,
  }) => {
    await gotoDashboardPage({ uid, queryParams: new URLSearchParams({ 'var-datasource': datasource }) });
    await expect(page.getByText(/AuditLens/).first()).toBeVisible();
    // Panel error indicators (a failed query) on ClickHouse panels; the Prometheus panels of the
    // pipeline dashboard are allowed to have no data source.
    const errors = page.locator('[data-testid="data-testid Panel status error"]');
    await page.waitForTimeout(3000);
    expect(await errors.count()).toBeLessThanOrEqual(uid === 'auditlens-pipeline' ? 2 : 0);
  });
}
