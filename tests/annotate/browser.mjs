// Drives Debian's headless chromium through chromium-driver (the WebDriver protocol, spoken with
// Node's own fetch: no npm package) on a rater's link. Called by browser_test.cpp:
//   node browser.mjs BASE_URL RATER_TOKEN OUT_DIR ADMIN_TOKEN
// Prints one JSON object: the three answered item ids in page order, and what was checked.
// Exits non-zero on any failure, including a missing browser or driver.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';

const [base, token, outDir, adminToken] = process.argv.slice(2);
const chromium = process.env.CHROMIUM || '/usr/bin/chromium';
const driverBin = process.env.CHROMEDRIVER || '/usr/bin/chromedriver';

function check(cond, message) { if (!cond) throw new Error('check failed: ' + message); }
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function freePort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
}

const port = await freePort();
const driver = spawn(driverBin, ['--port=' + port], { stdio: ['ignore', 'ignore', 'inherit'] });
let driverExit = null;
driver.on('exit', (code) => { driverExit = code; });
driver.on('error', (e) => { console.error('cannot start ' + driverBin + ': ' + e.message); process.exit(3); });
const wd = `http://127.0.0.1:${port}`;
const profile = mkdtempSync(join(tmpdir(), 'reasonrec-chromium-'));
let session = null;

