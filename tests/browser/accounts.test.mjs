// Accounts and self-service in Chromium, as the people involved use them: a structure claims
// its place from the public page, the administrator approves and the invitation mail (read on
// the outbox page) lets the gestionnaire set a password; the gestionnaire changes the hours with
// the week editor, the coordinator approves from the field diff and the public page shows the
// new hours; a campaign mail's "rien n'a changé" link confirms a place. axe-core must report no
// serious or critical violation on the administration pages visited.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  seriousViolations, screenshot, newestMailAt, signInAt, newPerson, hubForFile, acceptInvitation,
  expectLink, ADMIN,
  expectAccessible as expectAxe,
} from './harness.mjs';

const MANAGER = { email: 'responsable@asso.example', name: 'Camille Responsable', password: 'encore un mot de passe long' };

const hub = hubForFile(['--sync-interval', '0.2']);

const person = () => newPerson(hub.browser, { consoleErrors: true });

async function expectAccessible(page, label) {
  assert.deepEqual(await seriousViolations(page), [], `${label} : violations axe-core graves ou critiques`);
  // The administration menu sits on the page's white: its links must not take the header
  // band's white text (once shipped so, unnoticed: checked here on its own).
  const whiteOnWhite = await page
    .locator('.admin-nav a')
    .evaluateAll((links) => links.filter((a) => getComputedStyle(a).color === 'rgb(255, 255, 255)').map((a) => a.textContent));
  assert.deepEqual(whiteOnWhite, [], `${label} : liens du menu d'administration invisibles`);
  assert.deepEqual(page.problems, [], `${label} : erreurs dans la page`);
}

const signIn = (page, email, password) => signInAt(hub.server.base, page, email, password);

const newestMailTo = (admin, to) => newestMailAt(hub.server.base, admin, to);

const linkIn = (body, path) => expectLink(hub.server.base, body, path);

let placeId;
let placeName;

test('a structure claims its place, edits its hours, and the approved change is public', async () => {
  const admin = await person();
  await signIn(admin, ADMIN.email, ADMIN.password);
  await expectAccessible(admin, 'tableau de bord');

  // The public page of a place offers to manage it.
  const manager = await person();
  await manager.goto(`${hub.server.base}/carte`);
  // Once the map is ready its script owns the list (the server's order was by name): pick the
  // place then, so that the name read and the link followed are the same place's.
  await manager.locator('[data-testid=carte][data-etat=pret]').waitFor();
  const first = manager.getByTestId('liste-lieux').locator('li.lieu').first();
  placeId = await first.getAttribute('data-id');
  placeName = (await first.locator('h3').textContent()).trim();
  await manager.goto(`${hub.server.base}/lieux/${placeId}`);
  await manager.getByTestId('gerer-fiche').click();
  await manager.getByLabel('Votre nom').fill(MANAGER.name);
  await manager.getByLabel('Votre adresse électronique professionnelle').fill(MANAGER.email);
  await manager.getByLabel('Votre rôle dans la structure').fill('Responsable de l’espace numérique');
  await manager.getByRole('button', { name: 'Envoyer la demande' }).click();
  await manager.getByRole('heading', { name: 'Demande envoyée' }).waitFor();

  // The administrator approves the claim; the invitation arrives in the outbox.
  await admin.goto(`${hub.server.base}/admin/moderation`);
  const claim = admin.locator('article, li, section, div').filter({ hasText: 'Demande de gestion' }).filter({ hasText: placeName }).last();
  await expectAccessible(admin, 'file de modération');
  await claim.getByRole('button', { name: 'Approuver' }).click();
  const invitation = linkIn(await newestMailTo(admin, MANAGER.email), '/compte/invitation\\?');
  await expectAccessible(admin, "boîte d'envoi");

  await acceptInvitation(hub.server.base, manager, invitation, MANAGER.password);
  await manager.getByText(placeName).first().waitFor();

  // The week editor writes the hours in OpenStreetMap syntax and shows the week back.
  await manager.goto(`${hub.server.base}/admin/lieux/${placeId}/modifier`);
  const week = ['9h-12h, 14h-17h', '9h-12h, 14h-17h', 'fermé', '9h-12h, 14h-17h', '9h-12h', '', ''];
  for (const [index, hours] of week.entries()) await manager.locator(`#jour_${index}`).fill(hours);
  await manager.getByRole('button', { name: /Écrire ces horaires/ }).click();
  const written = await manager.locator('[name="horaires"]').inputValue();
  assert.equal(written, 'Mo,Tu 09:00-12:00,14:00-17:00; Th 09:00-12:00,14:00-17:00; Fr 09:00-12:00');
  await expectAccessible(manager, 'formulaire de la fiche');
  await screenshot(manager, 'gestionnaire-horaires');
  await manager.getByRole('button', { name: 'Enregistrer', exact: true }).click();
  await manager.getByText(/après validation/).first().waitFor();

  // The coordinator (here the administrator) sees the field diff and approves.
  await admin.goto(`${hub.server.base}/admin/moderation`);
  const diff = admin.locator('tr', { has: admin.locator('th', { hasText: 'horaires' }) }).last();
  assert.equal(await diff.locator('ins').textContent(), written);
  await expectAccessible(admin, 'modération avec différences');
  await screenshot(admin, 'moderation-difference');
  const proposal = admin.locator('article, li, section, div').filter({ hasText: 'Modification proposée' }).filter({ has: admin.locator('ins') }).last();
  await proposal.getByRole('button', { name: 'Approuver' }).click();
  await admin.waitForURL(`${hub.server.base}/admin/moderation`);

  const visitor = await person();
  await visitor.goto(`${hub.server.base}/lieux/${placeId}`);
  const page = await visitor.getByTestId('fiche-lieu').textContent();
  assert.ok(page.includes(written) || /14:00\s*–\s*17:00/.test(page), `horaires absents de la page publique :\n${page}`);
  await expectAccessible(visitor, 'page publique du lieu');
});

