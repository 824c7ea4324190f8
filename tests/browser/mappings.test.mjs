// The mapping assistant in Chromium, as a hub's administrator uses it: a real export nobody
// has mapped (the Région Sud's, its column names written as a person would, so that no shipped
// mapping recognises it) is uploaded; the proposal is shown as a form; the administrator
// corrects one column and one vocabulary rule, previews, saves the mapping and imports; a new
// version of the same file is then imported with no mapping named and is recognised. Bad input
// (a file of one column, a binary file, a column the file does not have) gets a French message
// and writes nothing. axe-core on every page, at 1280 and 360 px.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  runCli, screenshot, repoRoot, expectAccessible as check, hubForFile, signedInAdmin,
} from './harness.mjs';


let files;

/** The Région Sud's export cut to its first `rows` rows, its header written as a person would. */
function sudExport(rows, name) {
  const raw = gunzipSync(readFileSync(join(repoRoot, 'crates/maillage-formats/tests/data/raw-hubs/paca-regionsud-2022.csv.gz')));
  const lines = raw.toString('latin1').split('\n');
  const header = lines[0]
    .split(';')
    .map((column) => column.replace(/_/g, ' '))
    .map((column) => column.charAt(0).toUpperCase() + column.slice(1))
    .join(';');
  const path = join(files, name);
  writeFileSync(path, Buffer.from([header, ...lines.slice(1, rows + 1)].join('\n') + '\n', 'latin1'));
  return path;
}

const hub = hubForFile([], () => {
  files = mkdtempSync(join(tmpdir(), 'maillage-exports-'));
  return {};
});

after(() => {
  if (files) rmSync(files, { recursive: true, force: true });
});

const signedIn = (width) => signedInAdmin(hub, { width });

/** No serious or critical axe violation, no script error, nothing wider than the screen. */
const expectAccessible = (page, label) => check(page, label, { seriousOnly: true });

