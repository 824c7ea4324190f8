// What people hit first, in Chromium at 1280 and 360 px: the map on background tiles (a stub
// tile server: the tests never reach the network) with its popups and the outline fallback;
// a gestionnaire editing services and hours on the new place form within 15 interactions; the
// fiche d'orientation of an itinerant place, with nothing personal in any address; the coverage
// ranking; the embed over plain HTTP, fitted to its territory. axe-core must find no violation
// of any impact on these pages.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { screenshot, signInAt, newPerson, expectAccessible, hubForFile, ADMIN, acceptInvitation } from './harness.mjs';

const MANAGER = { email: 'benevole@mediatheque.example', password: 'encore un mot de passe long' };
const SIZES = [
  { name: '1280', viewport: { width: 1280, height: 900 } },
  { name: '360', viewport: { width: 360, height: 740 } },
];
// A 1×1 light PNG, stretched by the map into each 256 px tile.
const TILE = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGN49+oBAAWCArkGms3xAAAAAElFTkSuQmCC', 'base64');

let tiles;
let tilesFail = false;
let tileRequests = 0;

const hub = hubForFile(['--sync-interval', '0.2'], async () => {
  tiles = createServer((request, response) => {
    // The same little server plays a partner's site, on another origin, over plain HTTP.
    if (request.url.startsWith('/partenaire')) {
      const src = new URL(request.url, 'http://x').searchParams.get('src');
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end(`<!doctype html><html lang="fr"><title>Partenaire</title><main><h1>Partenaire</h1><iframe title="Carte" width="900" height="600" src="${src.replace(/"/g, '&quot;')}"></iframe></main></html>`);
      return;
    }
    tileRequests += 1;
    if (tilesFail) {
      response.writeHead(503);
      response.end();
      return;
    }
    response.writeHead(200, { 'content-type': 'image/png', 'cache-control': 'no-store' });
    response.end(TILE);
  });
  await new Promise((ok) => tiles.listen(0, '127.0.0.1', ok));
  const tileUrl = `http://127.0.0.1:${tiles.address().port}/{z}/{x}/{y}.png`;
  return { MAILLAGE_TILES: tileUrl, MAILLAGE_TILES_ATTRIBUTION: 'Fond de carte de test' };
});

after(async () => {
  await new Promise((ok) => (tiles ? tiles.close(ok) : ok()));
});

const person = ({ width, height } = SIZES[0].viewport) => newPerson(hub.browser, { width, height, consoleErrors: true });

/** No axe violation of any impact and no script error (widths are chosen by each journey). */
const expectClean = (page, label) => expectAccessible(page, label, { overflow: false });

/** The page at both sizes, clean each time. */
async function atBothSizes(page, url, label, ready) {
  for (const size of SIZES) {
    await page.setViewportSize(size.viewport);
    await page.goto(url);
    if (ready) await ready(page);
    await expectClean(page, `${label} (${size.name} px)`);
  }
}

const signIn = (page, email, password) => signInAt(hub.server.base, page, email, password);

async function mapReady(page) {
  await page.locator('[data-testid=carte][data-etat=pret]').waitFor();
}

test('the map shows background tiles with their attribution, popups that say enough, and falls back to outlines', async () => {
  const page = await person();
  await page.goto(`${hub.server.base}/carte?q=Bourges`);
  await mapReady(page);
  await page.locator('[data-testid=carte][data-tuiles=chargees]').waitFor();
  assert.ok(tileRequests > 0, 'tiles were asked for');
  assert.match(await page.locator('.leaflet-control-attribution').textContent(), /Fond de carte de test/);
  assert.equal(await page.locator('.leaflet-control-zoom-in').getAttribute('title'), 'Zoomer');
  // No distance to the map's centre: only from the point searched.
  assert.doesNotMatch(await page.getByTestId('liste-lieux').textContent(), /centre de la carte/);
  // A marker's popup: address, phone or state, and the link to the place.
  for (let attempt = 0; attempt < 4; attempt += 1) {
    const marker = page.locator('.leaflet-marker-icon.marqueur-lieu').first();
    if (await marker.count()) {
      await marker.dispatchEvent('click');
      break;
    }
    await page.locator('.marker-cluster').first().dispatchEvent('click');
    await page.waitForTimeout(500);
  }
  const popup = page.locator('.leaflet-popup-content .popup-lieu');
  await popup.getByRole('link', { name: 'Voir la fiche du lieu' }).waitFor();
  await popup.locator('p', { hasText: /\d{5} / }).first().waitFor();
  await expectClean(page, 'carte avec fond et bulle');
  await screenshot(page, 'carte-tuiles-1280');
  await page.setViewportSize(SIZES[1].viewport);
  await page.goto(`${hub.server.base}/carte?q=Bourges`);
  await mapReady(page);
  await page.locator('[data-testid=carte][data-tuiles=chargees]').waitFor();
  await expectClean(page, 'carte avec fond (360 px)');
  await screenshot(page, 'carte-tuiles-360');

  // The tile server fails: the layer goes, the outlines and places stay.
  tilesFail = true;
  const offline = await person();
  await offline.goto(`${hub.server.base}/carte?q=Vierzon&z=12&c=47.2,2.1`);
  await offline.locator('[data-testid=carte][data-tuiles=indisponibles]').waitFor();
  await mapReady(offline);
  assert.ok((await offline.locator('path.leaflet-interactive, .leaflet-overlay-pane path').count()) > 0, 'outlines drawn');
  tilesFail = false;
});

