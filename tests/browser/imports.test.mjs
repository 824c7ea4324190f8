// A hub's administrator bringing places in, in Chromium at 1280 and 360 px: the national map
// pulled now from its button (a stub server plays data.gouv.fr); the CnFS national file of
// December 2022 uploaded, held with the question about its places outside the hub's
// territory, then imported anyway; its report paged, filtered and downloaded; the managed
// places of a gestionnaire given by name; `/admin/lieux` paged through the thousands of
// places with a filter and exported. axe-core must find no violation of any impact.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { screenshot, newPerson, expectAccessible, repoRoot, hubForFile, signedInAdmin } from './harness.mjs';

const NATIONAL = [
  'id,nom,commune,code_postal,code_insee,adresse,latitude,longitude,services,date_maj',
  'n1,Espace numérique de Saint-Amand,Saint-Amand-Montrond,18200,18197,5 place de la République,46.7230,2.5050,Aide aux démarches administratives,2026-10-01',
  'n2,Médiathèque de Lyon,Lyon,69001,69381,1 rue de la République,45.7640,4.8357,Aide aux démarches administratives,2026-10-01',
].join('\n');
const CNFS = join(repoRoot, 'data', 'fixtures', 'lieux', 'cnfs-lieux-2022-12.json.gz');

let national;

const hub = hubForFile([], async () => {
  national = createServer((request, response) => {
    response.writeHead(200, { 'content-type': 'text/csv; charset=utf-8' });
    response.end(NATIONAL);
  });
  await new Promise((ok) => national.listen(0, '127.0.0.1', ok));
  return { MAILLAGE_CARTE_NATIONALE_URL: `http://127.0.0.1:${national.address().port}/lieux.csv` };
});

after(async () => {
  await new Promise((ok) => (national ? national.close(ok) : ok()));
});

test('the national map is pulled from its button and its places wait for review', async () => {
  const page = await signedInAdmin(hub, { width: 1280 });
  await page.goto(`${hub.server.base}/admin/imports`);
  await expectAccessible(page, 'imports', { widths: [1280, 360] });
  await page.getByRole('button', { name: 'Importer maintenant depuis la carte nationale' }).click();
  await page.waitForURL(/\/admin\/imports\/[0-9a-z]+$/);
  const summary = await page.getByTestId('resume-import').textContent();
  assert.match(summary, /dans la source carte-nationale/);
  assert.match(summary, /1 lieu\(x\) créé\(s\)/, 'only the place in the hub’s départements');
  await expectAccessible(page, 'rapport de la carte nationale', { widths: [1280, 360] });
  await page.context().close();
});

test('an import outside the territory asks first, then its report pages, filters and downloads', async () => {
  const page = await signedInAdmin(hub, { width: 1280 });
  await page.goto(`${hub.server.base}/admin/imports`);
  await page.getByLabel('Fichier (standard national CSV ou JSON, ou export d\'un hub)').setInputFiles(CNFS);
  await page.getByLabel(/Nom de la source/).first().fill('cnfs');
  await page.getByRole('button', { name: 'Importer', exact: true }).click();
  await page.waitForLoadState('load');
  const question = page.getByTestId('hors-territoire');
  const heading = await question.getByRole('heading').textContent();
  assert.match(heading, /^\d+ lieux hors du territoire du hub : importer quand même \?$/);
  await expectAccessible(page, 'question hors territoire', { widths: [1280, 360] });
  await page.setViewportSize({ width: 360, height: 740 });
  await screenshot(page, 'import-hors-territoire-360');
  await page.setViewportSize({ width: 1280, height: 900 });
  await question.getByRole('button', { name: /Importer quand même/ }).click();
  await page.waitForURL(/\/admin\/imports\/[0-9a-z]+$/);
  const summary = await page.getByTestId('resume-import').textContent();
  const created = Number(/(\d+) lieu\(x\) créé\(s\)/.exec(summary)[1]);
  assert.ok(created > 4000, summary);
  await page.getByLabel('Gravité').selectOption('avertissement');
  await page.getByRole('button', { name: 'Filtrer' }).click();
  await page.waitForURL(/gravite=avertissement/);
  const caption = await page.getByTestId('problemes').locator('caption').textContent();
  assert.match(caption, /problème\(s\) sur \d+/);
  const cells = await page.getByTestId('problemes').locator('tbody td:nth-child(3)').allTextContents();
  assert.ok(cells.length > 0 && cells.length <= 100 && cells.every((cell) => cell === 'avertissement'), cells.join(','));
  await expectAccessible(page, 'rapport filtré', { widths: [1280, 360] });
  await page.setViewportSize({ width: 360, height: 740 });
  await screenshot(page, 'rapport-import-360');
  await page.setViewportSize({ width: 1280, height: 900 });
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: /en CSV/ }).click()]);
  const text = await (await import('node:fs/promises')).readFile(await download.path(), 'utf8');
  assert.ok(text.startsWith('ligne,id_source,gravite,champ,valeur,motif'), text.slice(0, 200));
  assert.ok(text.includes(',avertissement,') && !text.includes(',erreur,') && !text.includes(',info,'), text.slice(0, 400));

  // Thousands of places: /admin/lieux pages through them with a filter and exports them.
  await page.goto(`${hub.server.base}/admin/lieux?source=cnfs`);
  const pager = page.getByTestId('pagination');
  assert.match(await pager.textContent(), /Page 1 sur \d{2,}/);
  await pager.getByRole('link', { name: /Page suivante/ }).click();
  await page.waitForURL(/page=2/);
  assert.match(await page.getByTestId('pagination').textContent(), /Page 2 sur/);
  await expectAccessible(page, 'lieux page 2', { widths: [1280, 360] });
  // The export holds every filtered place, not the page shown.
  const count = Number((await page.getByTestId('nombre-lieux').locator('strong').textContent()).replace(/\D/g, ''));
  assert.ok(count > 4000, `${count} lieux`);
  const [exported] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-lieux').click()]);
  assert.equal(exported.suggestedFilename(), 'lieux.csv');
  const csv = await (await import('node:fs/promises')).readFile(await exported.path(), 'utf8');
  const lines = csv.trimEnd().split('\n');
  assert.ok(lines.length - 1 >= count, `${lines.length - 1} lignes exportées pour ${count} lieux`);
  await page.context().close();
});

test('a gestionnaire is given a place by its name', async () => {
  const page = await signedInAdmin(hub, { width: 360, height: 740 });
  await page.goto(`${hub.server.base}/admin/utilisateurs`);
  await page.getByLabel('Nom', { exact: true }).fill('Bénévole');
  await page.getByLabel('Adresse électronique').fill('benevole@saint-amand.example');
  await page.getByLabel(/^Lieux gérés \(gestionnaires\)/).fill('Espace numérique de Saint-Amand');
  await page.getByRole('button', { name: "Envoyer l'invitation" }).click();
  await page.waitForURL(`${hub.server.base}/admin/utilisateurs`);
  const row = page.locator('tbody tr', { hasText: 'benevole@saint-amand.example' });
  assert.match(await row.textContent(), /1 lieu\(x\)/);
  await expectAccessible(page, 'utilisateurs', { widths: [360, 1280] });
  await page.context().close();
});

test('the home page counts the hub’s own places', async () => {
  const page = await newPerson(hub.browser, { width: 360, height: 740 });
  await page.goto(hub.server.base);
  assert.match(await page.getByTestId('compte-accueil').textContent(), /^\d+ lieux sur le territoire du hub \(/);
  await expectAccessible(page, 'accueil', { widths: [360, 1280] });
  await page.context().close();
});