async function propose(page, path, source) {
  await page.goto(`${hub.server.base}/admin/imports`);
  const form = page.getByTestId('assistant-televersement');
  await form.getByLabel(/Fichier de l'export/).setInputFiles(path);
  if (source) await form.getByLabel(/Nom de la source/).fill(source);
  await form.getByRole('button', { name: 'Proposer une correspondance' }).click();
  await page.waitForLoadState('load');
}

/** Every saved mapping and import, as the command line lists them: to check that nothing was written. */
async function written() {
  return [await runCli(hub.server.db, ['mapping', 'list']), await runCli(hub.server.db, ['imports'])].join('\n');
}

test('an unknown export: proposed, corrected, previewed, saved, imported, and its next version recognised', async () => {
  for (const width of [1280, 360]) {
    const page = await signedIn(width);
    await page.goto(`${hub.server.base}/admin/imports`);
    await expectAccessible(page, `imports (${width} px)`);
  }
  const page = await signedIn(1280);
  const before = await written();
  await propose(page, sudExport(1245, 'lieux-sud-2022.csv'), 'region-sud');
  await page.getByRole('heading', { name: /Correspondance proposée pour « lieux-sud-2022\.csv »/ }).waitFor();
  assert.match(await page.getByTestId('apercu-compte').textContent(), /1245 lignes lues, 1240 lieux gardés .* 5 rejetés/);
  // Each field with its column(s), its confidence and why.
  const telephone = page.getByTestId('ligne-telephone');
  assert.match(await telephone.textContent(), /probable/);
  assert.match(await telephone.textContent(), /téléphone/);
  await expectAccessible(page, 'proposition');
  await screenshot(page, 'assistant-proposition-1280');
  assert.equal(await written(), before, 'proposer n\'écrit rien');

  // One column and one vocabulary rule corrected, then previewed.
  await page.getByLabel('telephone', { exact: true }).selectOption('Contact telephone');
  const fablab = page.getByTestId('regles').locator('li', { hasText: '« fablab »' }).filter({ hasText: 'services' }).first();
  await fablab.getByRole('combobox').selectOption('Accès internet et matériel informatique');
  await page.getByRole('button', { name: 'Prévisualiser' }).click();
  await page.waitForLoadState('load');
  assert.match(await page.getByTestId('ligne-telephone').textContent(), /corrigé/);
  assert.match(await page.getByTestId('apercu-compte').textContent(), /1240 lieux gardés/);
  assert.match(await page.getByTestId('correspondance-toml').textContent(), /# \[corrigé\] choisi par l'administrateur\ntelephone = "Contact telephone"/);
  assert.equal(await written(), before, 'prévisualiser n\'écrit rien');

  // Saved and imported: the report names the saved mapping.
  await page.getByLabel(/Nom de la correspondance/).fill('lieux-sud');
  await page.getByRole('button', { name: 'Enregistrer et importer' }).click();
  await page.waitForURL(/\/admin\/imports\/[0-9a-z]+$/);
  const summary = await page.getByTestId('resume-import').textContent();
  assert.match(summary, /source region-sud/);
  assert.match(summary, /1245 ligne\(s\) lue\(s\), 1240 lieu\(x\) créé\(s\)/);
  assert.match(await page.getByTestId('problemes').textContent(), /correspondance « region-sud » reconnue d'après les colonnes du fichier \(enregistrée par le hub/);
  await expectAccessible(page, 'rapport d\'import');

  // The saved mapping is listed, and exported as TOML.
  await page.goto(`${hub.server.base}/admin/imports`);
  const saved = page.getByTestId('correspondances-enregistrees');
  assert.match(await saved.textContent(), /lieux-sud/);
  const toml = await page.request.get(`${hub.server.base}/admin/imports/correspondances/lieux-sud.toml`);
  assert.equal(toml.status(), 200);
  assert.match(await toml.text(), /telephone = "Contact telephone"/);

  // A new version of the file, imported with no mapping named: recognised, the mapping untouched.
  await page.goto(`${hub.server.base}/admin/imports`);
  const upload = page.getByTestId('import-televersement');
  await upload.getByLabel(/^Fichier/).setInputFiles(sudExport(1200, 'lieux-sud-2023.csv'));
  await upload.getByRole('button', { name: 'Importer' }).click();
  await page.waitForURL(/\/admin\/imports\/[0-9a-z]+$/);
  const next = await page.getByTestId('resume-import').textContent();
  assert.match(next, /lieux-sud-2023\.csv dans la source region-sud/);
  assert.match(next, /1200 ligne\(s\) lue\(s\), 0 lieu\(x\) créé\(s\), 0 modifié\(s\)/);
  assert.match(await runCli(hub.server.db, ['mapping', 'list']), /lieux-sud\s+enregistrée, source « region-sud », version 1/);
  for (const width of [360]) {
    const small = await signedIn(width);
    await propose(small, sudExport(40, 'lieux-sud-extrait.csv'));
    await expectAccessible(small, `proposition (${width} px)`);
    await screenshot(small, `assistant-proposition-${width}`);
  }
});

test('bad input gets a French message and nothing is written', async () => {
  const page = await signedIn(1280);
  const before = await written();
  const oneColumn = join(files, 'une-colonne.csv');
  writeFileSync(oneColumn, 'nom|adresse|commune\nMédiathèque|1 rue X|Blois\n');
  await propose(page, oneColumn);
  assert.match(await page.getByRole('alert').textContent(), /une seule colonne lue/);
  const binary = join(files, 'lieux.xlsx');
  writeFileSync(binary, Buffer.from('504b0304140006000800000021000000', 'hex'));
  await propose(page, binary);
  assert.match(await page.getByRole('alert').textContent(), /pas un fichier texte CSV ou JSON/);
  await expectAccessible(page, 'fichier refusé');

  // A column the file does not have (a form sent by hand, as a select offers only the file's):
  // refused, previewed or saved, and said.
  await propose(page, sudExport(40, 'lieux-sud-court.csv'));
  const forge = () =>
    page.getByLabel('nom', { exact: true }).evaluate((select) => {
      select.add(new Option('Nom du lieu', 'Nom du lieu', true, true));
    });
  await forge();
  await page.getByRole('button', { name: 'Prévisualiser' }).click();
  await page.waitForLoadState('load');
  assert.match(await page.getByRole('alert').textContent(), /la colonne « Nom du lieu » n'est pas dans le fichier/);
  await expectAccessible(page, 'correction refusée');
  await forge();
  await page.getByLabel(/Nom de la correspondance/).fill('court');
  await page.getByRole('button', { name: 'Enregistrer et importer' }).click();
  await page.waitForLoadState('load');
  const refusal = await page.getByRole('alert').textContent();
  assert.match(refusal, /Rien n'a été enregistré ni importé/);
  assert.match(refusal, /la colonne « Nom du lieu » n'est pas dans le fichier/);
  assert.equal(await written(), before, 'rien n\'est écrit');
});
