// The public pages in Chromium, as a person uses them: search a commune, filter, open a place,
// run the orientation to a printable sheet, use the embed. axe-core must report no serious or
// critical violation on any page; screenshots at 1280 and 360 px wide are kept for review.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { startServer, launchBrowser, seriousViolations, screenshot, newPerson } from './harness.mjs';

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const WIDTHS = [
  { name: 'large', width: 1280, height: 900 },
  { name: 'mobile', width: 360, height: 740 },
];

/** A fresh page that fails the test on any script error or refused resource (CSP). */
const openPage = ({ width, height } = WIDTHS[0]) => newPerson(browser, { width, height, consoleErrors: true });

/** No serious or critical axe violation (script errors are checked apart, with `expectNoProblems`). */
async function expectAccessible(page, label) {
  assert.deepEqual(await seriousViolations(page), [], `${label} : violations axe-core graves ou critiques`);
}

function expectNoProblems(page, label) {
  assert.deepEqual(page.problems, [], `${label} : erreurs dans la page`);
}

/** Opens a disclosure the way a person does, unless it is already open. */
async function expand(details) {
  if (!(await details.evaluate((el) => el.open))) await details.locator(':scope > summary').click();
}

const PAGES = ['/', '/carte', '/orientation', '/couverture', '/embed', '/embed/aide', '/api/docs'];

test('every page is accessible and renders at 1280 and 360 px', async () => {
  for (const viewport of WIDTHS) {
    for (const path of PAGES) {
      const page = await openPage(viewport);
      const response = await page.goto(server.base + path, { waitUntil: 'networkidle' });
      assert.equal(response.status(), 200, `${path} : statut`);
      await expectAccessible(page, `${path} (${viewport.width} px)`);
      // Reflow: nothing wider than the screen at 320–360 px.
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 1, `${path} (${viewport.width} px) déborde de ${overflow} px`);
      const name = path === '/' ? 'accueil' : path.slice(1).replaceAll('/', '-');
      await screenshot(page, `${name}-${viewport.name}`);
      expectNoProblems(page, path);
      await page.context().close();
    }
  }
});

