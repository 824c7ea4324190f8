// The agenda in Chromium, as people use it: a coordinator creates an event with two seats; a
// person registers from the event page without an account, receives the confirmation (read on
// the outbox page) and cancels by its link (the link's page only shows a button); the event
// fills, the next person lands on the waiting list and is promoted when someone cancels; the
// coordinator checks people in on a 360 px screen, adds a walk-in and closes the event.
// axe-core must find no violation of any impact on the agenda's pages, at 1280 and 360 px.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  screenshot, newestMailAt, signInAt, newPerson, expectAccessible as check, hubForFile,
  acceptInvitation, inviteCoordinator, expectLink, ADMIN,
} from './harness.mjs';

const COORD = { email: 'coord37@hub.example', password: 'le mot de passe de la coordinatrice' };

const hub = hubForFile(['--sync-interval', '0.2']);

const person = (width = 1280) => newPerson(hub.browser, { width, consoleErrors: true });

/** No axe violation at 1280 px and at 360 px, and no script error. */
const expectAccessible = (page, label) => check(page, label, { widths: [1280, 360], overflow: false });

const signIn = (page, email, password) => signInAt(hub.server.base, page, email, password);

const newestMailTo = (admin, to) => newestMailAt(hub.server.base, admin, to);

const linkIn = (body, path) => expectLink(hub.server.base, body, path);

async function register(page, eventUrl, name, email) {
  await page.goto(eventUrl);
  await page.getByLabel('Prénom et nom').fill(name);
  await page.getByLabel('Adresse électronique').fill(email);
  await page.getByLabel(/^Organisation/).fill('Médiathèque de Tours');
  await page.getByRole('button', { name: "M'inscrire" }).click();
  await page.getByTestId('inscription-faite').waitFor();
  return page.getByTestId('inscription-faite').textContent();
}

