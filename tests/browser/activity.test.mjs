// The activity log in Chromium, as a coordinator uses it: invited by the administrator for the
// Cher, they log a meeting with three organisations on a 360 px phone (typed names create the
// actors on the fly; a negative headcount is refused in French beside its field, nothing
// written), then a RDV individuel with one of them, found in the directory's suggestions. The
// département's dashboard counts 2 entries and 3 distinct actors; the bilan's PDF and ODS
// download. axe-core must find no violation of any impact at 1280 and 360 px on every page
// visited: the log's form and list, the dashboard, the bilan, the desk and the past totals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  screenshot, newPerson, expectAccessible as check, hubForFile, acceptInvitation, inviteCoordinator,
  signedInAdmin,
} from './harness.mjs';

const COORD = { email: 'coord18@hub.example', password: 'le mot de passe de la coordinatrice du Cher' };
const ORGANISATIONS = ['CAF du Cher', 'Mairie de Vierzon', 'Emmaüs Connect Bourges'];

const hub = hubForFile(['--sync-interval', '0.2']);

/** No axe violation of any impact and nothing wider than the screen at 1280 and 360 px, no script error. */
const expectAccessible = (page, label) => check(page, label, { widths: [1280, 360] });

/** The administrator invites the Cher's coordinator, who sets a password from the mailed link on a phone. */
async function coordinatorOnAPhone() {
  const admin = await signedInAdmin(hub);
  const invitation = await inviteCoordinator(hub.server.base, admin, { name: 'Coordinatrice du Cher', email: COORD.email, departement: '18' });
  await admin.context().close();
  const coord = await newPerson(hub.browser, { width: 360, height: 780, consoleErrors: true });
  return acceptInvitation(hub.server.base, coord, invitation, COORD.password);
}

/** The value of the dashboard's figure row named `name`. */
const figure = (page, name) =>
  page.getByTestId('tableau').locator('tr', { has: page.locator('th', { hasText: new RegExp(`^${name}$`) }) }).locator('td').first().textContent();

/** Clicks a download link: the file's name and bytes, and the type the server gives it. */
async function download(page, testId) {
  const link = page.getByTestId(testId);
  const [file] = await Promise.all([page.waitForEvent('download'), link.click()]);
  const bytes = readFileSync(await file.path());
  const response = await page.request.get(new URL(await link.getAttribute('href'), page.url()).href);
  return { type: response.headers()['content-type'], name: file.suggestedFilename(), bytes };
}

