// newsroom as a browser sees it: Debian's headless Chromium driven by playwright-core.
//
//   NEWSROOM_URL=http://127.0.0.1:8080 NEWSROOM_TOKEN=<editor token> node browser.mjs
//
// a. GraphiQL (`$NEWSROOM_URL/graphiql`, or `$GRAPHIQL_URL` to try the page served by something
//    else): no request to another origin, no console error, no CSP violation; the docs explorer
//    lists the type Release; a query run from the editor, with $NEWSROOM_TOKEN pasted into the
//    headers editor, shows a demo release and the token's viewer in the result pane.
// b. CORS: a page on http://127.0.0.1:$CORS_PAGE_PORT (default 8766; the origin the server
//    allows through NEWSROOM_CORS_ORIGINS) POSTs GraphQL anonymously and with the bearer token
//    and GETs a feed; the same page on http://127.0.0.1:$CORS_OTHER_PORT (default 8767), an
//    origin the server does not allow, finds its fetch() refused.
//
// Each check prints ok/FAIL; exits 1 if any failed. On a failure of (a) a screenshot is written to
// /tmp (the line says where). BROWSER_CHECKS=graphiql or BROWSER_CHECKS=cors runs only one part.
import http from 'node:http';
import { chromium } from 'playwright-core';

const API = (process.env.NEWSROOM_URL ?? '').replace(/\/+$/, '');
const TOKEN = process.env.NEWSROOM_TOKEN ?? '';
const GRAPHIQL_URL = process.env.GRAPHIQL_URL || `${API}/graphiql`;
const CORS_PAGE_PORT = Number(process.env.CORS_PAGE_PORT || 8766);
const CORS_OTHER_PORT = Number(process.env.CORS_OTHER_PORT || 8767);
const CHECKS = (process.env.BROWSER_CHECKS || 'graphiql,cors').split(',').map((s) => s.trim());
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const DEMO_TITLE = 'National Plan of Action';
const TIMEOUT = 20_000;

if (!API) {
  console.error('NEWSROOM_URL is not set (e.g. http://127.0.0.1:8080)');
  process.exit(2);
}

