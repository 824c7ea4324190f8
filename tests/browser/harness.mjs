// Starts a Maillage server on a throw-away SQLite database (the demo data loads on first start)
// and the system's Chromium, for the browser tests. Chromium comes from the distribution: the
// machines that run these tests cannot download browsers.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from 'node:net';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { before, after } from 'node:test';
import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, '..', '..');
export const screenshotDir = process.env.MAILLAGE_SCREENSHOTS ?? join(repoRoot, 'target', 'screenshots');

const chromiumPath = process.env.MAILLAGE_CHROMIUM ?? '/usr/bin/chromium';
const chromiumFlags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'];

function binaryPath() {
  if (process.env.MAILLAGE_BIN) return process.env.MAILLAGE_BIN;
  for (const profile of ['debug', 'release']) {
    const candidate = join(repoRoot, 'target', profile, 'maillage');
    if (existsSync(candidate)) return candidate;
  }
  throw new Error('binaire maillage introuvable : lancez `cargo build` ou définissez MAILLAGE_BIN');
}

async function freePort() {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.unref();
    server.on('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => ok(port));
    });
  });
}

async function waitUntilHealthy(base, child, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`le serveur s'est arrêté (code ${child.exitCode})`);
    try {
      const response = await fetch(`${base}/api/v1/sante`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`le serveur ne répond pas après ${timeoutMs} ms`);
}

/** Runs the `maillage` command on a database (`maillage --db <db> …`): its standard output. */
export async function runCli(db, args, env = {}) {
  return new Promise((ok, fail) => {
    const child = spawn(binaryPath(), ['--db', db, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, RUST_LOG: 'warn', ...env },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (err += chunk));
    child.on('error', fail);
    child.on('exit', (code) => (code === 0 ? ok(out) : fail(new Error(`maillage ${args.join(' ')} : code ${code}\n${err}`))));
  });
}

/**
 * A running server on the demo data: `{ base, db, outbox, stop() }`. Links in mails point to
 * `base`, and mails go to the `outbox` folder (read on the outbox page), unless `env` says
 * otherwise.
 */