test('register without an account, wait, be promoted; check in at 360 px and close', async () => {
  const admin = await person();
  await signIn(admin, ADMIN.email, ADMIN.password);
  // The administrator invites the coordinator of Indre-et-Loire.
  const invitation = await inviteCoordinator(hub.server.base, admin, { name: 'Coordinatrice 37', email: COORD.email, departement: '37' });
  const coord = await acceptInvitation(hub.server.base, await person(), invitation, COORD.password);

  // The coordinator creates an event with two seats, a week ahead.
  const day = new Date(Date.now() + 7 * 86400000).toISOString().slice(0, 10);
  await coord.goto(`${hub.server.base}/admin/agenda`);
  await expectAccessible(coord, "liste d'administration de l'agenda");
  await coord.getByTestId('nouvel-evenement').click();
  await coord.getByLabel('Titre').fill('Atelier cybersécurité des médiateurs');
  await coord.getByLabel('Type', { exact: true }).selectOption('atelier');
  await coord.getByLabel('Échelle').selectOption('departement');
  await coord.getByLabel(/^Territoire/).fill('37');
  await coord.getByLabel('Date', { exact: true }).fill(day);
  await coord.getByLabel(/^Début/).fill('14:00');
  await coord.getByLabel(/^Fin$/).fill('12:00');
  await coord.getByLabel('Adresse', { exact: true }).fill('Maison des sports, 37210 Tours');
  await coord.getByLabel(/^Places \(vide/).fill('2');
  await expectAccessible(coord, "formulaire d'événement");
  await coord.getByTestId('enregistrer').click();
  // End before start: said by field, nothing written.
  await coord.getByTestId('erreurs').waitFor();
  assert.match(await coord.getByTestId('erreurs').textContent(), /fin : la fin doit venir après le début/);
  // The browser logs the refusal's 422 status: expected here.
  coord.problems.length = 0;
  await expectAccessible(coord, "formulaire d'événement refusé");
  await coord.getByLabel(/^Fin$/).fill('17:00');
  await coord.getByTestId('enregistrer').click();
  await coord.waitForURL(/\/admin\/agenda\/[0-9a-z]+\?enregistre=1$/);
  const eventId = new URL(coord.url()).pathname.split('/').pop();
  const eventUrl = `${hub.server.base}/agenda/${eventId}`;

  // The public agenda lists it; list and month views, the event page, the embed.
  const ana = await person();
  await ana.goto(`${hub.server.base}/agenda?territoire=37`);
  await ana.getByRole('link', { name: 'Atelier cybersécurité des médiateurs' }).first().waitFor();
  await expectAccessible(ana, 'agenda (liste)');
  await screenshot(ana, 'agenda-liste');
  const phone = await person(360);
  await phone.goto(`${hub.server.base}/agenda`);
  await screenshot(phone, 'agenda-liste-360');
  await ana.goto(`${hub.server.base}/agenda?vue=mois&mois=${day.slice(0, 7)}`);
  await ana.getByTestId('calendrier').getByRole('link', { name: 'Atelier cybersécurité des médiateurs' }).waitFor();
  await expectAccessible(ana, 'agenda (mois)');
  await ana.goto(`${hub.server.base}/embed/agenda?territoire=37`);
  await expectAccessible(ana, 'agenda intégrable');
  await ana.goto(eventUrl);
  const jsonLd = JSON.parse(await ana.locator('script[type="application/ld+json"]').textContent());
  assert.equal(jsonLd['@type'], 'Event');
  assert.equal(jsonLd.name, 'Atelier cybersécurité des médiateurs');
  await expectAccessible(ana, "page de l'événement");

  // Ana registers (no account), then Bo: the event is full; Cy waits.
  assert.match(await register(ana, eventUrl, 'Ana Martin', 'ana@exemple.fr'), /confirmée/);
  await expectAccessible(ana, 'inscription confirmée');
  await screenshot(ana, 'agenda-inscription');
  const bo = await person(360);
  assert.match(await register(bo, eventUrl, 'Bo Durand', 'bo@exemple.fr'), /confirmée/);
  const cy = await person(360);
  await cy.goto(eventUrl);
  assert.match(await cy.getByTestId('places-restantes').textContent(), /liste d'attente/);
  assert.match(await register(cy, eventUrl, 'Cy Petit', 'cy@exemple.fr'), /liste d'attente/);

  // Ana's confirmation is in the outbox, with its cancel link.
  const confirmation = await newestMailTo(admin, 'ana@exemple.fr');
  assert.match(confirmation, /Votre inscription est confirmée/);
  const cancelLink = linkIn(confirmation, '/agenda/annulation\\?');
  await ana.goto(cancelLink);
  await expectAccessible(ana, "page d'annulation");
  // Opening the link cancelled nothing: Cy still waits.
  await coord.goto(`${hub.server.base}/admin/agenda/${eventId}/inscrits`);
  assert.match(await coord.getByTestId('chiffres').textContent(), /2 inscrit·e·s pour 2 places, 1 en liste d'attente/);
  await ana.getByTestId('bouton-annuler').click();
  await ana.getByTestId('annulation-faite').waitFor();
  // Cy is promoted and told so.
  await coord.reload();
  assert.match(await coord.getByTestId('chiffres').textContent(), /2 inscrit·e·s pour 2 places, 0 en liste d'attente/);
  await expectAccessible(coord, 'liste des inscrits');
  assert.match(await newestMailTo(admin, 'cy@exemple.fr'), /Une place s'est libérée/);

  // Check-in on a phone: search, present, a walk-in; then the closing report.
  await coord.setViewportSize({ width: 360, height: 800 });
  await coord.goto(`${hub.server.base}/admin/agenda/${eventId}/emargement`);
  await coord.getByLabel('Nom ou organisation').fill('durand');
  await coord.getByRole('button', { name: 'Chercher' }).click();
  await coord.getByRole('button', { name: 'Présent·e : Bo Durand' }).click();
  await coord.getByRole('button', { name: 'Absent·e : Bo Durand' }).waitFor();
  await coord.goto(`${hub.server.base}/admin/agenda/${eventId}/emargement`);
  await coord.getByRole('button', { name: 'Présent·e : Cy Petit' }).click();
  await coord.getByLabel('Prénom et nom').fill('Dan Venu');
  await coord.getByLabel('Organisation', { exact: true }).fill('Centre social de Joué');
  await coord.getByRole('button', { name: 'Ajouter, présent·e' }).click();
  assert.match(await coord.getByTestId('compte-presents').textContent(), /^3 présent·e·s sur 2 attendu·e·s/);
  const overflow = await coord.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
  assert.equal(overflow, false, "la page d'émargement déborde à 360 px");
  await expectAccessible(coord, "page d'émargement");
  await screenshot(coord, 'agenda-emargement-360');
  await coord.getByTestId('lien-bilan').click();
  await coord.getByLabel('Notes').fill('Bonne participation, questions sur les arnaques en ligne.');
  await coord.getByLabel('Suites et résultats').fill('Un second atelier au printemps.');
  await coord.getByRole('button', { name: 'Enregistrer le bilan et clore' }).click();
  await coord.getByTestId('bilan-clos').waitFor();
  assert.match(await coord.getByTestId('bilan-chiffres').textContent(), /3 \(dont 1 sans inscription\)/);
  assert.match(await coord.getByTestId('bilan-chiffres').textContent(), /Centre social de Joué/);
  await expectAccessible(coord, 'bilan');
  await coord.goto(`${hub.server.base}/admin/agenda/${eventId}/feuille`);
  await coord.getByTestId('feuille').getByText('Bo Durand').waitFor();
  await expectAccessible(coord, "feuille d'émargement");
});
