// Duplicates as a hub's administrator meets them, in Chromium: the CnFS national file of December
// 2022 imported through `/admin/imports` fills the review queue by itself (the scan runs after
// every import); "Même lieu : fusionner" leaves one place where the API, the list and the counts
// had two, and undoing the merge brings both back. axe-core must find no violation of any impact
// on the queue and the merged places, at 1280 and 360 px.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { expectAccessible, repoRoot, hubForFile, screenshot, signedInAdmin } from './harness.mjs';

const CNFS = join(repoRoot, 'data', 'fixtures', 'lieux', 'cnfs-lieux-2022-12.json.gz');

const hub = hubForFile(['--sync-interval', '0.2']);

/** Waits until `read` gives what `done` accepts (the server works in the background). */
async function until(page, read, done, what) {
  let value;
  for (let tries = 0; tries < 240; tries += 1) {
    value = await read();
    if (done(value)) return value;
    await page.waitForTimeout(500);
  }
  assert.fail(`${what} : toujours ${JSON.stringify(value)}`);
}

test('an import fills the review queue; a merge shows one place, an undo both again', async () => {
  const page = await signedInAdmin(hub, { width: 1280 });
  const total = async () => (await (await page.request.get(`${hub.server.base}/api/v1/lieux?limite=1`)).json()).total;

  await page.goto(`${hub.server.base}/admin/imports`);
  await page.getByLabel("Fichier (standard national CSV ou JSON, ou export d'un hub)").setInputFiles(CNFS);
  await page.getByLabel(/Nom de la source/).first().fill('cnfs');
  await page.getByRole('button', { name: 'Importer', exact: true }).click();
  await page.waitForLoadState('load');
  await page.getByTestId('hors-territoire').getByRole('button', { name: /Importer quand même/ }).click();
  await page.waitForURL(/\/admin\/imports\/[0-9a-z]+$/);

  // Nobody runs anything: the scan that follows the import fills the queue.
  const status = await until(
    page,
    async () => {
      await page.goto(`${hub.server.base}/admin/doublons`);
      return (await page.getByTestId('recherche-doublons').count()) ? page.getByTestId('recherche-doublons').textContent() : '';
    },
    (text) => text.startsWith('Dernière recherche'),
    'recherche des doublons',
  );
  assert.match(status, /\d+ paire\(s\) nouvelle\(s\) à examiner/);
  const pair = page.getByTestId('doublon').first();
  assert.ok(await pair.count(), "aucune paire à examiner après l'import");
  await expectAccessible(page, 'doublons à examiner', { widths: [1280, 360] });
  await page.setViewportSize({ width: 360, height: 740 });
  await screenshot(page, 'doublons-360');
  await page.setViewportSize({ width: 1280, height: 900 });

  // The pair's two records, named "Nom (source/identifiant)" in its table's header.
  const titles = await pair.locator('table.diff thead th').allTextContents();
  const keys = titles.slice(1).map((title) => /\(([^()]*\/[^()]*)\)$/.exec(title)?.[1]);
  assert.ok(keys.every(Boolean), titles.join(' | '));
  const before = await until(page, total, (n) => n > 0, 'lieux publiés');
  await pair.getByRole('button', { name: 'Même lieu : fusionner' }).click();
  await page.waitForURL(/fait=fusionnes/);
  await until(page, total, (n) => n === before - 1, 'un lieu de moins après la fusion');

  // The merged place, its records listed; undone, both are published again.
  await page.goto(`${hub.server.base}/admin/doublons/groupes`);
  const group = page
    .getByTestId('fusion')
    .filter({ hasText: keys[0].split('/').slice(1).join('/') })
    .filter({ hasText: keys[1].split('/').slice(1).join('/') })
    .first();
  assert.ok(await group.count(), `lieu fusionné introuvable pour ${keys.join(' et ')}`);
  await expectAccessible(page, 'lieux fusionnés', { widths: [1280, 360] });
  await group.getByRole('button', { name: 'Défaire cette fusion' }).click();
  await page.waitForLoadState('load');
  assert.match(await page.locator('main').textContent(), /Fusion défaite : \d+ fiches de nouveau publiées séparément\./);
  await until(page, total, (n) => n === before, 'les deux lieux de nouveau publiés');
  await page.context().close();
});
