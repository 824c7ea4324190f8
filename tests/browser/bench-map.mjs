// Measures the map page for a whole registry in Chromium: bytes transferred on a first visit
// (compressed, as sent) and the time from navigation until the map shows every place.
// Usage: node bench-map.mjs http://127.0.0.1:8080 [runs]
import { launchBrowser } from './harness.mjs';

const base = process.argv[2];
const runs = Number(process.argv[3] ?? 5);
if (!base) {
  console.error('usage : node bench-map.mjs URL_DU_SERVEUR [essais]');
  process.exit(2);
}

const total = (await (await fetch(`${base}/api/v1/lieux?limite=1`)).json()).total;
const browser = await launchBrowser();
const times = [];
let firstLoad;
for (let run = 0; run < runs; run += 1) {
  // A new context each time: a first visit, nothing cached.
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const responses = [];
  page.on('requestfinished', (request) => responses.push(request));
  const started = performance.now();
  await page.goto(`${base}/carte?z=6&c=46.6,2.4`);
  await page.locator('[data-testid=carte][data-etat=pret]').waitFor({ timeout: 60_000 });
  const shown = Number(await page.getByTestId('carte').getAttribute('data-lieux'));
  const elapsed = performance.now() - started;
  if (shown !== total) throw new Error(`la carte montre ${shown} lieux sur ${total}`);
  times.push(elapsed);
  if (run === 0) {
    await page.waitForLoadState('networkidle');
    let bytes = 0;
    const byType = {};
    for (const request of responses) {
      const sizes = await request.sizes();
      const size = sizes.responseBodySize + sizes.responseHeadersSize;
      bytes += size;
      const type = request.resourceType();
      byType[type] = (byType[type] ?? 0) + size;
    }
    firstLoad = { requests: responses.length, bytes, byType };
  }
  await context.close();
}
await browser.close();
times.sort((a, b) => a - b);
const kb = (n) => `${(n / 1024).toFixed(0)} Ko`;
console.log(`lieux affichés : ${total}`);
console.log(
  `première visite : ${firstLoad.requests} requêtes, ${kb(firstLoad.bytes)} transférés (${Object.entries(firstLoad.byType)
    .map(([type, size]) => `${type} ${kb(size)}`)
    .join(', ')})`,
);
console.log(
  `carte prête avec tous les lieux : médiane ${times[Math.floor(times.length / 2)].toFixed(0)} ms, ` +
    `min ${times[0].toFixed(0)} ms, max ${times[times.length - 1].toFixed(0)} ms (${runs} essais)`,
);