export async function startServer(extraArgs = [], env = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'maillage-browser-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const db = join(dir, 'maillage.db');
  const outbox = join(dir, 'boite-d-envoi');
  const child = spawn(binaryPath(), ['--db', db, 'serve', '--addr', `127.0.0.1:${port}`, ...extraArgs], {
    stdio: ['ignore', 'ignore', 'pipe'],
    // No tiles unless a test brings its own tile server: the tests never reach the network.
    env: { ...process.env, RUST_LOG: 'warn', MAILLAGE_BASE_URL: base, MAILLAGE_OUTBOX: outbox, MAILLAGE_TILES: 'non', ...env },
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  try {
    await waitUntilHealthy(base, child, 60_000);
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`${err.message}\n${stderr}`);
  }
  return {
    base,
    db,
    outbox,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The administrator every browser test's hub starts with. */
export const ADMIN = { email: 'admin@hub.example', password: 'un mot de passe assez long' };

/**
 * A hub for one test file: a server on the demo data with a signing secret and `env`, its
 * administrator's account (named `adminName`), and Chromium.
 */
export async function startHub(args = [], env = {}, adminName = 'Administratrice') {
  const server = await startServer(args, { MAILLAGE_SECRET: 'une clé de signature de test, assez longue', ...env });
  await runCli(server.db, ['accounts', 'admin', '--courriel', ADMIN.email, '--nom', adminName], {
    MAILLAGE_ADMIN_PASSWORD: ADMIN.password,
  });
  return { server, browser: await launchBrowser() };
}

/**
 * The hub of one test file (see `startHub`), started before its tests and stopped after them:
 * `hub.server` and `hub.browser` are there once the file's tests run. `env` may be a function,
 * called first, for an environment that needs something started (a partner's server, a folder).
 */
export function hubForFile(args = [], env = {}, adminName = undefined) {
  const hub = {};
  before(async () => {
    Object.assign(hub, await startHub(args, typeof env === 'function' ? await env() : env, adminName));
  });
  after(async () => {
    await hub.browser?.close();
    await hub.server?.stop();
  });
  return hub;
}

export async function launchBrowser() {
  return chromium.launch({ executablePath: chromiumPath, args: chromiumFlags });
}

/**
 * A person with a browser context of their own (cookies are not shared between people), in French
 * and in Paris time. Script errors, and with `consoleErrors` the console's errors, are collected in
 * `page.problems` for `expectAccessible` to report.
 */
export async function newPerson(browser, { width = 1280, height = 900, consoleErrors = false } = {}) {
  const context = await browser.newContext({ viewport: { width, height }, locale: 'fr-FR', timezoneId: 'Europe/Paris' });
  const page = await context.newPage();
  page.problems = [];
  page.on('pageerror', (err) => page.problems.push(`erreur de script : ${err.message}`));
  if (consoleErrors) {
    page.on('console', (msg) => {
      if (msg.type() === 'error') page.problems.push(`console : ${msg.text()}`);
    });
  }
  return page;
}

/**
 * Runs axe-core on the page and returns its violations, readable: every impact, or with
 * `seriousOnly` the serious and critical ones.
 */
export async function axeViolations(page, { seriousOnly = false } = {}) {
  // Evaluated through the debugging protocol, not as a <script> tag: the pages' CSP (rightly)
  // refuses inline scripts, and the test must not weaken it.
  await page.evaluate(axeSource);
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    return axe.run(document, { resultTypes: ['violations'] });
  });
  return result.violations
    .filter((v) => !seriousOnly || v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}) : ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).slice(0, 5).join(', ')}`);
}

/** The serious and critical axe-core violations of the page, readable. */
export const seriousViolations = (page) => axeViolations(page, { seriousOnly: true });

/** Every axe-core violation, whatever its impact. */
export const allViolations = (page) => axeViolations(page);

/**
 * The one accessibility check of the browser tests: no axe-core violation (of any impact, or with
 * `seriousOnly` none serious or critical), nothing wider than the screen, at each of `widths`
 * (the page's own width when absent; the page is put back to its size after), then no script
 * error collected since the person opened their browser.
 */
export async function expectAccessible(page, label, { widths, seriousOnly = false, overflow = true } = {}) {
  const size = page.viewportSize();
  for (const width of widths ?? [size.width]) {
    if (width !== page.viewportSize().width) await page.setViewportSize({ width, height: size.height });
    const at = widths ? `${label} à ${width} px` : label;
    const found = await axeViolations(page, { seriousOnly });
    assert.deepEqual(found, [], `${at} : violations axe-core${seriousOnly ? ' graves ou critiques' : ''}`);
    if (overflow) {
      const wider = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.ok(wider <= 1, `${at} : la page déborde de ${wider} px`);
    }
  }
  if (page.viewportSize().width !== size.width) await page.setViewportSize(size);
  assert.deepEqual(page.problems ?? [], [], `${label} : erreurs dans la page`);
}

export async function screenshot(page, name) {
  mkdirSync(screenshotDir, { recursive: true });
  await page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage: true });
}

/** A new person (see `newPerson`) signed in as the administrator of a file's hub (see `hubForFile`). */
export async function signedInAdmin(hub, options) {
  const page = await newPerson(hub.browser, options);
  await signInAt(hub.server.base, page, ADMIN.email, ADMIN.password);
  return page;
}

/** Signs in through the form and waits for the administration's home. */
export async function signInAt(base, page, email, password) {
  await page.goto(`${base}/connexion`);
  await page.getByLabel('Adresse électronique').fill(email);
  await page.getByLabel('Mot de passe').fill(password);
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await page.waitForURL(`${base}/admin`);
}

/** The body of the newest mail to `to`, read on the outbox page. */
export async function newestMailAt(base, admin, to) {
  await admin.goto(`${base}/admin/boite-d-envoi`);
  const row = admin.locator('tbody tr', { hasText: to }).first();
  await row.getByRole('link').click();
  return admin.getByTestId('courriel').locator('pre').textContent();
}

/** The first link to `path` (a regular expression's text) under `base` in a mail's body, or undefined. */
export function findLink(base, body, path) {
  const match = body.match(new RegExp(`${base.replace(/[.]/g, '\\.')}${path}\\S+`));
  return match?.[0];
}

/** The first link to `path` in a mail's body, which must hold one (see `findLink`). */
export function expectLink(base, body, path) {
  const link = findLink(base, body, path);
  assert.ok(link, `pas de lien ${path} dans :\n${body}`);
  return link;
}

/**
 * The administrator invites a coordinator of a département (`{ name, email, departement }`) from
 * the users' page: the invitation's link, read in the outbox.
 */
export async function inviteCoordinator(base, admin, { name, email, departement }) {
  await admin.goto(`${base}/admin/utilisateurs`);
  await admin.locator('#i-nom').fill(name);
  await admin.locator('#i-courriel').fill(email);
  await admin.locator('#i-role').selectOption('coordinateur');
  await admin.locator('#i-dep').fill(departement);
  await admin.getByRole('button', { name: "Envoyer l'invitation" }).click();
  return expectLink(base, await newestMailAt(base, admin, email), '/compte/invitation\\?');
}

/** The invited person opens the invitation's link in `page`, sets `password` and lands on the administration. */
export async function acceptInvitation(base, page, invitation, password) {
  await page.goto(invitation);
  await page.getByLabel(/Nouveau mot de passe/).fill(password);
  await page.getByLabel('Le même, une seconde fois').fill(password);
  await page.getByRole('button', { name: 'Enregistrer le mot de passe' }).click();
  await page.waitForURL(`${base}/admin`);
  return page;
}