let failures = 0;
function report(ok, name, detail = '') {
  if (!ok) failures += 1;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? `: ${detail}` : ''}`);
}
async function step(name, fn) {
  try {
    const detail = await fn();
    report(true, name, typeof detail === 'string' ? detail : '');
    return true;
  } catch (err) {
    report(false, name, String(err?.message ?? err).split('\n')[0]);
    return false;
  }
}

const browser = await chromium.launch({
  // playwright-core starts Chromium with a fresh temporary user-data-dir, removed on close.
  executablePath: CHROMIUM,
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});

try {
  if (CHECKS.includes('graphiql')) await graphiql();
  if (CHECKS.includes('cors')) await cors();
} finally {
  await browser.close();
}
console.log(`browser: ${failures === 0 ? 'all checks passed' : `${failures} check(s) failed`}`);
process.exit(failures === 0 ? 0 : 1);

// ---------------------------------------------------------------------------------------------

async function graphiql() {
  const origin = new URL(GRAPHIQL_URL).origin;
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT);

  const requests = [];
  const foreign = [];
  const problems = []; // console errors, page errors, CSP violations, failed requests
  context.on('request', (req) => {
    const url = req.url();
    requests.push(url);
    if (/^(data|blob|about):/.test(url)) return;
    if (new URL(url).origin !== origin) foreign.push(url);
  });
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('requestfailed', (req) => {
    if (!/^(data|blob|about):/.test(req.url())) problems.push(`request failed: ${req.url()} ${req.failure()?.errorText}`);
  });
  const pending = []; // GraphQL answers being read
  page.on('response', (res) => {
    if (res.status() >= 400) problems.push(`HTTP ${res.status()} for ${res.url()}`);
    if (new URL(res.url()).pathname.endsWith('/graphql')) {
      // GraphiQL shows a failed introspection only on the page ("Error fetching schema").
      pending.push(
        res
          .json()
          .then((body) => {
            if (body?.errors?.length) problems.push(`GraphQL errors from ${res.url()}: ${JSON.stringify(body.errors).slice(0, 300)}`);
          })
          .catch(() => {}),
      );
    }
  });
  // CSP violations also show as console errors; the event says which directive.
  await page.exposeFunction('__newsroomCspViolation', (v) => problems.push(`CSP violation: ${v}`));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__newsroomCspViolation(`${e.violatedDirective} blocked ${e.blockedURI || '(inline)'}`);
    });
  });

  let ok = true;
  // Each step needs the one before: after a failure the rest are printed as skipped.
  const then = async (name, fn) => {
    if (!ok) console.log(`skip ${name} (an earlier step failed)`);
    else ok = await step(name, fn);
  };
  await then(`GraphiQL page ${GRAPHIQL_URL} loads`, async () => {
    const res = await page.goto(GRAPHIQL_URL, { waitUntil: 'load' });
    if (!res || res.status() !== 200) throw new Error(`HTTP ${res?.status()}`);
    const csp = res.headers()['content-security-policy'];
    if (!csp) throw new Error('no Content-Security-Policy header');
    const title = await page.title();
    if (title !== 'newsroom GraphiQL') throw new Error(`title is ${JSON.stringify(title)}`);
    await page.locator('.graphiql-container').waitFor();
    await page.locator('.graphiql-query-editor .CodeMirror').waitFor();
    return `CSP: ${csp}`;
  });

  await then('GraphiQL docs explorer lists the type Release', async () => {
    await page.getByRole('button', { name: /Show Documentation Explorer/i }).click();
    const explorer = page.locator('.graphiql-doc-explorer');
    await explorer.waitFor();
    // The schema arrives by introspection; the root types show once it has.
    const loaded = explorer.getByText('Query', { exact: true }).first();
    const failed = explorer.getByText(/Error fetching schema/i).first();
    await loaded.or(failed).waitFor();
    if (await failed.isVisible()) throw new Error('the docs explorer says "Error fetching schema"');
    const search = explorer.locator('input').first();
    await search.click();
    await search.fill('Release');
    const hit = page.locator('.graphiql-doc-explorer-search [role="option"], .graphiql-doc-explorer-search li')
      .filter({ hasText: /^Release$/ });
    await hit.first().waitFor();
    await hit.first().click();
    await explorer.locator('.graphiql-doc-explorer-title').filter({ hasText: /^Release$/ }).waitFor();
  });

  await then(`GraphiQL runs a query${TOKEN ? ' with the token in its headers editor' : ''} and shows "${DEMO_TITLE}"`, async () => {
    const query = `{ viewer { subject roles } releases(first: 10, filter: { titleContains: "${DEMO_TITLE}" }) { edges { node { title language slug } } } }`;
    // The token goes in through the headers editor, as a person would paste it.
    const headers = TOKEN ? JSON.stringify({ Authorization: `Bearer ${TOKEN}` }) : '';
    await page.getByRole('button', { name: /^Headers$/ }).click();
    await page.evaluate(
      ({ q, h }) => {
        document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.setValue(q);
        // Variables and headers editors are both there; the one not shown has class `hidden`.
        const visible = [...document.querySelectorAll('.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror')];
        if (visible.length !== 1) throw new Error(`${visible.length} visible editor tools`);
        visible[0].CodeMirror.setValue(h);
      },
      { q: query, h: headers },
    );
    await page.getByRole('button', { name: /Execute query/i }).click();
    const result = await page.waitForFunction(
      (needle) => {
        const cm = document.querySelector('.graphiql-response .CodeMirror')?.CodeMirror;
        const text = cm ? cm.getValue() : '';
        return text.includes(needle) || text.includes('"errors"') ? text : false;
      },
      DEMO_TITLE,
      { timeout: TIMEOUT },
    );
    const text = await result.jsonValue();
    if (!text.includes(DEMO_TITLE)) throw new Error(`result pane: ${text.replace(/\s+/g, ' ').slice(0, 300)}`);
    const body = JSON.parse(text);
    const title = body.data.releases.edges[0].node.title;
    if (!TOKEN) return title;
    if (body.extensions?.authentication) throw new Error(`token from the headers editor refused: ${JSON.stringify(body.extensions.authentication)}`);
    if (!body.data.viewer) throw new Error('token from the headers editor not sent: viewer is null');
    return `${title} (as ${body.data.viewer.subject})`;
  });

  // Let late requests (e.g. a re-fetched schema) show up before judging the page.
  await page.waitForTimeout(500);
  await Promise.all(pending);
  report(foreign.length === 0, `GraphiQL loads nothing from another origin (${requests.length} requests)`, foreign.slice(0, 5).join(' '));
  report(problems.length === 0, 'GraphiQL: no console error, CSP violation, failed request or GraphQL error', problems.slice(0, 5).join(' | '));
  if (!ok || foreign.length > 0 || problems.length > 0) {
    const shot = `/tmp/newsroom-graphiql-failure-${Date.now()}.png`;
    await page.screenshot({ path: shot, fullPage: true }).catch(() => {});
    console.log(`     screenshot: ${shot}`);
  }
  await context.close();
}

// ---------------------------------------------------------------------------------------------

async function cors() {
  const page_html = '<!doctype html><html><head><meta charset="utf-8"><title>CORS check</title></head><body>CORS check page</body></html>';
  const serve = (port) =>
    new Promise((resolve, reject) => {
      const server = http.createServer((req, res) => {
        if (req.url === '/' || req.url === '/index.html') {
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
          res.end(page_html);
        } else {
          res.writeHead(404, { 'content-type': 'text/plain' });
          res.end('not found');
        }
      });
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve(server));
    });

  let allowed;
  let other;
  try {
    allowed = await serve(CORS_PAGE_PORT);
    other = await serve(CORS_OTHER_PORT);
  } catch (err) {
    report(false, `CORS: serve the check page on ports ${CORS_PAGE_PORT} and ${CORS_OTHER_PORT}`, err.message);
    allowed?.close();
    return;
  }

  const context = await browser.newContext();
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  // Runs in the page, so fetch() goes out with the page's Origin and CORS applies.
  const call = (args) =>
    page.evaluate(async ({ url, method, headers, body }) => {
      try {
        const res = await fetch(url, { method, headers, body, mode: 'cors', credentials: 'omit' });
        let json = null;
        const text = await res.text();
        try {
          json = JSON.parse(text);
        } catch {
          // a feed is JSON too; anything else is reported by status
        }
        return { status: res.status, json, text: text.slice(0, 300) };
      } catch (err) {
        return { error: `${err.name}: ${err.message}` };
      }
    }, args);
  const query = JSON.stringify({
    query: '{ viewer { subject roles } releases(first: 5) { edges { node { title slug } } } }',
  });
  const post = (headers = {}) =>
    call({ url: `${API}/graphql`, method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: query });
  const hasReleases = (r) => Array.isArray(r?.json?.data?.releases?.edges) && r.json.data.releases.edges.length > 0;
  const show = (r) => (r.error ? r.error : `HTTP ${r.status} ${r.text}`);

  try {
    const allowedOrigin = `http://127.0.0.1:${CORS_PAGE_PORT}`;
    await page.goto(`${allowedOrigin}/`);

    await step(`CORS: ${allowedOrigin} POSTs /graphql anonymously`, async () => {
      const r = await post();
      if (r.error || r.status !== 200 || !hasReleases(r)) throw new Error(show(r));
      return `${r.json.data.releases.edges.length} releases`;
    });

    await step(`CORS: ${allowedOrigin} POSTs /graphql with Authorization: Bearer`, async () => {
      if (!TOKEN) throw new Error('NEWSROOM_TOKEN is not set');
      const r = await post({ Authorization: `Bearer ${TOKEN}` });
      if (r.error || r.status !== 200 || !hasReleases(r)) throw new Error(show(r));
      if (r.json.extensions?.authentication) {
        throw new Error(`token not accepted: ${JSON.stringify(r.json.extensions.authentication)}`);
      }
      if (!r.json.data.viewer) throw new Error(`viewer is null: ${show(r)}`);
      return `viewer ${r.json.data.viewer.subject} (${r.json.data.viewer.roles.join(', ')})`;
    });

    await step(`CORS: ${allowedOrigin} GETs /feeds/releases.json`, async () => {
      const r = await call({ url: `${API}/feeds/releases.json`, method: 'GET', headers: {} });
      if (r.error || r.status !== 200) throw new Error(show(r));
      return `${r.json?.items?.length ?? '?'} items`;
    });

    const otherOrigin = `http://127.0.0.1:${CORS_OTHER_PORT}`;
    await page.goto(`${otherOrigin}/`);
    await step(`CORS: ${otherOrigin} (not allowed) is refused`, async () => {
      const r = await post();
      if (!r.error) throw new Error(`fetch() succeeded: ${show(r)}`);
      if (!r.error.startsWith('TypeError')) throw new Error(`expected a TypeError, got ${r.error}`);
      return r.error;
    });
  } finally {
    await context.close();
    allowed.close();
    other.close();
  }
}
