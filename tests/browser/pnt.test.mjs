// Projets numériques de territoire in Chromium: the coordinator of Indre-et-Loire (invited by the
// administrator) creates a project from an idea on the Chinon PNT page (demo of seed 002), moves
// it through stages (a skipped stage is refused without a reason) and the incubator, publishes
// it, invites a person to carry it, who proposes an update on a phone that the coordinator
// approves; runs a room vote (wall counts typed) and an online vote (the participant votes from
// the mailed link read on the outbox page, changes the ballot, the vote closes, results show);
// the public Chinon page shows the published projects and the approved update.
// axe-core must find no violation of any impact on every page visited, at 1280 and 360 px.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  screenshot, newPerson, newestMailAt, expectAccessible as check, hubForFile, acceptInvitation,
  inviteCoordinator, expectLink, signedInAdmin,
} from './harness.mjs';

const COORD = { email: 'coord37@hub.example', password: 'le mot de passe de la coordinatrice' };
const CARRIER = { email: 'porteuse@asso.example', password: 'le mot de passe de la porteuse' };

const hub = hubForFile(['--sync-interval', '0.2'], {}, 'Coordination 37');

const person = (width = 1280) => newPerson(hub.browser, { width });

/** No axe violation of any impact and nothing wider than the screen at 1280 and 360 px, no script error. */
const expectAccessible = (page, label) => check(page, label, { widths: [1280, 360] });

const newestMailTo = (admin, to) => newestMailAt(hub.server.base, admin, to);

const linkIn = (body, path) => expectLink(hub.server.base, body, path);

/** Opens the invitation mailed to `email` (read by the administrator) and sets the password. */
async function invited(admin, email, password, width) {
  const invitation = linkIn(await newestMailTo(admin, email), '/compte/invitation\\?');
  return acceptInvitation(hub.server.base, await person(width), invitation, password);
}