test("a campaign mail's one-click link confirms a place", async () => {
  const admin = await person();
  await signIn(admin, ADMIN.email, ADMIN.password);
  // A département with places that have contacts: the one of the first place of the list.
  const visitor = await person();
  await visitor.goto(`${hub.server.base}/carte`);
  await visitor.getByTestId('liste-lieux').locator('li.lieu h3 a').first().click();
  const address = await visitor.locator('address').first().textContent();
  const postcode = address.match(/(\d{5})/)?.[1];
  assert.ok(postcode, `pas de code postal dans « ${address} »`);
  const departement = postcode.slice(0, 2);

  await admin.goto(`${hub.server.base}/admin/campagnes`);
  await expectAccessible(admin, 'campagnes');
  await admin.getByLabel('Nom').fill('Vérification de printemps');
  await admin.getByLabel(/Territoire/).fill(departement);
  await admin.getByRole('button', { name: /aperçu/ }).click();
  // The preview: counts, the places and the first mail, nothing sent yet.
  await admin.getByTestId('courriel-apercu').waitFor();
  assert.match(await admin.getByTestId('courriel-apercu').textContent(), /Horaires :/);
  await expectAccessible(admin, 'aperçu de campagne');
  await expectAxe(admin, 'aperçu de campagne', { widths: [1280, 360] });
  await admin.setViewportSize({ width: 360, height: 800 });
  await screenshot(admin, 'campagne-apercu-360');
  await admin.getByRole('button', { name: /^Envoyer \d+ courriels?$/ }).click();
  await admin.waitForURL(/\/admin\/campagnes\/.+/);
  assert.ok((await admin.getByTestId('lieux-campagne').locator('tbody tr').count()) > 0);
  await expectAccessible(admin, 'tableau de bord de campagne');
  await screenshot(admin, 'campagne-tableau-de-bord-360');
  await admin.setViewportSize({ width: 1280, height: 800 });
  await expectAxe(admin, 'tableau de bord de campagne', { widths: [1280, 360] });

  // The newest campaign mail: its confirmation link and the place it is about.
  await admin.goto(`${hub.server.base}/admin/boite-d-envoi`);
  let body = '';
  for (const row of await admin.locator('tbody tr').all()) {
    await row.getByRole('link').click();
    body = await admin.getByTestId('courriel').locator('pre').textContent();
    if (body.includes('/confirmer?')) break;
    await admin.goto(`${hub.server.base}/admin/boite-d-envoi`);
  }
  const confirm = linkIn(body, '/confirmer\\?');
  const id = linkIn(body, '/lieux/').match(/\/lieux\/([^/\s?]+)/)[1];

  const before = await person();
  await before.goto(`${hub.server.base}/lieux/${id}`);
  const badgeBefore = await before.getByTestId('fraicheur').textContent();
  const dataBefore = await before.locator('.donnees').textContent();

  // A link checker fetches the page without running it: nothing is confirmed.
  const fetched = await fetch(confirm);
  assert.equal(fetched.status, 200);
  const unchanged = await person();
  await unchanged.goto(`${hub.server.base}/lieux/${id}`);
  assert.equal(await unchanged.locator('.donnees').textContent(), dataBefore);

  // A person opening the link in a browser confirms in that one click.
  const contact = await person();
  await contact.goto(confirm);
  await contact.getByRole('heading', { name: 'Merci !' }).waitFor();
  await contact.getByText(/confirmée à jour/).first().waitFor();

  const after = await person();
  await after.goto(`${hub.server.base}/lieux/${id}`);
  const badgeAfter = await after.getByTestId('fraicheur').textContent();
  assert.equal(badgeAfter.trim(), 'À jour (moins de 6 mois)');
  const today = new Intl.DateTimeFormat('fr-FR', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'Europe/Paris' }).format(new Date());
  assert.ok((await after.locator('.donnees').textContent()).includes(`Mise à jour : ${today}`));
  assert.ok(badgeBefore.trim() !== badgeAfter.trim() || badgeBefore.trim() === 'À jour (moins de 6 mois)');

  // The link is single-use: opened again, it says so.
  await contact.goto(confirm);
  await contact.getByText(/déjà|expiré|plus valable|utilisé/i).first().waitFor();
});

test('the hub configuration pages are accessible', async () => {
  const admin = await person();
  await signIn(admin, ADMIN.email, ADMIN.password);
  for (const path of ['/admin/imports', '/admin/bassins', '/admin/indicateurs', '/admin/marque', '/admin/utilisateurs']) {
    const response = await admin.goto(hub.server.base + path);
    assert.equal(response.status(), 200, path);
    await expectAccessible(admin, path);
  }
  // The branding reaches the public pages.
  await admin.goto(`${hub.server.base}/admin/marque`);
  await admin.getByLabel(/Nom du hub/).fill('Hub numérique du Berry');
  await admin.getByLabel(/Couleur principale/).fill('#1f4e79');
  await admin.getByRole('button', { name: 'Enregistrer' }).click();
  await admin.getByTestId('marque-enregistree').waitFor();
  const visitor = await person();
  await visitor.goto(`${hub.server.base}/`);
  assert.equal((await visitor.getByTestId('nom-hub').textContent()).trim(), 'Hub numérique du Berry');
  assert.match(await visitor.title(), /Hub numérique du Berry$/);
  const colour = await visitor.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--couleur-marque').trim());
  assert.equal(colour, '#1f4e79');
  await expectAccessible(visitor, 'accueil aux couleurs du hub');
});
