import { expect, test } from '@grafana/plugin-e2e';

import pluginJson from '../../src/plugin.json';

test('the configuration page saves and tests the connection to the exporter', async ({
  gotoAppConfigPage,
  page,
}) => {
  await gotoAppConfigPage({ pluginId: pluginJson.id });
  const url = page.getByLabel(/^Exporter URL/);
  if (process.env.AUDITLENS_E2E_EXPORTER_URL) await url.fill(process.env.AUDITLENS_E2E_EXPORTER_URL);
  await expect(url).not.toHaveValue('');
  await page.getByRole('button', { name: 'Save & test connection' }).click();
  await expect(page.getByText('Connected', { exact: true })).toBeVisible();
});
