'use strict';

// Drives Ferry's dashboard in headless Chromium: token prompt, a backend appearing, the add
// form (a stored backend and a refused one), removing a backend, and the prompt coming back on
// a wrong token. Started by DashboardBrowserTest with the node's address and token.

const fs = require('fs');
const os = require('os');
const path = require('path');
const { chromium } = require('playwright-core');

const env = (name) => {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set`);
  }
  return value;
};

const page0 = new URL(env('DASHBOARD_URL'));
const token = env('ADMIN_TOKEN');
const upstream = env('UPSTREAM');
const backendId = env('BACKEND_ID');
const backendPort = env('BACKEND_PORT');
const outDir = env('OUT_DIR');

if (page0.hostname !== '127.0.0.1') {
  throw new Error('the dashboard must be on 127.0.0.1, not ' + page0.hostname);
}

function check(condition, what) {
  if (!condition) {
    throw new Error('expected ' + what);
  }
  console.log('ok: ' + what);
}

async function api(method, apiPath, body) {
  const response = await fetch(new URL(apiPath, page0), {
    method,
    headers: Object.assign({ Authorization: 'Bearer ' + token },
      body ? { 'Content-Type': 'application/json' } : {}),
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  return { status: response.status, json: text ? JSON.parse(text) : null };
}

async function main() {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'ferry-dashboard-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1360, height: 960 },
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
    ],
  });
  const elsewhere = [];
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.origin === page0.origin || url.protocol === 'data:') {
      return route.continue();
    }
    elsewhere.push(url.href);
    return route.abort();
  });
  const errors = [];
  try {
    const page = context.pages()[0] || await context.newPage();
    page.setDefaultTimeout(20000);
    page.on('pageerror', (err) => errors.push(err.message));

    await page.goto(page0.href);
    await page.locator('#token-overlay').waitFor({ state: 'visible' });
    check(true, 'the page loads without the token and asks for it');

    await page.fill('#token-input', 'not-' + token);
    await page.click('#token-form button[type=submit]');
    await page.locator('#token-error', { hasText: 'the admin token is wrong' })
      .waitFor({ state: 'visible' });
    check(true, 'a wrong token brings the prompt back with the API error');

    await page.fill('#token-input', token);
    await page.click('#token-form button[type=submit]');
    await page.locator('#token-overlay').waitFor({ state: 'hidden' });
    const kept = await page.evaluate(() => sessionStorage.getItem('ferry.adminToken'));
    check(kept === token, 'the token is kept in sessionStorage');

    const row = page.locator(`tbody[data-upstream="${upstream}"] tr[data-backend="${backendId}"]`);
    await row.waitFor({ state: 'visible' });
    check(true, `backend ${backendId} of ${upstream} is shown`);
    await page.waitForFunction(() => document.querySelector('#nodes tbody tr') !== null);
    await page.waitForFunction(() => document.querySelectorAll('#listeners tbody tr').length > 0);
    check(true, 'cluster nodes and TCP listeners are shown');

    // Let the charts gather a few samples of the traffic the test sends.
    await page.waitForTimeout(9000);
    await page.screenshot({ path: path.join(outDir, 'dashboard-backend.png'), fullPage: true });

    await page.reload();
    await row.waitFor({ state: 'visible' });
    check(await page.locator('#token-overlay').isHidden(),
      'a reload in the same tab needs no new token');

    await page.click('#toggle-add');
    await page.fill('#add-form input[name=name]', upstream);
    await page.fill('#add-form input[name=id]', 'form-added');
    await page.fill('#add-form input[name=ip]', '127.0.0.1');
    await page.fill('#add-form input[name=port]', backendPort);
    await page.selectOption('#add-form select[name=scheme]', 'http');
    await page.fill('#add-form input[name=weight]', '50');
    await page.click('#add-form button[type=submit]');
    await page.locator(`tbody[data-upstream="${upstream}"] tr[data-backend="form-added"]`)
      .waitFor({ state: 'visible' });
    const added = await api('GET', '/proxy/upstreams/' + upstream);
    const stored = added.json.backends.find((b) => b.id === 'form-added');
    check(stored && stored.weihgt === 50 && stored.scheme === 'http',
      'the form stored backend form-added with weight 50');

    const refused = { upstream: { name: upstream },
      backend: { id: 'refused', ip: '10.0.0.300', port: 80, scheme: 'http', weihgt: 100 } };
    const direct = await api('PUT', '/proxy/upstreams', refused);
    await page.fill('#add-form input[name=id]', 'refused');
    await page.fill('#add-form input[name=ip]', '10.0.0.300');
    await page.fill('#add-form input[name=port]', '80');
    await page.fill('#add-form input[name=weight]', '100');
    await page.click('#add-form button[type=submit]');
    await page.locator('#add-result.error').waitFor({ state: 'visible' });
    const shown = await page.textContent('#add-result');
    check(direct.status === 400 && shown === direct.json.error,
      `the API's error is shown verbatim: "${shown}"`);
    await page.click('#cancel-add');

    let question = '';
    page.once('dialog', (dialog) => {
      question = dialog.message();
      dialog.accept();
    });
    await row.locator('button[data-remove]').click();
    await row.waitFor({ state: 'detached' });
    check(question.includes(backendId), 'removing asks for confirmation first');
    const after = await api('GET', '/proxy/upstreams/' + upstream);
    check(after.status === 200 && !after.json.backends.some((b) => b.id === backendId),
      `the API no longer has backend ${backendId}`);

    await page.click('#banner-close');
    await page.waitForTimeout(2500);
    await page.screenshot({ path: path.join(outDir, 'dashboard.png'), fullPage: true });

    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(2500);
    await page.screenshot({ path: path.join(outDir, 'dashboard-phone.png'), fullPage: true });
    await page.setViewportSize({ width: 1360, height: 960 });

    await page.evaluate(() => sessionStorage.setItem('ferry.adminToken', 'stale'));
    await page.reload();
    await page.locator('#token-error', { hasText: 'the admin token is wrong' })
      .waitFor({ state: 'visible' });
    check(true, 'a 401 on a later call brings the prompt back');

    check(errors.length === 0, 'no script error on the page: ' + errors.join('; '));
    check(elsewhere.length === 0, 'no request left the page origin: ' + elsewhere.join(' '));
  } finally {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

main().then(() => console.log('dashboard: all checks passed'), (err) => {
  console.error('dashboard: ' + (err && err.stack ? err.stack : err));
  process.exit(1);
});
