import { expect, test } from '@grafana/plugin-e2e';

import pluginJson from '../../src/plugin.json';

const pluginId = pluginJson.id;
const tenant = process.env.AUDITLENS_E2E_TENANT ?? '@system';

test.describe('AuditLens pages in Grafana', () => {
  for (const [path, ready] of [
    ['overview', /Total events/],
    ['explore', /records loaded/],
    ['security-events', /Triage queue/],
    ['alert-rules', /Rules are evaluated by the exporter/],
    ['compliance', /History/],
    ['retention', /Retention policies/],
  ] as const) {
    test(`${path} loads through the plugin proxy`, async ({ gotoAppPage, page }) => {
      await gotoAppPage({ pluginId, path: `${path}?tenant=${encodeURIComponent(tenant)}` });
      await expect(page.getByText(ready).first()).toBeVisible();
      // Every failure the app shows ends with what to do about it.
      await expect(page.getByText(/What to do:/)).toHaveCount(0);
    });
  }

  test('every page is in the navigation', async ({ gotoAppPage, page }) => {
    await gotoAppPage({ pluginId, path: 'overview' });
    for (const name of ['Overview', 'Explore', 'Security events', 'Alert rules', 'Compliance reports']) {
      await expect(page.getByRole('link', { name, exact: true }).first()).toBeVisible();
    }
  });
});