test('search a commune, filter, open a place', async () => {
  const page = await openPage();
  await page.goto(`${server.base}/carte`, { waitUntil: 'networkidle' });
  const map = page.getByTestId('carte');
  await map.and(page.locator('[data-etat=pret]')).waitFor();

  // Autocompletion on the commune: pick Bourges with the keyboard, as a person would.
  await page.locator('#carte-q').fill('Bourges');
  await page.locator('.suggestions li[role=option]').first().waitFor();
  assert.match(await page.locator('.suggestions li[role=option]').first().innerText(), /Bourges/);
  await page.locator('#carte-q').press('ArrowDown');
  await Promise.all([page.waitForURL(/q=/), page.locator('#carte-q').press('Enter')]);
  await page.waitForLoadState('networkidle');
  const items = page.locator('[data-testid=liste-lieux] li.lieu[data-id]');
  await items.first().waitFor();
  const before = await items.count();
  assert.ok(before > 0, 'la liste autour de Bourges est vide');
  assert.match(await items.first().innerText(), /km|m\b/, 'la distance au point cherché est affichée');

  // A filter: the URL keeps it, the list shrinks or stays, every remaining place offers it.
  await expand(page.locator('details.tous-filtres'));
  await expand(page.locator('details.groupe-filtre').filter({ hasText: 'Maîtrise des outils numériques du quotidien' }));
  const service = page.getByLabel('Maîtrise des outils numériques du quotidien', { exact: false }).first();
  await service.check();
  await Promise.all([
    page.waitForURL(/service|filtre/),
    page.getByRole('button', { name: 'Appliquer les filtres' }).click(),
  ]);
  await page.waitForLoadState('networkidle');
  const filteredUrl = page.url();
  const after = await page.locator('[data-testid=liste-lieux] li.lieu[data-id]').count();
  assert.ok(after > 0 && after <= Math.max(before, 20), `après filtre : ${after} lieux (avant ${before})`);

  // The state is in the URL: reloading it gives the same list.
  const firstId = await page.locator('[data-testid=liste-lieux] li.lieu[data-id]').first().getAttribute('data-id');
  const again = await openPage();
  await again.goto(filteredUrl, { waitUntil: 'networkidle' });
  assert.equal(
    await again.locator('[data-testid=liste-lieux] li.lieu[data-id]').first().getAttribute('data-id'),
    firstId,
    'la même adresse redonne la même liste',
  );
  await again.context().close();

  // Open the first place: its sheet shows the service, the week's hours and the open state.
  await page.locator('[data-testid=liste-lieux] li.lieu[data-id] a').first().click();
  await page.waitForURL(/\/lieux\//);
  await page.getByTestId('fiche-lieu').waitFor();
  assert.match(await page.getByTestId('fiche-lieu').innerText(), /outils numériques du quotidien/i);
  assert.match(await page.getByTestId('etat-ouverture').innerText(), /ouvert|fermé|horaires/i);
  await expectAccessible(page, 'fiche lieu');
  await screenshot(page, 'lieu-large');
  expectNoProblems(page, 'parcours carte');
  await page.context().close();
});

test('report an error on a place: refused when empty, then stored', async () => {
  const page = await openPage();
  await page.goto(`${server.base}/carte?q=Orl%C3%A9ans`, { waitUntil: 'networkidle' });
  await page.locator('[data-testid=liste-lieux] li.lieu[data-id] a').first().click();
  await page.getByTestId('form-signalement').waitFor();
  await page.getByRole('button', { name: 'Envoyer le signalement' }).click();
  await page.waitForLoadState('networkidle');
  assert.ok((await page.locator('.erreur-champ').count()) > 0, 'un signalement vide est refusé avec un message');
  await page.locator('#categorie-horaires').check();
  await page.locator('#signalement-message').fill('Le lieu est fermé le mercredi depuis septembre.');
  await page.getByRole('button', { name: 'Envoyer le signalement' }).click();
  await page.getByTestId('signalement-envoye').waitFor();
  await page.context().close();
});

test('orientation in four steps to a printable sheet', async () => {
  for (const viewport of WIDTHS) {
    const page = await openPage(viewport);
    await page.goto(`${server.base}/orientation`, { waitUntil: 'networkidle' });
    const count = () => page.locator('[data-testid=orientation-compte] [data-role=compte]').innerText();

    await page.locator('#besoin-outils').check();
    await page.getByRole('button', { name: 'Continuer' }).click();
    await page.getByTestId('orientation-etape-2').waitFor();
    const afterNeed = Number(await count());
    assert.ok(afterNeed > 0, 'des lieux proposent ce besoin');

    await page.locator('#orientation-q').fill('Orléans');
    await page.locator('#orientation-rayon').selectOption('20');
    await page.getByRole('button', { name: 'Continuer' }).click();
    await page.getByTestId('orientation-etape-3').waitFor();
    const afterWhere = Number(await count());
    assert.ok(afterWhere > 0 && afterWhere < afterNeed, `autour de Orléans : ${afterWhere} sur ${afterNeed}`);

    // Undo the last choice, then make it again.
    await page.getByTestId('orientation-annuler').click();
    await page.getByTestId('orientation-etape-2').waitFor();
    await page.locator('#orientation-q').fill('Orléans');
    await page.locator('#orientation-rayon').selectOption('20');
    await page.getByRole('button', { name: 'Continuer' }).click();
    await page.getByTestId('orientation-etape-3').waitFor();

    await page.getByRole('button', { name: 'Continuer' }).click();
    await page.getByTestId('orientation-etape-4').waitFor();
    await page.locator('#quand-indifferent').check();
    await page.getByRole('button', { name: 'Voir les lieux' }).click();
    await page.getByTestId('orientation-resultats').waitFor();
    await expectAccessible(page, `résultats d'orientation (${viewport.width} px)`);
    await screenshot(page, `orientation-resultats-${viewport.name}`);

    const chosen = await page.locator('[data-testid=orientation-choix] input[name=lieu]:checked').count();
    assert.ok(chosen > 0, 'des lieux sont proposés');
    await page.locator('#fiche-prenom').fill('Camille');
    await page.locator('#fiche-notes').fill('Besoin d’aide pour la déclaration de revenus.');
    await page.locator('#fiche-par').fill('Dominique, CCAS d’Orléans');
    await page.getByRole('button', { name: "Préparer la fiche d'orientation" }).click();
    const fiche = page.getByTestId('fiche-orientation');
    await fiche.waitFor();
    const text = await fiche.innerText();
    assert.match(text, /Camille/);
    assert.match(text, /déclaration de revenus/);
    assert.match(text, /CCAS d’Orléans/);
    const mail = await page.getByTestId('fiche-courriel').getAttribute('href');
    assert.match(mail, /^mailto:/);
    // Printable: the print stylesheet hides the site's chrome.
    await page.emulateMedia({ media: 'print' });
    assert.equal(await page.locator('header').first().isVisible(), false, "l'en-tête du site n'est pas imprimé");
    await page.emulateMedia({ media: 'screen' });
    await expectAccessible(page, `fiche d'orientation (${viewport.width} px)`);
    await screenshot(page, `fiche-orientation-${viewport.name}`);
    expectNoProblems(page, 'orientation');
    await page.context().close();
  }
});

test('embed in a partner page: filtered, branded, framed', async () => {
  const page = await openPage();
  const src = `${server.base}/embed?territoire=18&titre=Aide%20num%C3%A9rique%20du%20Cher&couleur=%23005a9c`;
  // The partner's page, served from another origin, frames the map with the documented snippet.
  const partner = createServer((_, response) => {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end(`<!doctype html><html lang="fr"><title>Partenaire</title><main><h1>Partenaire</h1>
      <iframe title="Carte des lieux" src="${src}" width="800" height="600"></iframe></main></html>`);
  });
  await new Promise((ok) => partner.listen(0, '127.0.0.1', ok));
  await page.goto(`http://localhost:${partner.address().port}/`);
  const frame = page.frameLocator('iframe');
  await frame.getByTestId('embed').waitFor();
  assert.match(await frame.getByTestId('embed').innerText(), /Aide numérique du Cher/);
  await frame.locator('[data-testid=carte][data-etat=pret]').waitFor();
  const colour = await frame.getByTestId('embed').evaluate((el) =>
    getComputedStyle(el).getPropertyValue('--couleur-marque').trim(),
  );
  assert.equal(colour.toLowerCase(), '#005a9c');
  // Pre-filtered on the Cher: every listed place is in département 18.
  const ids = await frame.locator('[data-testid=liste-lieux] li.lieu[data-id]').evaluateAll((items) =>
    items.map((item) => item.dataset.id),
  );
  assert.ok(ids.length > 0, "la carte intégrée liste des lieux");
  for (const id of ids) {
    const { lieu: place } = await (await fetch(`${server.base}/api/v1/lieux/${id}`)).json();
    assert.match(place.code_postal, /^18/, `${place.nom} (${place.code_postal}) hors du Cher`);
  }
  await page.context().close();
  partner.close();

  // Every other page refuses to be framed.
  const other = await fetch(`${server.base}/carte`);
  assert.match(other.headers.get('content-security-policy'), /frame-ancestors 'none'/);
});

test('the whole map shows every place', async () => {
  const page = await openPage();
  const started = Date.now();
  await page.goto(`${server.base}/carte?z=5&c=46.6,2.4`);
  await page.locator('[data-testid=carte][data-etat=pret]').waitFor();
  const elapsed = Date.now() - started;
  const shown = Number(await page.getByTestId('carte').getAttribute('data-lieux'));
  const api = await (await fetch(`${server.base}/api/v1/lieux?limite=1`)).json();
  assert.equal(shown, api.total, 'la carte montre tous les lieux actifs');
  assert.ok((await page.locator('.bulle-territoire').count()) > 0, 'des bulles par territoire à faible zoom');
  console.log(`carte de France prête en ${elapsed} ms (${shown} lieux)`);
  await page.context().close();
});

test('on a phone, a filtered search whose view holds nothing widens to the nearest matches', async () => {
  const page = await openPage(WIDTHS[1]);
  await page.goto(`${server.base}/carte?q=Vierzon`, { waitUntil: 'networkidle' });
  await page.locator('[data-testid=carte][data-etat=pret]').waitFor();
  await expand(page.locator('details.tous-filtres'));
  const group = page.locator('details.groupe-filtre').filter({ hasText: 'Aide aux démarches administratives' });
  await expand(group);
  await group.getByLabel('Aide aux démarches administratives', { exact: false }).first().check();
  await page.locator('#f-jour').selectOption('samedi');
  await Promise.all([page.waitForURL(/jour=samedi/), page.getByRole('button', { name: 'Appliquer les filtres' }).click()]);
  await page.locator('[data-testid=carte][data-etat=pret]').waitFor();
  await page.waitForLoadState('networkidle');

  // The panel closed: the results follow the search box, not 1,400 px of filters.
  assert.equal(await page.locator('details.tous-filtres').evaluate((el) => el.open), false, 'le panneau des filtres est fermé');
  // The same search through the API, nearest first from Vierzon: what the demo holds.
  const apiQuery = await page.getByTestId('carte').getAttribute('data-api-query');
  const api = await (await fetch(`${server.base}/api/v1/lieux?${apiQuery}&limite=5`)).json();
  assert.ok(api.total > 0, `des lieux correspondent : ${JSON.stringify(api)}`);
  const heading = page.getByTestId('nombre-resultats');
  await page.waitForFunction(() => !/^0 lieu/.test(document.querySelector('[data-testid=nombre-resultats]').textContent));
  const items = page.locator('[data-testid=liste-lieux] li.lieu[data-id]');
  await items.first().waitFor();
  const ids = await items.evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-id')));
  const nearest = api.lieux.map((item) => item.id);
  assert.equal(ids[0], nearest[0], `le plus proche d'abord : ${ids} / ${nearest}`);
  assert.ok(nearest.every((id) => ids.includes(id)), `les plus proches sont listés : ${ids} / ${nearest}`);
  assert.match(await heading.innerText(), /dans la partie visible de la carte/);
  assert.match(await items.first().innerText(), /à \d+(,\d)? k?m du point de recherche/);
  await expectAccessible(page, 'carte filtrée sur mobile');
  await screenshot(page, 'carte-vierzon-mobile');
  expectNoProblems(page, 'carte filtrée sur mobile');
  await page.context().close();
});