test('a coordinator logs a meeting then a RDV on a phone; the dashboard and the bilans count them', async () => {
  const coord = await coordinatorOnAPhone();
  await expectAccessible(coord, 'bureau de la coordinatrice');
  await screenshot(coord, 'activite-bureau-360');

  // The meeting, on the phone: three organisations typed, created on the fly.
  await coord.goto(`${hub.server.base}/admin/activite`);
  await expectAccessible(coord, "journal d'activité");
  const form = coord.locator('form.formulaire-activite');
  const day = await form.getByLabel('Date').inputValue();
  assert.match(day, /^\d{4}-\d{2}-\d{2}$/, "la date du jour est proposée");
  assert.equal(await form.getByLabel('Territoire (code ou nom)').inputValue(), '18');
  await form.getByLabel('Type de réunion').selectOption('groupe_de_travail');
  await form.getByLabel(/^Durée/).fill('1h30');
  for (const [i, name] of ORGANISATIONS.entries()) await form.getByLabel(`Acteur ${i + 1}`, { exact: true }).fill(name);
  await form.getByLabel('Type des nouveaux acteurs').selectOption('association');
  await form.getByLabel('Personnes non nommées').fill('-2');
  await form.getByLabel('Thèmes (séparés par des virgules)').fill('mobilité, accès aux droits');
  await screenshot(coord, 'activite-formulaire-360');
  await form.getByRole('button', { name: 'Enregistrer' }).click();

  // A negative headcount: said in French beside its field, the typed values kept, nothing written.
  const refusal = coord.locator('#a-personnes-erreur');
  await refusal.waitFor();
  assert.equal(await refusal.textContent(), 'un nombre positif ou nul est attendu (« -2 »)');
  assert.equal(await form.getByLabel('Personnes non nommées').getAttribute('aria-invalid'), 'true');
  assert.equal(await form.getByLabel('Acteur 2', { exact: true }).inputValue(), ORGANISATIONS[1]);
  assert.equal(await coord.getByText('Aucune entrée.').count(), 1);
  // The browser logs the refusal's 422 status: expected here.
  coord.problems.length = 0;
  await expectAccessible(coord, 'entrée refusée');
  await screenshot(coord, 'activite-refus-360');
  await form.getByLabel('Personnes non nommées').fill('4');
  await form.getByRole('button', { name: 'Enregistrer' }).click();
  await coord.getByTestId('enregistre').waitFor();
  assert.equal(await coord.getByTestId('entrees').locator('tbody tr').count(), 1);

  // The RDV with one of them, found among the directory's suggestions.
  const offered = await coord.locator('#acteurs-connus option').evaluateAll((options) => options.map((o) => o.value));
  for (const name of ORGANISATIONS) assert.ok(offered.includes(name), `${name} est proposé : ${offered.join(', ')}`);
  await form.getByLabel('Type', { exact: true }).selectOption('rdv');
  await form.getByLabel('Type de réunion').selectOption('');
  await form.getByLabel(/^Durée/).fill('45');
  await form.getByLabel('Acteur 1', { exact: true }).fill(ORGANISATIONS[0]);
  await form.getByRole('button', { name: 'Enregistrer' }).click();
  await coord.getByTestId('enregistre').waitFor();
  assert.equal(await coord.getByTestId('entrees').locator('tbody tr').count(), 2);
  await expectAccessible(coord, "journal d'activité (deux entrées)");
  await screenshot(coord, 'activite-liste-360');

  // The département's dashboard for the year: 2 entries, 3 distinct actors, 1 of them met in RDV.
  const year = day.slice(0, 4);
  await coord.goto(`${hub.server.base}/admin/activite/tableau`);
  await coord.getByLabel('Périmètre').selectOption('departement');
  await coord.getByLabel('Code ou nom').fill('18');
  await coord.getByLabel('Du', { exact: true }).fill(`${year}-01-01`);
  await coord.getByLabel('Au', { exact: true }).fill(`${year}-12-31`);
  await coord.getByRole('button', { name: 'Afficher', exact: true }).click();
  await coord.getByText(`2 entrée(s) du 01/01/${year} au 31/12/${year}`).waitFor();
  assert.equal(await figure(coord, 'Acteurs touchés \\(distincts\\)'), '3');
  assert.equal(await figure(coord, 'dont en RDV'), '1');
  await expectAccessible(coord, 'tableau de bord du Cher');
  await screenshot(coord, 'activite-tableau-360');

  // The bilan: page, PDF and ODS.
  await coord.goto(`${hub.server.base}/admin/activite/bilan?perimetre=18&du=${year}-01-01&au=${year}-12-31`);
  await coord.getByTestId('bilan').waitFor();
  await expectAccessible(coord, 'bilan du Cher');
  await screenshot(coord, 'activite-bilan-360');
  const pdf = await download(coord, 'bilan-pdf');
  assert.equal(pdf.type, 'application/pdf');
  assert.match(pdf.name, /^bilan-18-.*\.pdf$/);
  assert.ok(pdf.bytes.length > 1000 && pdf.bytes.subarray(0, 5).toString() === '%PDF-', `PDF de ${pdf.bytes.length} octets`);
  const ods = await download(coord, 'bilan-ods');
  assert.equal(ods.type, 'application/vnd.oasis.opendocument.spreadsheet');
  assert.match(ods.name, /^bilan-18-.*\.ods$/);
  assert.ok(ods.bytes.length > 1000 && ods.bytes.subarray(0, 2).toString() === 'PK', `ODS de ${ods.bytes.length} octets`);
  assert.ok(ods.bytes.includes('application/vnd.oasis.opendocument.spreadsheet'), 'le classeur dit son type');

  // The desk and the past totals' page.
  await coord.goto(`${hub.server.base}/admin`);
  await expectAccessible(coord, 'bureau après deux entrées');
  await coord.goto(`${hub.server.base}/admin/activite/totaux`);
  await expectAccessible(coord, 'chiffres passés');
  await screenshot(coord, 'activite-totaux-360');
});