test('an idea becomes a published project through stages and the incubator, then votes run', async () => {
  // The administrator invites the coordinator of Indre-et-Loire, who does the rest.
  const admin = await signedInAdmin(hub);
  const invitation = await inviteCoordinator(hub.server.base, admin, { name: 'Coordinatrice 37', email: COORD.email, departement: '37' });
  const team = await acceptInvitation(hub.server.base, await person(), invitation, COORD.password);

  await team.goto(`${hub.server.base}/admin/pnt`);
  await team.getByRole('link', { name: 'bassin de vie de Chinon' }).click();
  await team.getByRole('heading', { name: 'Enjeux' }).waitFor();
  await expectAccessible(team, 'PNT de Chinon (équipe)');

  // A project from an idea of the demo's table, with a need and the communes it serves.
  const form = team.locator('form[action="/admin/projets"]');
  await form.getByLabel('Titre', { exact: true }).fill('Atelier mobile de réparation');
  await form.getByLabel('Description').fill('Une idée née de la filière de reconditionnement.');
  await form.getByLabel('Axe ou enjeu').fill('emergence');
  await form.getByLabel('Type (besoin 1)').selectOption('etp');
  await form.getByLabel('Montant en euros (besoin 1)').fill('30000');
  await form.getByLabel('ETP (besoin 1)').fill('1');
  await form.getByLabel('Communes desservies').fill('37072 37011');
  await form.getByRole('button', { name: 'Créer le projet' }).click();
  await team.getByRole('heading', { name: 'Atelier mobile de réparation' }).waitFor();
  assert.equal(await team.getByTestId('etape').textContent(), 'Envie / idée');
  assert.equal(await team.getByTestId('preuves').locator('tbody tr').count(), 2);
  await expectAccessible(team, 'projet (équipe)');
  const projectUrl = team.url();

  // Skipping to « voté » without a reason is refused, naming the field.
  await team.getByLabel('Nouvelle étape').selectOption('vote');
  await team.getByRole('button', { name: "Changer d'étape" }).click();
  assert.match(await team.locator('main').textContent(), /motif/);
  await team.goto(projectUrl);
  await team.getByLabel('Nouvelle étape').selectOption('proposition');
  await team.getByRole('button', { name: "Changer d'étape" }).click();
  await team.getByTestId('etape').filter({ hasText: 'Proposition' }).waitFor();
  await team.getByLabel('Nouvelle étape').selectOption('en_cours');
  await team.getByRole('button', { name: "Changer d'étape" }).click();
  await team.getByTestId('etape').filter({ hasText: 'Projet en cours' }).waitFor();

  // The incubator's coaching step.
  const step = team.locator('form[action$="/incubateur"]');
  await step.getByLabel('Étape', { exact: true }).selectOption('coaching');
  await step.getByLabel('Date').fill('2024-02-01');
  await step.getByLabel('Participants').fill('FICOSIL\nCentre social de Chinon');
  await step.getByLabel("Budget d'amorçage accordé").fill('2000');
  await step.getByRole('button', { name: "Enregistrer l'étape" }).click();
  await team.getByTestId('incubateur').waitFor();
  assert.equal(await team.getByTestId('chronologie').locator('li').count(), 3);
  await team.getByRole('button', { name: 'Publier le projet' }).click();
  await team.getByTestId('publication').filter({ hasText: 'Publié' }).waitFor();
  await expectAccessible(team, 'projet publié (équipe)');
  await screenshot(team, 'pnt-projet-equipe');

  // The coordinator invites a person to carry the project; on a phone, she proposes an update.
  await team.locator('#c-nom').fill('Porteuse du projet');
  await team.locator('#c-courriel').fill(CARRIER.email);
  await team.getByRole('button', { name: 'Inviter' }).click();
  await team.waitForURL(/#porteurs$/);
  const carrier = await invited(admin, CARRIER.email, CARRIER.password, 360);
  await carrier.getByRole('link', { name: 'Mes projets' }).click();
  await carrier.getByRole('link', { name: 'Atelier mobile de réparation' }).click();
  await expectAccessible(carrier, 'projet porté');
  await carrier.getByLabel(/^Avancement/).fill('Local trouvé à Chinon, ouverture en septembre.');
  await carrier.getByLabel('Montant en euros (besoin 1)').fill('35000');
  await carrier.getByLabel(/^Message pour la coordination/).fill('Le budget a été revu.');
  await carrier.getByRole('button', { name: 'Envoyer la proposition' }).click();
  await carrier.getByTestId('proposition-envoyee').waitFor();
  await expectAccessible(carrier, 'proposition envoyée');
  await screenshot(carrier, 'pnt-porteur-360');
  // The coordinator compares and approves; the carrier is told.
  await team.goto(projectUrl);
  const proposal = team.getByTestId('proposition');
  assert.match(await proposal.textContent(), /Local trouvé à Chinon/);
  await expectAccessible(team, 'proposition à relire');
  await proposal.getByRole('button', { name: 'Approuver et publier' }).click();
  await team.getByTestId('avancement').filter({ hasText: 'ouverture en septembre' }).waitFor();
  assert.equal(await team.getByTestId('proposition').count(), 0);
  assert.match(await newestMailTo(admin, CARRIER.email), /acceptée/);

  // A room vote: the wall's dot counts typed in.
  await team.goto(`${hub.server.base}/admin/pnt/bassin:Chinon`);
  const vote = team.locator('form[action="/admin/votes"]');
  await vote.locator('#v-salle').check();
  await vote.getByLabel('Titre').fill('Priorités du comité de bassin');
  await vote.getByLabel('Thèmes et actions').fill('Bus numérique\nPlan de formation');
  await vote.getByLabel('Réunion', { exact: true }).fill('Comité de bassin');
  await vote.getByLabel('Date de la réunion').fill('2026-03-02');
  await vote.getByRole('button', { name: 'Ouvrir le vote' }).click();
  await team.getByLabel('Bus numérique').fill('9');
  await team.getByLabel('Plan de formation').fill('14');
  await team.getByLabel('Nombre de participants').fill('12');
  await expectAccessible(team, 'vote en salle');
  await team.getByRole('button', { name: 'Enregistrer et clore le vote' }).click();
  await team.getByTestId('resultats').waitFor();
  assert.match(await team.getByTestId('resultats').textContent(), /12 participants/);

  // An online vote: one invitation by mail.
  await team.goto(`${hub.server.base}/admin/pnt/bassin:Chinon`);
  await vote.locator('#v-ligne').check();
  await vote.getByLabel('Titre').fill('Priorités 2026 en ligne');
  await vote.getByLabel('Thèmes et actions').fill('Animation du réseau\nÉmergence de projets\nAccompagnement humain');
  await vote.getByLabel('Points par participant').fill('5');
  await vote.locator('#v-cloture').fill('2030-01-01T18:00');
  await vote.locator('#v-caches').check();
  await vote.locator('#v-invitations').fill('participante@asso.example');
  await vote.getByRole('button', { name: 'Ouvrir le vote' }).click();
  await team.getByTestId('etat-vote').waitFor();
  const votePage = team.url();
  // One more participant invited while the vote is open.
  await team.getByLabel(/^Adresses électroniques/).fill('second@asso.example');
  await team.getByRole('button', { name: 'Envoyer les invitations' }).click();
  await team.getByText('2 invités').waitFor();
  await expectAccessible(team, 'vote en ligne ouvert');
  assert.ok(linkIn(await newestMailTo(admin, 'second@asso.example'), '/vote/'));

  const link = linkIn(await newestMailTo(admin, 'participante@asso.example'), '/vote/');

  const participant = await person(360);
  await participant.goto(link);
  assert.match(await participant.getByTestId('regle').textContent(), /^Vous avez 5 points à répartir/);
  await expectAccessible(participant, 'bulletin');
  await participant.getByLabel('Animation du réseau').fill('3');
  await participant.getByLabel('Émergence de projets').fill('2');
  await participant.getByRole('button', { name: 'Voter' }).click();
  await participant.getByTestId('enregistre').waitFor();
  // Changed: all on one item.
  await participant.getByLabel('Animation du réseau').fill('0');
  await participant.getByLabel('Émergence de projets').fill('0');
  await participant.getByLabel('Accompagnement humain').fill('5');
  await participant.getByRole('button', { name: 'Changer mon vote' }).click();
  await participant.getByTestId('enregistre').waitFor();
  assert.equal(await participant.getByTestId('resultats').count(), 0, 'results hidden until closing');
  await screenshot(participant, 'pnt-bulletin-360');

  await team.goto(votePage);
  await team.getByRole('button', { name: 'Clore le vote maintenant' }).click();
  await team.getByTestId('resultats').waitFor();
  assert.match(await team.getByTestId('resultats').textContent(), /1 bulletins/);
  await participant.goto(link);
  await participant.getByTestId('vote-clos').waitFor();
  const rows = await participant.getByTestId('resultats').locator('tbody tr').allTextContents();
  assert.deepEqual(rows.map((r) => r.replace(/\s+/g, '')), ['Animationduréseau0', 'Émergencedeprojets0', 'Accompagnementhumain5']);
  await expectAccessible(participant, 'bulletin clos');

  // The public Chinon page lists the published projects by stage, with the portrait.
  const visitor = await person();
  await visitor.goto(`${hub.server.base}/pnt/bassin:Chinon`);
  const published = await visitor.getByTestId('projets-publies').allTextContents();
  assert.ok(published.join(' ').includes('Atelier mobile de réparation'), published.join(' | '));
  assert.ok(published.join(' ').includes('Bus numérique'), 'the demo projects of seed 002');
  await expectAccessible(visitor, 'PNT public de Chinon');
  await screenshot(visitor, 'pnt-chinon-public');
  await visitor.goto(`${hub.server.base}/projets?bassin=Chinon&etape=en_cours`);
  assert.match(await visitor.getByTestId('nombre-projets').textContent(), /^1 projet/);
  await expectAccessible(visitor, 'projethèque');
  await visitor.getByRole('link', { name: 'Atelier mobile de réparation' }).click();
  await visitor.getByTestId('chronologie').waitFor();
  assert.match(await visitor.getByTestId('avancement').textContent(), /ouverture en septembre/);
  await expectAccessible(visitor, 'projet public');
  await visitor.setViewportSize({ width: 360, height: 900 });
  await screenshot(visitor, 'pnt-projet-public-360');
});
