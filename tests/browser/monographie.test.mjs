// The monograph of a bassin de vie in Chromium, as the hub's team uses it: the coordinator of
// Indre-et-Loire (invited by the administrator) writes the Chinon synthesis, previews and saves
// it, publishes an edition, changes whether a place of the bassin is itinerant (place form),
// publishes again and compares the two editions (the changed figure shows); the administrator
// opens editions to the public, whose page offers the PDF and the ODT.
// axe-core must find no violation of any impact on the monograph's pages, at 1280 and 360 px.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  screenshot, newPerson, expectAccessible as check, hubForFile, acceptInvitation, inviteCoordinator,
  signedInAdmin,
} from './harness.mjs';

const COORD = { email: 'coord37@hub.example', password: 'le mot de passe de la coordinatrice' };

const hub = hubForFile();

const person = (width = 1280) => newPerson(hub.browser, { width, consoleErrors: true });

/** No axe violation of any impact and nothing wider than the screen at 1280 and 360 px, no script error. */
async function expectAccessible(page, label, name) {
  await check(page, label, { widths: [1280, 360] });
  await page.setViewportSize({ width: 360, height: 800 });
  await screenshot(page, `${name}-360`);
  await page.setViewportSize({ width: 1280, height: 900 });
}

test('a coordinator writes, publishes, changes a place, publishes again and compares', async () => {
  const admin = await signedInAdmin(hub, { consoleErrors: true });
  const invitation = await inviteCoordinator(hub.server.base, admin, { name: 'Coordinatrice 37', email: COORD.email, departement: '37' });
  const coord = await acceptInvitation(hub.server.base, await person(), invitation, COORD.password);

  // The list holds the département's bassins only; Chinon's page with the demo's texts.
  await coord.goto(`${hub.server.base}/admin/monographies`);
  await expectAccessible(coord, 'liste des monographies', 'monographies-liste');
  assert.equal(await coord.getByRole('link', { name: 'Bourges' }).count(), 0);
  await coord.getByRole('link', { name: 'Chinon', exact: true }).click();
  await coord.getByRole('heading', { name: 'Monographie du bassin de vie de Chinon' }).waitFor();
  await expectAccessible(coord, 'monographie de Chinon (brouillon)', 'monographie-chinon');

  // The synthesis: previewed (not saved), then saved as a new version.
  const synthesis = coord.locator('#section-synthese');
  await synthesis.getByLabel('Texte : Synthèse').fill('## Bilan 2026\n\nUn **réseau** qui grandit.\n\n- trois ateliers\n- une charte');
  await synthesis.getByRole('button', { name: 'Prévisualiser' }).click();
  await coord.locator('#section-synthese').getByText('Aperçu, non enregistré').waitFor();
  await coord.locator('#section-synthese strong', { hasText: 'réseau' }).waitFor();
  await coord.locator('#section-synthese').getByRole('button', { name: 'Enregistrer' }).click();
  await coord.locator('#section-synthese').getByText(/Version 2 du/).waitFor();
  await coord.getByRole('heading', { name: 'Bilan 2026' }).waitFor();

  // A first edition.
  await coord.getByRole('button', { name: 'Publier une édition' }).click();
  await coord.getByText(/^Édition 1 publiée le/).waitFor();
  await expectAccessible(coord, 'édition 1 de Chinon', 'monographie-edition');
  const pdf = coord.getByRole('link', { name: 'Télécharger la monographie (PDF)' });
  const response = await coord.request.get(new URL(await pdf.getAttribute('href'), hub.server.base).href);
  assert.equal(response.headers()['content-type'], 'application/pdf');
  assert.ok((await response.body()).subarray(0, 5).toString() === '%PDF-');

  // A fixed place of the bassin becomes itinerant, through the place form.
  await coord.goto(`${hub.server.base}/carte?q=Chinon`);
  const placeId = await coord.getByTestId('liste-lieux').locator('li.lieu').first().getAttribute('data-id');
  await coord.goto(`${hub.server.base}/admin/lieux/${placeId}/modifier`);
  const itinerant = coord.getByRole('group', { name: 'Lieu fixe ou itinérant' }).getByLabel('Itinérant');
  const was = await itinerant.isChecked();
  await (was ? itinerant.uncheck() : itinerant.check());
  await coord.getByRole('button', { name: 'Enregistrer', exact: true }).click();
  await coord.getByText(/est publiée/).first().waitFor();

  // A second edition, compared with the first: the itinerant offers changed.
  await coord.goto(`${hub.server.base}/admin/monographies/bassin/Chinon`);
  await coord.getByRole('button', { name: 'Publier une édition' }).click();
  await coord.getByText(/^Édition 2 publiée le/).waitFor();
  await coord.goto(`${hub.server.base}/admin/monographies/bassin/Chinon`);
  await coord.getByRole('button', { name: 'Comparer' }).click();
  await coord.getByRole('heading', { name: /édition 1 → édition 2/ }).waitFor();
  const row = coord.getByTestId('comparaison').locator('tr', { hasText: 'Offres itinérantes' });
  const cells = await row.locator('td').allTextContents();
  const [before, after] = cells[0].split(' → ').map(Number);
  assert.equal(after - before, was ? -1 : 1, cells.join(' | '));
  assert.equal(cells[1], 'oui');
  await expectAccessible(coord, 'comparaison des éditions', 'monographie-comparaison');

  // The public page, once the administrator opens editions: the second edition and its files.
  const visitor = await person();
  const publicPage = `${hub.server.base}/territoires/bassin/Chinon/monographie`;
  assert.equal((await visitor.goto(publicPage)).status(), 404);
  visitor.problems.length = 0;
  await admin.goto(`${hub.server.base}/admin/monographies`);
  await admin.getByRole('button', { name: 'Montrer les éditions publiées au public' }).click();
  await admin.getByRole('button', { name: "Réserver les éditions à l'équipe" }).waitFor();
  await visitor.goto(publicPage);
  await visitor.getByText(/^Édition 2 publiée le/).waitFor();
  await visitor.getByRole('link', { name: 'Télécharger la monographie à modifier (ODT, traitement de texte)' }).waitFor();
  await expectAccessible(visitor, 'monographie publique de Chinon', 'monographie-publique');
});
