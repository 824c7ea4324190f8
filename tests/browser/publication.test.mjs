// The open-data publication page in Chromium, as a hub's administrator uses it: the page says
// where the hub publishes, the button publishes now, the page then lists the files of the
// latest publication with their stable addresses, and the catalogue is served at its stable
// address. axe-core (every impact) at 1280 and 360 px.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, runCli, launchBrowser, screenshot } from './harness.mjs';
import { createRequire } from 'node:module';

const ADMIN = { email: 'admin@hub.example', password: 'un mot de passe assez long' };
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

let server;
let browser;
let folder;

before(async () => {
  folder = mkdtempSync(join(tmpdir(), 'maillage-publication-'));
  server = await startServer([], {
    MAILLAGE_SECRET: 'une clé de signature de test, assez longue',
    MAILLAGE_PUBLICATION_DIR: folder,
    MAILLAGE_PRODUCTEUR: 'hub-lo',
  });
  await runCli(server.db, ['accounts', 'admin', '--courriel', ADMIN.email, '--nom', 'Administratrice'], {
    MAILLAGE_ADMIN_PASSWORD: ADMIN.password,
  });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  if (folder) rmSync(folder, { recursive: true, force: true });
});

/** Every axe-core violation, whatever its impact. */
async function violations(page) {
  await page.evaluate(axeSource);
  const result = await page.evaluate(async () => axe.run(document, { resultTypes: ['violations'] }));
  return result.violations.map((v) => `${v.id} (${v.impact}) : ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).slice(0, 5).join(', ')}`);
}

async function signedIn(width) {
  const context = await browser.newContext({ viewport: { width, height: 900 }, locale: 'fr-FR', timezoneId: 'Europe/Paris' });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (err) => problems.push(`erreur de script : ${err.message}`));
  page.problems = problems;
  await page.goto(`${server.base}/connexion`);
  await page.getByLabel('Adresse électronique').fill(ADMIN.email);
  await page.getByLabel('Mot de passe').fill(ADMIN.password);
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await page.waitForURL(`${server.base}/admin`);
  return page;
}

async function expectAccessible(page, label) {
  assert.deepEqual(await violations(page), [], `${label} : violations axe-core`);
  assert.deepEqual(page.problems, [], `${label} : erreurs dans la page`);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 1, `${label} : la page déborde de ${overflow} px`);
}

for (const width of [1280, 360]) {
  test(`an administrator publishes the open data (${width} px)`, async () => {
    const page = await signedIn(width);
    await page.getByRole('link', { name: /Données ouvertes/ }).click();
    await page.waitForURL(`${server.base}/admin/publication`);
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
    const catalog = await page.request.get(`${server.base}/donnees/catalog.json`);
    assert.equal(catalog.status(), 200);
    assert.equal((await catalog.json())['@type'], 'dcat:Catalog');
    await page.context().close();
  });
}