async function call(method, path, body) {
  const r = await fetch(wd + path, { method, headers: { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body) });
  const j = await r.json();
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(j.value).slice(0, 400)}`);
  return j.value;
}
const s = (path) => `/session/${session}${path}`;
const exec = (script, args = []) => call('POST', s('/execute/sync'), { script, args });
async function waitFor(script, what, timeoutMs = 10000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await exec(script);
    if (v) return v;
    if (Date.now() > end) throw new Error('timed out waiting for ' + what);
    await sleep(50);
  }
}
// Keyboard only: every key goes through the WebDriver actions API to the focused element.
async function keys(text) {
  const actions = [];
  for (const ch of text) actions.push({ type: 'keyDown', value: ch }, { type: 'keyUp', value: ch });
  await call('POST', s('/actions'), { actions: [{ type: 'key', id: 'keyboard', actions }] });
}
const ESC = '\uE00C';
const saved = () => waitFor("return document.getElementById('status').textContent === 'All answers saved'", 'answers saved');
const pressed = (field) => exec(`const b = document.querySelector('button[data-field=${field}][aria-pressed=true]'); return b ? b.dataset.value : null;`);
const progress = () => exec("return document.getElementById('progress').textContent");

try {
  for (let i = 0; ; i++) {
    try { await call('GET', '/status'); break; } catch (e) {
      if (driverExit !== null || i > 100) throw new Error('chromium-driver did not start: ' + e.message);
      await sleep(100);
    }
  }
  const created = await call('POST', '/session', { capabilities: { alwaysMatch: {
    browserName: 'chrome',
    'goog:chromeOptions': { binary: chromium, args: ['--headless=new', '--no-sandbox', '--disable-gpu',
      '--disable-dev-shm-usage', '--window-size=1200,1000', '--user-data-dir=' + profile] } } } });
  session = created.sessionId;
  const url = `${base}/rate#${token}`;
  await call('POST', s('/url'), { url });
  await waitFor("return document.getElementById('progress').textContent.startsWith('Item 1 of')", 'the first item');
  const ids = await fetch(`${base}/api/state`, { headers: { Authorization: 'Bearer ' + token } })
    .then((r) => r.json()).then((j) => j.items.slice(0, 3).map((it) => it.id));

  // Item 1: coherence 4, faithful, insightfulness 2 (W).
  await keys('4yw');
  check((await pressed('coherence')) === '4' && (await pressed('faithful')) === 'true' && (await pressed('insightfulness')) === '2', 'item 1 answers shown');
  await keys('j');
  check((await progress()).startsWith('Item 2 of'), 'next by keyboard');
  // Item 2: coherence 2, not faithful with a note, insightfulness 3 (E).
  await keys('2nm');
  await keys('made-up price <b>x</b>');
  await keys(ESC + 'e');
  await keys('j');
  // Item 3: coherence 5, faithful, insightfulness 5 (T), a comment.
  await keys('5yt');
  await keys('c');
  await keys('Good one');
  await keys(ESC);
  await saved();
  check((await progress()).includes('· 3 of'), 'progress counts three answered: ' + await progress());

  // Reload: the rater is back on item 3 with their answers.
  await call('POST', s('/refresh'), {});
  await waitFor("return document.getElementById('progress').textContent.startsWith('Item 3 of')", 'resume on item 3');
  check((await pressed('coherence')) === '5' && (await pressed('insightfulness')) === '5', 'item 3 answers after reload');
  check((await exec("return document.getElementById('comment').value")) === 'Good one', 'comment after reload');
  await keys('k');
  check((await exec("return document.getElementById('note').value")) === 'made-up price <b>x</b>', 'note after reload');
  check((await pressed('faithful')) === 'false', 'item 2 faithfulness after reload');
  // Revise item 1: coherence 4 -> 3.
  await keys('k');
  check((await pressed('coherence')) === '4', 'item 1 after reload');
  await keys('3');
  await saved();

  // Hostile text is shown as text and never runs.
  check((await exec('return window.__pwned === undefined')) === true, 'no injected script ran');
  const reasoning = await exec("return document.getElementById('reasoning').textContent");
  check(reasoning.includes('<script>window.__pwned = 1;</script>') && reasoning.includes('<img src=x onerror='), 'reasoning shown literally');
  check((await exec("return document.querySelectorAll('#reasoning *, #history img, #history script, #history b').length")) === 0, 'no markup from data in the DOM');
  const headings = await exec("return [...document.querySelectorAll('h1, h2')].map((h) => h.textContent)");
  for (const h of ['Rate the reasoning', "The model's reasoning", 'Your judgment']) check(headings.includes(h), 'heading ' + h);
  check(headings.some((h) => h.startsWith("The user's history")), 'history heading');
  check(!(await exec('return document.body.textContent')).includes('TARGET REVIEW'), 'target review hidden');

  // Screenshot: a PNG that is not blank.
  const png = Buffer.from(await call('GET', s('/screenshot')), 'base64');
  writeFileSync(join(outDir, 'rater.png'), png);
  check(png.subarray(1, 4).toString() === 'PNG', 'screenshot is a PNG');
  const width = png.readUInt32BE(16), height = png.readUInt32BE(20);
  const idat = [];
  for (let off = 8; off < png.length;) {
    const len = png.readUInt32BE(off), type = png.subarray(off + 4, off + 8).toString();
    if (type === 'IDAT') idat.push(png.subarray(off + 8, off + 8 + len));
    off += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const distinct = new Set(raw).size;
  let nonzero = 0;
  for (const b of raw) nonzero += b !== 0;
  check(width >= 800 && height >= 600, `screenshot size ${width}x${height}`);
  check(distinct > 50 && nonzero > raw.length / 100, `screenshot not blank (${distinct} byte values, ${nonzero} non-zero)`);

  // The admin page: per-rater progress, and the export button.
  await call('POST', s('/url'), { url: `${base}/admin#${adminToken}` });
  const rows = await waitFor("const r = [...document.querySelectorAll('#progress-table tbody tr')]; return r.length ? r.map((tr) => [...tr.children].map((td) => td.textContent)) : null", 'admin progress');
  check(JSON.stringify(rows[0]) === JSON.stringify(['r1', '20', '3', '3']), 'admin row r1: ' + JSON.stringify(rows));
  check(JSON.stringify(rows[1]) === JSON.stringify(['r2', '20', '0', '0']), 'admin row r2: ' + JSON.stringify(rows));
  check((await exec("return document.getElementById('export').textContent")) === 'Download judgments.jsonl', 'export button');
  console.log(JSON.stringify({ ok: true, ids, width, height }));
} catch (e) {
  console.error(e.stack || String(e));
  process.exitCode = 1;
} finally {
  if (session) await call('DELETE', s('')).catch(() => {});
  driver.kill();
  rmSync(profile, { recursive: true, force: true });
}