test('a gestionnaire ticks services and types Saturday hours on a phone in under 15 interactions', async () => {
  const admin = await person();
  await signIn(admin, ADMIN.email, ADMIN.password);
  await admin.goto(`${hub.server.base}/carte?q=Vierzon`);
  const placeId = await admin.getByTestId('liste-lieux').locator('li.lieu').first().getAttribute('data-id');
  await admin.goto(`${hub.server.base}/admin/utilisateurs`);
  await admin.locator('#i-nom').fill('Bénévole');
  await admin.locator('#i-courriel').fill(MANAGER.email);
  await admin.locator('#i-lieux').fill(placeId);
  await admin.getByRole('button', { name: "Envoyer l'invitation" }).click();
  await admin.goto(`${hub.server.base}/admin/boite-d-envoi`);
  await admin.locator('tbody tr', { hasText: MANAGER.email }).first().getByRole('link').click();
  const mail = await admin.getByTestId('courriel').locator('pre').textContent();
  const invitation = mail.match(new RegExp(`${hub.server.base.replace(/[.]/g, '\\.')}/compte/invitation\\?\\S+`))[0];

  const phone = await acceptInvitation(hub.server.base, await person(SIZES[1].viewport), invitation, MANAGER.password);

  // Counted from here: every click, every field typed.
  let interactions = 0;
  const act = async (action) => {
    interactions += 1;
    await action();
  };
  await act(() => phone.goto(`${hub.server.base}/admin/lieux/${placeId}/modifier`));
  await expectClean(phone, 'formulaire de la fiche (360 px)');
  await screenshot(phone, 'formulaire-lieu-360');
  const services = phone.getByRole('group', { name: 'Services proposés' });
  await act(() => services.getByLabel('Aide aux démarches administratives').check());
  await act(() => services.getByLabel('Utilisation sécurisée du numérique').check());
  await act(() => phone.getByLabel('Samedi').fill('10h-12h'));
  await act(() => phone.getByRole('button', { name: 'Enregistrer', exact: true }).click());
  await phone.getByText(/après validation/).first().waitFor();
  assert.ok(interactions < 15, `${interactions} interactions`);

  // The coordinator (here the administrator) sees both changes in the queue.
  await admin.goto(`${hub.server.base}/admin/moderation`);
  const services_row = admin.locator('tr', { has: admin.locator('th', { hasText: /^services$/ }) }).last();
  assert.match(await services_row.locator('ins').textContent(), /Aide aux démarches administratives\|Utilisation sécurisée du numérique|Utilisation sécurisée du numérique/);
  const hours_row = admin.locator('tr', { has: admin.locator('th', { hasText: /^horaires$/ }) }).last();
  assert.match(await hours_row.locator('ins').textContent(), /Sa 10:00-12:00/);

  // The same form at 1280 px, and with errors beside their fields.
  await admin.goto(`${hub.server.base}/admin/lieux/${placeId}/modifier`);
  await expectClean(admin, 'formulaire de la fiche (1280 px)');
  await screenshot(admin, 'formulaire-lieu-1280');
  await admin.locator('#champ-telephone').fill('12');
  await admin.getByLabel('Dimanche').fill('9h');
  await admin.getByRole('button', { name: 'Enregistrer', exact: true }).click();
  await admin.getByTestId('resume-erreurs').waitFor();
  // The refusal is a 422, which the browser's console reports: expected here.
  admin.problems.splice(0, admin.problems.length, ...admin.problems.filter((p) => !/422/.test(p)));
  await expectClean(admin, 'formulaire avec erreurs');
  assert.match(await admin.getByTestId('resume-erreurs').textContent(), /dimanche : « 9h »/);
});

