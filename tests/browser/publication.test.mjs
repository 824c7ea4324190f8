// The open-data publication page in Chromium, as a hub's administrator uses it: the page says
// where the hub publishes, the button publishes now, the page then lists the files of the
// latest publication with their stable addresses, and the catalogue is served at its stable
// address. axe-core (every impact) at 1280 and 360 px.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { screenshot, expectAccessible, hubForFile, signedInAdmin } from './harness.mjs';


let folder;

const hub = hubForFile([], () => {
  folder = mkdtempSync(join(tmpdir(), 'maillage-publication-'));
  return { MAILLAGE_PUBLICATION_DIR: folder, MAILLAGE_PRODUCTEUR: 'hub-lo' };
});

after(() => {
  if (folder) rmSync(folder, { recursive: true, force: true });
});

const signedIn = (width) => signedInAdmin(hub, { width });

for (const width of [1280, 360]) {
  test(`an administrator publishes the open data (${width} px)`, async () => {
    const page = await signedIn(width);
    await page.getByRole('link', { name: /Données ouvertes/ }).click();
    await page.waitForURL(`${hub.server.base}/admin/publication`);
    await expectAccessible(page, `publication avant (${width})`);
    await page.getByRole('button', { name: 'Publier maintenant' }).click();
    await page.waitForLoadState('load');
    const done = await page.getByTestId('publication-faite').textContent();
    assert.match(done, /Publication faite : \d+ lieux, 6 fichiers\./);
    const last = await page.getByTestId('derniere-publication').textContent();
    assert.match(last, /lieux publiés par « hub-lo »/);
    const rows = await page.locator('tbody tr').count();
    assert.equal(rows, 6);
    await expectAccessible(page, `publication après (${width})`);
    await screenshot(page, `publication-${width}`);
    const catalog = await page.request.get(`${hub.server.base}/donnees/catalog.json`);
    assert.equal(catalog.status(), 200);
    assert.equal((await catalog.json())['@type'], 'dcat:Catalog');
    await page.context().close();
  });
}
