// dashboard.mjs - the dashboard in headless Chromium (Debian's, driven by playwright-core;
// no browser is downloaded). Run by tests/http/test_browser.sh:
//
//   node dashboard.mjs URL GEN_JSON ARTIFACT_DIR [CONTAINER_JSON]
//
// GEN_JSON is what `ipcscope gen ... --hold -J` printed. CONTAINER_JSON, when given, is
// {"gen": what gen printed in the container, "id", "name", "ns": its IPC namespace}: those
// queues must show their container and namespace, and the container filter must select
// exactly them, or leave them out. The page must show each generated
// object with its holders, then, once this script has sent the generator SIGTERM, show them
// gone. Screenshots land in ARTIFACT_DIR. Any console error, page error or CSP violation
// fails the test.
//
// WAIT_JSON, when set, names {"block": gen's document of `sysv-msg --block receive`,
// "flock": gen's of `flock --fill 1`, "deadlock": [the two pids deadlocked on flocks]}: the
// queue's and the lock's rows must carry the waiter badge, their details the Waiters table
// (and the lock its blocked process), the graph a dashed waiter edge, and the banner the
// deadlock with both pids, its button narrowing the table to the cycle's objects.
//
// PAIRS_JSON names {"cross": the inodes of a unix socket pair between "parent" and
// "child", "inner": a pair both of whose ends the parent holds}: the graph must draw the
// first as one link labelled with both processes and leave the second out. ORPHAN is a
// POSIX shm name nobody holds: its detail must say whether its holders may be incomplete,
// as the document's unread_processes says.
import { mkdtempSync, readFileSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const [url, genPath, artifacts, ctrPath] = process.argv.slice(2);
const gen = JSON.parse(readFileSync(genPath, 'utf8'));
const ctr = ctrPath ? JSON.parse(readFileSync(ctrPath, 'utf8')) : null;
const waits = process.env.WAIT_JSON ? JSON.parse(readFileSync(process.env.WAIT_JSON, 'utf8')) : null;
const pairs = process.env.PAIRS_JSON ? JSON.parse(readFileSync(process.env.PAIRS_JSON, 'utf8')) : null;
const orphan = process.env.ORPHAN || null;
mkdirSync(artifacts, { recursive: true });

// problems: console errors, page errors and CSP violations, named with any failure.
const problems = [];
function fail(msg) {
  throw new Error(problems.length ? `${msg}\n${problems.join('\n')}` : msg);
}

// The server's document, as the page reads it (fetched here, not in the page).
async function objectsDoc() {
  const r = await fetch(new URL('/api/v1/objects', url));
  if (!r.ok) fail(`/api/v1/objects: HTTP ${r.status}`);
  return r.json();
}

// Sizes as the page prints them (util-linux style, base 1024: 36B, 1.5K, 12M).
function fmtBytes(n) {
  const units = ['B', 'K', 'M', 'G', 'T', 'P'];
  let i = 0;
  for (; n >= 1024 && i < units.length - 1; i++) n /= 1024;
  return i === 0 ? `${n}B` : `${n < 10 ? n.toFixed(1) : Math.round(n)}${units[i]}`;
}

// Progress on stderr, with the seconds since the start: a slow step shows in the log.
const t0 = Date.now();
function step(what) {
  console.error(`[${((Date.now() - t0) / 1000).toFixed(1)}s] ${what}`);
}

// How to find each generated object in the page: its kind, a search word that singles it
// out, and a test on the row's data-identity.
function targets() {
  const out = [];
  for (const m of gen.mechanisms) {
    for (const o of m.objects) {
      const t = { kind: o.kind, holders: (o.holders || []).map((h) => h.pid) };
      if (o.kind === 'pipe') {
        t.search = String(o.inode);
        t.match = (id) => id === `pipe:${o.inode}`;
      } else if (o.kind === 'posix-mq' || o.kind === 'posix-shm') {
        t.search = o.name;
        t.match = (id) => id.endsWith(`:${o.name}`);
      } else if (o.kind === 'sysv-msg' || o.kind === 'sysv-shm') {
        t.search = `0x${(o.key >>> 0).toString(16).padStart(8, '0')}`;
        t.match = (id) => id.startsWith(`${o.kind}:`) && id.endsWith(`:${o.id}`);
      } else {
        continue;
      }
      out.push(t);
    }
  }
  return out;
}

const profile = mkdtempSync(join(tmpdir(), 'ipcscope-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  viewport: { width: 1280, height: 900 },
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

// The search box waits 150 ms for typing to stop; give it time to apply.
async function filterTo(page, t) {
  await page.selectOption('#kind-filter', t.kind);
  await page.fill('#search', t.search);
  await page.waitForTimeout(400);
}

async function rowsFor(page, t) {
  const ids = await page.$$eval('#rows tr', (trs) => trs.map((tr) => tr.dataset.identity));
  return ids.filter(t.match);
}

async function waitFor(what, fn, ms = 20000) {
  const end = Date.now() + ms;
  for (;;) {
    const r = await fn();
    if (r) return r;
    if (Date.now() > end) fail(`timed out waiting for ${what}`);
    await new Promise((res) => setTimeout(res, 200));
  }
}

async function openDetail(page, id) {
  await page.locator(`#rows tr[data-identity="${id}"] button.link`).click();
  await page.waitForSelector('#detail:not([hidden])');
}

// The one row a filter leaves whose identity passes match, once it is there.
async function onlyRow(page, what, kind, search, match) {
  await filterTo(page, { kind, search });
  const ids = await waitFor(`${what} in the table`, async () => {
    const r = (await page.$$eval('#rows tr', (trs) => trs.map((tr) => tr.dataset.identity))).filter(match);
    return r.length ? r : null;
  });
  if (ids.length !== 1) fail(`${what}: ${ids.length} rows`);
  return ids[0];
}

// The row's ⏳ badge names the waiter as comm[pid]: what.
async function waitBadge(page, id, pid, what) {
  const sel = `#rows tr[data-identity="${id}"] td[data-label="Waiting"] .badge.waiters`;
  await waitFor(`the waiter badge of ${id}`, async () => {
    const title = await page.getAttribute(sel, 'title').catch(() => null);
    return title && title.includes(`[${pid}]: ${what}`);
  });
}

// The detail's Waiters table has a row for pid with what it waits for and its syscall.
async function waitersRow(page, id, pid, what, syscall) {
  const rows = await page.$$eval('#detail-body .waiters-table tbody tr', (trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
  if (!rows.some((r) => r[0] === String(pid) && r[3] === what && r[4] === syscall)) fail(`detail of ${id}: no waiter ${pid} ${what} ${syscall} in ${JSON.stringify(rows)}`);
}

async function checkQueueWaiter(page) {
  const o = waits.block.mechanisms[0].objects[0];
  const blocker = o.holders.find((h) => h.role === 'blocker').pid;
  const key = `0x${(o.key >>> 0).toString(16).padStart(8, '0')}`;
  const id = await onlyRow(page, `blocked queue ${key}`, 'sysv-msg', key, (i) => i.startsWith('sysv-msg:') && i.endsWith(`:${o.id}`));
  await waitBadge(page, id, blocker, 'receive');
  await openDetail(page, id);
  await waitersRow(page, id, blocker, 'receive', 'msgrcv');
  // Selected, the queue is drawn with its waiter's dashed edge.
  const edge = `#graph g.wait-edge[data-object="${id}"][data-pid="${blocker}"][data-what="receive"]`;
  await waitFor('the waiter edge in the graph', async () => !!(await page.$(edge)));
  if (await page.textContent(`${edge} text`) !== 'receive') fail('the waiter edge is not labelled receive');
  await page.screenshot({ path: join(artifacts, 'dashboard-waiter.png') });
  await page.click('#detail-close');
}

async function checkLockWaiter(page) {
  const o = waits.flock.mechanisms[0].objects[0];
  const waiter = o.holders.find((h) => h.role === 'waiter').pid;
  const id = await onlyRow(page, `lock ${o.name}`, 'lock', o.name, (i) => i.startsWith('lock:') && i.includes(`:${o.inode}:`));
  await waitBadge(page, id, waiter, 'lock');
  await openDetail(page, id);
  await waitersRow(page, id, waiter, 'lock', 'flock');
  const lock = await page.textContent('#detail-body .lock-block');
  if (!lock.includes('flock write lock') || !lock.includes('Blocked on it (1)') || !lock.includes(`[${waiter}]`)) fail(`lock detail: '${lock}'`);
  await page.click('#detail-close');
}

async function checkDeadlock(page) {
  const [a, b] = waits.deadlock;
  await waitFor('the deadlock banner', async () => {
    if (!(await page.isVisible('#deadlocks'))) return false;
    return page.$$eval('#deadlocks .cycle', (cs, pids) => cs.some((c) =>
      pids.every((p) => c.querySelector(`.steps li[data-pid="${p}"]`))), [a, b]);
  });
  const text = await page.textContent('#deadlocks');
  for (const p of [a, b]) if (!new RegExp(`${p} \\(python3\\) waits \\(lock\\) on lock .*held by`).test(text)) fail(`banner: '${text}'`);
  if (await page.getAttribute('#deadlocks', 'role') !== 'alert') fail('the banner is no alert');
  // Its button narrows the table to the cycle's two locks, both marked deadlock, and the
  // graph draws the cycle in red.
  const cycle = page.locator('#deadlocks .cycle').filter({ has: page.locator(`li[data-pid="${a}"]`) });
  await page.selectOption('#kind-filter', '');
  await page.fill('#search', '');
  await page.waitForTimeout(400);
  await cycle.locator('button.focus-cycle').click();
  const rows = await page.$$eval('#rows tr', (trs) => trs.map((tr) => [tr.dataset.identity, tr.classList.contains('deadlock'), !!tr.querySelector('.badge.deadlock')]));
  if (rows.length !== 2 || !rows.every(([id, cls, badge]) => id.startsWith('lock:') && cls && badge)) fail(`focused rows: ${JSON.stringify(rows)}`);
  await waitFor('the cycle in the graph', async () => (await page.$$('#graph g.wait-edge.deadlock')).length >= 2 &&
    (await page.$$('#graph g.obj.deadlock')).length >= 2);
  await page.screenshot({ path: join(artifacts, 'dashboard-deadlock.png') });
  await cycle.locator('button.focus-cycle').click();
  if ((await page.$$('#rows tr')).length <= 2) fail('showing all objects again left the table narrowed');
}

// Clicking anywhere on a row opens its detail, and so do Enter and Space on a focused row.
async function checkRowOpens(page, id) {
  const row = page.locator(`#rows tr[data-identity="${id}"]`);
  await row.locator('td[data-label="Owner"]').click();
  await page.waitForSelector('#detail:not([hidden])');
  if (await page.textContent('#detail-body .identity') !== id) fail(`a click on the row of ${id} opened ${await page.textContent('#detail-body .identity')}`);
  await page.click('#detail-close');
  await row.focus();
  await page.keyboard.press('Enter');
  await page.waitForSelector('#detail:not([hidden])');
  await page.click('#detail-close');
  await row.focus();
  await page.keyboard.press(' ');
  await page.waitForSelector('#detail:not([hidden])');
  await page.click('#detail-close');
  // The table is drawn anew when a scan changes something: a focused row keeps the focus.
  await row.focus();
  const seq = await page.getAttribute('body', 'data-seq');
  const redrawn = await waitFor('a refresh', async () => (await page.getAttribute('body', 'data-seq')) !== seq, 8000).catch(() => false);
  if (redrawn) {
    const still = await page.evaluate(() => document.activeElement && document.activeElement.dataset && document.activeElement.dataset.identity);
    if (still !== id) fail(`after a refresh the focus is on ${still}, not the row of ${id}`);
    await page.keyboard.press('Enter');
    await page.waitForSelector('#detail:not([hidden])');
    await page.click('#detail-close');
  } else {
    step('no refresh within 8 s: focus across a redraw not checked');
  }
}

// One line per process in "Held by", its fds and mappings inside; the detail's holders table
// likewise, one row per process.
async function checkHolderGroups(page, t, id) {
  const doc = await objectsDoc();
  const o = doc.objects.find((x) => x.identity === id);
  const pids = [...new Set(o.holders.map((h) => h.pid))];
  const lis = await page.$$eval(`#rows tr[data-identity="${id}"] td[data-label="Held by"] li[data-pid]`, (ls) => ls.map((l) => [l.dataset.pid, l.textContent]));
  if (lis.length !== Math.min(3, pids.length) || new Set(lis.map((l) => l[0])).size !== lis.length) fail(`${id}: Held by ${JSON.stringify(lis)} for pids ${pids}`);
  for (const [pid, text] of lis) {
    const hs = o.holders.filter((h) => String(h.pid) === pid);
    const fds = hs.filter((h) => typeof h.fd === 'number').map((h) => h.fd);
    if (fds.length && !text.includes(`fd ${fds.join(', ')}`)) fail(`${id}: '${text}' lacks fd ${fds}`);
    if (hs.some((h) => h.map) && !/mapped|mappings/.test(text)) fail(`${id}: '${text}' does not say it is mapped`);
  }
  if (!o.holders.some((h) => h.map) || !o.holders.some((h) => typeof h.fd === 'number')) fail(`${id}: the generator's object has no fd and mapping to group: ${JSON.stringify(o.holders)}`);
  await page.locator(`#rows tr[data-identity="${id}"] button.link`).click();
  await page.waitForSelector('#detail:not([hidden])');
  const rows = await page.$$eval('#detail-body table:first-of-type tbody tr', (trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
  if (rows.length !== pids.length) fail(`${id}: the holders table has ${rows.length} rows for ${pids.length} processes`);
  await page.click('#detail-close');
}

// Fill shows the bytes waiting beside the percentage, and never "0%" while bytes wait.
async function checkFillBytes(page, id) {
  const cell = await page.textContent(`#rows tr[data-identity="${id}"] td[data-label="Fill"]`);
  const doc = await objectsDoc();
  const o = doc.objects.find((x) => x.identity === id);
  if (!(o.used_bytes > 0)) fail(`${id}: the generator left no bytes in it (${o.used_bytes})`);
  const want = fmtBytes(o.used_bytes);
  if (!cell.includes(`· ${want}`) || / 0%/.test(cell)) fail(`${id}: Fill '${cell}' for ${o.used_bytes} bytes (${want})`);
}

// The posix-shm card names what its byte figure counts and gives the rows' size beside it.
async function checkShmCard(page) {
  const doc = await objectsDoc();
  const want = fmtBytes(doc.objects.filter((o) => o.kind === 'posix-shm' && typeof o.size === 'number').reduce((a, o) => a + o.size, 0));
  await waitFor('the posix-shm card', async () => {
    const bytes = await page.textContent('#cards li[data-kind="posix-shm"] .bytes').catch(() => null);
    const size = await page.textContent('#cards li[data-kind="posix-shm"] .size').catch(() => null);
    return bytes && bytes.endsWith('allocated') && size === `${want} size`;
  });
}

// An object nobody readable holds: with unread processes its holders may be incomplete.
async function checkUnknownHolders(page) {
  const doc = await objectsDoc();
  const id = await onlyRow(page, `orphan ${orphan}`, 'posix-shm', orphan, (i) => i.endsWith(`:${orphan}`));
  const held = await page.textContent(`#rows tr[data-identity="${id}"] td[data-label="Held by"]`);
  await openDetail(page, id);
  const body = await page.textContent('#detail-body');
  if (doc.unread_processes) {
    if (held !== 'nobody readable') fail(`${id}: Held by '${held}' with ${doc.unread_processes} unread processes`);
    if (!body.includes('may be incomplete') || !body.includes(`${doc.unread_processes} process`)) fail(`${id}: detail '${body.slice(0, 300)}'`);
  } else if (held !== 'nobody' || !body.includes('No process holds it')) {
    fail(`${id}: every process read, yet '${held}' / '${body.slice(0, 200)}'`);
  }
  await page.click('#detail-close');
  return !!doc.unread_processes;
}

// The graph: one link for the socket pair between two processes, none for the pair inside
// one, commands grouped until opened, a process focused with its neighbours, no "null".
async function checkGraph(page) {
  const textNodes = await page.$eval('#graph', (g) => [...g.childNodes].filter((n) => n.nodeType === 3).map((n) => n.textContent));
  if (textNodes.length) fail(`stray text in the graph: ${JSON.stringify(textNodes)}`);
  const [a, b] = pairs.cross.map((i) => `unix:${i}`);
  const inner = pairs.inner.map((i) => `unix:${i}`);
  // Select one end in the table: the selected object is drawn first.
  await filterTo(page, { kind: 'unix', search: String(pairs.cross[0]) });
  await waitFor('the socket pair in the table', async () => !!(await page.$(`#rows tr[data-identity="${a}"]`)));
  await page.locator(`#rows tr[data-identity="${a}"] td[data-label="Kind"]`).click();
  await page.waitForSelector('#detail:not([hidden])');
  const links = await waitFor('the socket pair in the graph', async () => {
    const ls = await page.$$eval('#graph g.obj', (gs) => gs.map((g) => [g.dataset.identities, g.getAttribute('aria-label')]));
    return ls.some(([ids]) => ids.split(' ').includes(a)) ? ls : null;
  });
  const link = links.filter(([ids]) => ids.split(' ').includes(a) || ids.split(' ').includes(b));
  if (link.length !== 1 || !link[0][0].split(' ').includes(b)) fail(`socket pair ${a}/${b}: drawn as ${JSON.stringify(link)}`);
  if (!link[0][1].includes(`[${pairs.parent}]`) || !link[0][1].includes(`[${pairs.child}]`)) fail(`socket pair label '${link[0][1]}'`);
  if (links.some(([ids]) => inner.some((i) => ids.split(' ').includes(i)))) fail('a socket pair inside one process is drawn');
  await page.click('#detail-close');
  // The python3 processes are one node until it is opened.
  const group = '#graph g.proc.group[data-group="python3"]';
  await waitFor('the python3 group', async () => !!(await page.$(group)));
  if (await page.$(`#graph g.proc[data-pid="${pairs.parent}"]`)) fail('python3 processes drawn one by one before the group was opened');
  await page.locator(group).first().click();
  const proc = `#graph g.proc[data-pid="${pairs.parent}"]`;
  await waitFor('the parent as its own node', async () => !!(await page.$(proc)));
  // Focused, the parent is drawn with what it talks through (the pair, and the pipes of
  // stdout and stderr it shares with the shell), and nothing it does not hold.
  const before = (await page.$$('#graph g.obj')).length;
  await page.locator(proc).first().click();
  await page.waitForSelector('#graph .graph-focus');
  const focusedIds = await page.$$eval('#graph g.obj', (gs) => gs.map((g) => g.dataset.identities.split(' ')));
  const held = new Set((await objectsDoc()).objects.filter((o) => o.holders.some((h) => h.pid === pairs.parent)).map((o) => o.identity));
  if (!focusedIds.some((ids) => ids.includes(a))) fail(`focused on ${pairs.parent}: no socket pair in ${JSON.stringify(focusedIds)}`);
  for (const ids of focusedIds) if (!ids.some((i) => held.has(i))) fail(`focused on ${pairs.parent}: ${ids} is drawn, which it does not hold`);
  if (focusedIds.length >= before) fail(`focused on ${pairs.parent}: ${focusedIds.length} objects drawn, as many as before (${before})`);
  await page.screenshot({ path: join(artifacts, 'dashboard-graph-focus.png') });
  await page.click('#graph button.show-all');
  if (await page.$('#graph .graph-focus')) fail('Show all left the focus on');
  await page.click('#graph button.regroup');
  await waitFor('the group again', async () => !!(await page.$(group)));
  await page.selectOption('#kind-filter', '');
  await page.fill('#search', '');
  await page.waitForTimeout(400);
}

try {
  const page = context.pages()[0] || await context.newPage();
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`page error: ${e}`));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`));
  });
  step('loading the page');
  await page.goto(url);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 15000 });
  const status = await page.textContent('#status');
  if (!/live|connecting/.test(status)) fail(`status '${status}'`);
  await waitFor('the event stream', async () => /live/.test(await page.textContent('#status')));

  // Accessible table markup.
  const caption = await page.textContent('#objects caption');
  if (!/objects/.test(caption)) fail(`caption '${caption}'`);
  if ((await page.$$('#objects thead th[scope="col"][aria-sort]')).length < 5) fail('column headers without scope/aria-sort');

  // Every generated object is in the table, with the holders the generator reported.
  step('the generated objects');
  const ts = targets();
  if (ts.length < 3) fail(`only ${ts.length} generated objects to look for`);
  for (const t of ts) {
    await filterTo(page, t);
    const ids = await waitFor(`${t.kind} ${t.search} in the table`, async () => {
      const r = await rowsFor(page, t);
      return r.length ? r : null;
    });
    if (ids.length !== 1) fail(`${t.kind} ${t.search}: ${ids.length} rows`);
    const row = page.locator(`#rows tr[data-identity="${ids[0]}"]`);
    if (t.kind === 'sysv-msg') {
      // Nothing holds a SysV queue through an fd: its detail names the last sender.
      await row.locator('button.link').click();
      await page.waitForSelector('#detail:not([hidden])');
      const detail = await page.textContent('#detail-body');
      if (!t.holders.some((p) => detail.includes(String(p)))) fail(`sysv-msg detail names none of ${t.holders}`);
      await page.click('#detail-close');
      continue;
    }
    const held = await row.locator('td[data-label="Held by"]').textContent();
    for (const pid of t.holders) {
      if (!held.includes(`[${pid}]`)) fail(`${ids[0]}: 'Held by' is '${held}', lacks pid ${pid}`);
    }
  }

  // The detail panel of the pipe: holders table and fill bar.
  const pipe = ts.find((t) => t.kind === 'pipe');
  await filterTo(page, pipe);
  const pipeId = (await rowsFor(page, pipe))[0];
  await page.locator(`#rows tr[data-identity="${pipeId}"] button.link`).click();
  await page.waitForSelector('#detail:not([hidden])');
  const holderRows = await page.$$eval('#detail-body table tbody tr', (trs) => trs.map((tr) => tr.textContent));
  for (const pid of pipe.holders) {
    if (!holderRows.some((r) => r.includes(String(pid)))) fail(`detail of ${pipeId}: no holder row for ${pid}`);
  }
  if (!(await page.$('#detail-body [role="meter"]'))) fail('no fill bar in the pipe detail');
  await page.screenshot({ path: join(artifacts, 'dashboard-detail.png') });
  await page.click('#detail-close');

  step('checkRowOpens'); await checkRowOpens(page, pipeId);
  step('checkFillBytes'); await checkFillBytes(page, pipeId);
  const shm = ts.find((t) => t.kind === 'posix-shm');
  await filterTo(page, shm);
  step('checkHolderGroups'); await checkHolderGroups(page, shm, (await rowsFor(page, shm))[0]);
  step('checkShmCard'); await checkShmCard(page);
  step('checkUnknownHolders');
  const unknown = orphan ? await checkUnknownHolders(page) : null;
  step('checkGraph');
  if (pairs) await checkGraph(page);

  // Holders show their container and their pid inside it.
  const holderHeads = await page.$$eval('#detail-body table thead th', (ths) => ths.map((th) => th.textContent));
  if (!holderHeads.includes('Container') || !holderHeads.includes('PID inside')) fail(`holder columns: ${holderHeads}`);

  // The container and namespace column, and the container filter.
  if (!(await page.$('th[data-key="container"][scope="col"][aria-sort]'))) fail('no container column');
  const filterOpts = await page.$$eval('#container-filter option', (os) => os.map((o) => o.value));
  if (filterOpts[0] !== '' || filterOpts[1] !== '-') fail(`container filter options: ${filterOpts}`);
  if (ctr) {
    const queues = ctr.gen.mechanisms.flatMap((m) => m.objects).map((o) => `sysv-msg:${ctr.ns}:${o.id}`);
    await page.selectOption('#kind-filter', '');
    await page.fill('#search', '');
    await waitFor('the container in the filter', async () =>
      (await page.$$eval('#container-filter option', (os) => os.map((o) => o.value))).includes(ctr.id));
    await page.selectOption('#container-filter', ctr.id);
    await page.waitForTimeout(300);
    const rows = await page.$$eval('#rows tr', (trs) => trs.map((tr) => {
      const td = tr.querySelector('td[data-label="Container · NS"]');
      const c = td.querySelector('.container');
      return { id: tr.dataset.identity, name: c ? c.textContent : null, title: c ? c.title : null, ns: td.querySelector('.ns')?.textContent };
    }));
    for (const q of queues) if (!rows.some((r) => r.id === q)) fail(`container filter: ${q} missing from ${rows.map((r) => r.id)}`);
    for (const r of rows) {
      if (r.name !== ctr.name) fail(`container filter: ${r.id} shows container '${r.name}'`);
      if (!r.title.includes('docker') || !r.title.includes(ctr.id)) fail(`${r.id}: container title '${r.title}'`);
    }
    for (const q of queues) {
      const ns = rows.find((r) => r.id === q).ns;
      if (ns !== `ns ${ctr.ns}`) fail(`${q}: NS cell '${ns}'`);
    }
    await page.locator(`#rows tr[data-identity="${queues[0]}"] button.link`).click();
    await page.waitForSelector('#detail:not([hidden])');
    const where = await page.textContent('#detail-body .where-block');
    if (!where.includes(String(ctr.ns)) || !where.includes(ctr.name) || !where.includes('docker')) fail(`detail of ${queues[0]}: '${where}'`);
    await page.screenshot({ path: join(artifacts, 'dashboard-container.png') });
    await page.click('#detail-close');
    await page.selectOption('#container-filter', '-');
    await page.waitForTimeout(300);
    const outside = await page.$$eval('#rows tr', (trs) => trs.map((tr) => [tr.dataset.identity, !!tr.querySelector('.where .container')]));
    if (!outside.length) fail('no container: no rows');
    for (const [id, has] of outside) {
      if (queues.includes(id) || has) fail(`no container: ${id} is in one`);
    }
  }
  await page.selectOption('#container-filter', '');

  // Sorting flips aria-sort.
  await page.selectOption('#kind-filter', '');
  await page.fill('#search', '');
  await page.waitForTimeout(400);
  await page.click('th[data-key="size"] button');
  if (await page.getAttribute('th[data-key="size"]', 'aria-sort') !== 'ascending') fail('sort by size: not ascending');
  await page.click('th[data-key="size"] button');
  if (await page.getAttribute('th[data-key="size"]', 'aria-sort') !== 'descending') fail('sort by size: not descending');
  await page.click('th[data-key="kind"] button');

  // Waiters and deadlocks.
  if (waits) {
    step('checkQueueWaiter'); await checkQueueWaiter(page);
    step('checkLockWaiter'); await checkLockWaiter(page);
    step('checkDeadlock'); await checkDeadlock(page);
    await page.selectOption('#kind-filter', '');
    await page.fill('#search', '');
    await page.waitForTimeout(400);
  }

  // The overview and the flow graph are drawn: one card per kind, file locks too.
  const kinds = await page.$$eval('#kind-filter option', (os) => os.map((o) => o.value).filter(Boolean));
  const cards = await page.$$eval('#cards li.card', (ls) => ls.map((l) => l.dataset.kind));
  if (JSON.stringify(cards) !== JSON.stringify(kinds)) fail(`cards ${cards} are not one per kind ${kinds}`);
  // Every kind has a card, those of fds and signals too (the kinds table is the list).
  if (!['lock', 'eventfd', 'signalfd', 'signal'].every((k) => cards.includes(k))) fail(`cards: ${cards}`);
  if (!(await page.$('#graph svg.flow, #graph p'))) fail('no flow graph');
  await page.screenshot({ path: join(artifacts, 'dashboard.png') });
  await page.screenshot({ path: join(artifacts, 'dashboard-full.png'), fullPage: true });

  // A phone.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(artifacts, 'dashboard-phone.png') });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  if (overflow > 1) fail(`the page is ${overflow}px wider than a phone`);
  // The graph is drawn for the phone's width: nothing to scroll sideways.
  await waitFor('the graph at phone width', async () => page.$eval('#graph', (g) => {
    const s = g.querySelector('svg.flow');
    return !s || (g.scrollWidth <= g.clientWidth + 1 && s.getBoundingClientRect().width <= window.innerWidth);
  }));
  await page.setViewportSize({ width: 1280, height: 900 });

  // The generator exits: its objects vanish from the page without a reload.
  process.kill(gen.pid, 'SIGTERM');
  for (const t of ts) {
    await filterTo(page, t);
    await waitFor(`${t.kind} ${t.search} to vanish`, async () => (await rowsFor(page, t)).length === 0);
  }
  await page.selectOption('#kind-filter', '');
  await page.fill('#search', '');
  await page.screenshot({ path: join(artifacts, 'dashboard-after.png') });

  if (problems.length) fail(problems.join('\n'));
  console.log(`ok: ${ts.length} generated objects shown with their holders, then gone` +
    (waits ? `; waiters on a queue and a lock, the deadlock of ${waits.deadlock}` : '; waiters not checked') +
    (ctr ? `; ${ctr.name}'s queues by container and namespace` : '; no container to filter by') +
    (pairs ? '; the socket pair as one link, the inner pair left out, python3 grouped and focused' : '') +
    (unknown === null ? '' : unknown ? '; holders said incomplete (unread processes)' : '; every process read'));
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