test('the fiche of an itinerant place warns, and nothing typed about the person is in any address', async () => {
  const admin = await person();
  await signIn(admin, ADMIN.email, ADMIN.password);
  await admin.goto(`${hub.server.base}/admin/marque`);
  await admin.getByLabel(/Contact du hub/).fill('contact@hub.example — 02 38 00 00 00');
  await admin.getByRole('button', { name: 'Enregistrer' }).click();
  await admin.getByTestId('marque-enregistree').waitFor();
  await expectClean(admin, 'identité du hub');

  const results = `${hub.server.base}/orientation?besoin=outils&q=Bourges&rayon=30&accueil=aucun&quand=indifferent`;
  const worker = await person();
  await worker.goto(results);
  const placeId = await worker.locator('input[name=lieu]').first().getAttribute('value');
  await admin.goto(`${hub.server.base}/admin/lieux/${placeId}/modifier`);
  await admin.getByRole('group', { name: 'Lieu fixe ou itinérant' }).getByLabel('Itinérant').check();
  await admin.getByRole('button', { name: 'Enregistrer', exact: true }).click();
  await admin.getByText(/est publiée/).first().waitFor();
  await new Promise((r) => setTimeout(r, 600));

  const addresses = [];
  worker.on('request', (request) => addresses.push(request.url()));
  await worker.goto(results);
  await expectClean(worker, 'résultats de l’orientation');
  await worker.getByLabel('Prénom de la personne (facultatif)').fill('Awa');
  await worker.getByLabel(/Notes pour le médiateur/).fill('Vient avec sa fille');
  await worker.getByRole('button', { name: "Préparer la fiche d'orientation" }).click();
  await worker.getByTestId('fiche-orientation').waitFor();
  const fiche = worker.getByTestId('fiche-orientation');
  await fiche.getByTestId('fiche-itinerant').waitFor();
  assert.match(await fiche.textContent(), /Awa/);
  assert.match(await worker.getByTestId('fiche-emetteur').textContent(), /Remise le .* contact : contact@hub.example/);
  for (const address of [...addresses, worker.url()]) {
    assert.ok(!/Awa|fille/.test(decodeURIComponent(address)), `adresse avec une donnée personnelle : ${address}`);
  }
  const hrefs = await worker.locator('[href], [src], [action]').evaluateAll((nodes) =>
    nodes.map((n) => n.getAttribute('href') || n.getAttribute('src') || n.getAttribute('action')));
  for (const href of hrefs) assert.ok(!/Awa|fille/.test(decodeURIComponent(href)), href);
  await expectClean(worker, 'fiche d’orientation (1280 px)');
  await screenshot(worker, 'fiche-orientation-1280');
  await worker.setViewportSize(SIZES[1].viewport);
  await expectClean(worker, 'fiche d’orientation (360 px)');
  await screenshot(worker, 'fiche-orientation-360');
});

test('coverage ranks territories with the score explained; bassin pages give their figures', async () => {
  const page = await person();
  await atBothSizes(page, `${hub.server.base}/couverture?niveau=bassin`, 'couverture par bassin', async (p) => {
    await p.locator('[data-testid=carte-couverture][data-etat=pret]').waitFor();
  });
  await page.setViewportSize(SIZES[0].viewport);
  await page.goto(`${hub.server.base}/couverture?niveau=departement`);
  await page.locator('[data-testid=carte-couverture][data-etat=pret]').waitFor();
  await page.getByLabel('Lieux offrant le service').selectOption('Aide aux démarches administratives');
  await page.getByLabel('Ouverts le').selectOption('samedi');
  await page.getByRole('button', { name: 'Classer' }).click();
  await page.getByText('(pour « Aide aux démarches administratives », ouverts le samedi)').waitFor();
  await page.getByTestId('formule-priorite').locator('summary').click();
  await page.locator('[data-testid=carte-couverture][data-etat=pret]').waitFor();
  await expectClean(page, 'couverture filtrée');
  await screenshot(page, 'couverture-1280');
  const bassin = await page.getByTestId('classement-couverture').locator('a[href^="/territoires/"]').first().getAttribute('href');
  await page.goto(`${hub.server.base}/couverture?niveau=bassin`);
  const bassinLink = await page.getByTestId('classement-couverture').locator('a[href^="/territoires/bassin/"]').first().getAttribute('href');
  assert.ok(bassin && bassinLink);
  await atBothSizes(page, `${hub.server.base}${bassinLink}`, 'page de bassin', async (p) => {
    await p.getByTestId('couverture-bassin').waitFor();
  });
  await page.setViewportSize(SIZES[1].viewport);
  await page.goto(`${hub.server.base}/couverture?niveau=bassin`);
  await page.locator('[data-testid=carte-couverture][data-etat=pret]').waitFor();
  await screenshot(page, 'couverture-360');
});

test('the embed works over plain HTTP and opens on its territory', async () => {
  const page = await person();
  await atBothSizes(page, `${hub.server.base}/embed/aide`, "aide à l'intégration");
  const snippet = await page.getByTestId('embed-extrait').textContent();
  const src = snippet.match(/src="([^"]+)"/)[1].replace(/&amp;/g, '&');
  assert.ok(src.startsWith(`${hub.server.base}/embed?`), src);
  const partner = await person();
  await partner.goto(`http://127.0.0.1:${tiles.address().port}/partenaire?src=${encodeURIComponent(src)}`);
  let frame;
  for (let waited = 0; !frame && waited < 100; waited += 1) {
    frame = partner.frames().find((f) => f.url().includes('/embed?'));
    if (!frame) await partner.waitForTimeout(100);
  }
  assert.ok(frame, 'the partner page frames the map');
  await frame.locator('[data-testid=carte][data-etat=pret]').waitFor({ state: 'attached' });
  // The Cher, not France: zoomed in enough to show places, not the départements' bubbles.
  await frame.locator('.marker-cluster, .marqueur-lieu').first().waitFor({ state: 'attached' });
  assert.equal(await frame.locator('.bulle-territoire').count(), 0, 'France-wide bubbles in the frame');
  const embed = await person();
  await atBothSizes(embed, src, 'carte intégrée', mapReady);
});
