// app.js - the dashboard: loads the objects, stale list, limits and history from the JSON
// API, then follows /api/v1/events. Each event names what appeared, changed and vanished;
// when anything did, the lists are fetched again (the browser revalidates with the ETag, so
// an unchanged list costs a 304) and the rows named are highlighted. Deadlocks get a banner
// at the top that can narrow the table and the graph to their objects.
import { el, label, containerLabel, containerTitle, deadlockSteps } from './util.js';
import { renderCards } from './cards.js';
import { ObjectTable, setKindOrder } from './table.js';
import { renderDetail } from './detail.js';
import { renderGraph } from './graph.js';

const HISTORY_MAX = 240;
const $ = (id) => document.getElementById(id);

const state = {
  objects: [],
  byId: new Map(),
  stale: new Map(),
  limits: [],
  history: { kinds: [], samples: [] },
  kind: '',
  containers: new Map(), // id -> container, from the objects and the namespaces
  selected: null,
  lastSeen: null,
  deadlocks: [],
  focus: null, // a Set of identities the banner narrowed the table to, or null
  unread: 0, // processes the scan could not read
};

const table = new ObjectTable({
  tbody: $('rows'),
  thead: $('objects').tHead,
  caption: $('objects-caption'),
  more: $('more'),
  onSelect: select,
});

async function getJSON(url) {
  const r = await fetch(url, { headers: { Accept: 'application/json' } });
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return r.json();
}

function setStatus(text, cls) {
  const s = $('status');
  s.textContent = text;
  s.className = `status ${cls || ''}`;
}

// Kind rows for the cards: counts and bytes as the server sums them (the latest sample),
// stale counts from the stale list.
function kindRows() {
  const h = state.history;
  const last = h.samples[h.samples.length - 1];
  const stale = new Map();
  for (const id of state.stale.keys()) {
    const o = state.byId.get(id);
    if (o) stale.set(o.kind, (stale.get(o.kind) || 0) + 1);
  }
  // The rows' own sizes, so that a card's size agrees with the table's Size column (the
  // server's byte total is allocated or queued bytes, which the card names).
  const size = new Map();
  for (const o of state.objects) if (typeof o.size === 'number') size.set(o.kind, (size.get(o.kind) || 0) + o.size);
  return h.kinds.map((name, i) => ({
    name,
    count: last ? last.count[i] : 0,
    bytes: last ? last.bytes[i] : 0,
    size: size.has(name) ? size.get(name) : null,
    stale: stale.get(name) || 0,
  }));
}

function renderOverview() {
  renderCards($('cards'), $('totals'), kindRows(), state.limits, state.history, state.kind, pickKind);
}

function pickKind(kind) {
  state.kind = state.kind === kind ? '' : kind;
  $('kind-filter').value = state.kind;
  table.setFilter({ kind: state.kind });
  renderOverview();
}

function fillKindSelect() {
  const sel = $('kind-filter');
  if (sel.options.length > 1) return;
  for (const k of state.history.kinds) sel.append(el('option', { value: k, text: k }));
}

// Every container the document names (an object's, or a namespace's with no object yet).
function collectContainers(doc) {
  const m = new Map();
  for (const o of doc.objects) if (o.container) m.set(o.container.id, o.container);
  for (const n of doc.namespaces || []) if (n.container && !m.has(n.container.id)) m.set(n.container.id, n.container);
  return m;
}

// The container filter lists the containers present; a chosen one that has gone stays
// listed (marked) so that the table does not silently show everything again.
let containerOptions = null;
function fillContainerSelect() {
  const sel = $('container-filter');
  const chosen = sel.value;
  const cs = [...state.containers.values()].sort((a, b) => containerLabel(a).localeCompare(containerLabel(b)));
  // Rebuilt only when the containers change: a list open under the pointer stays open.
  const key = JSON.stringify([chosen, cs.map((c) => [c.id, c.name, c.runtime])]);
  if (key === containerOptions) return;
  containerOptions = key;
  const opts = [el('option', { value: '', text: 'all containers' }), el('option', { value: '-', text: 'no container' }),
    ...cs.map((c) => el('option', { value: c.id, title: containerTitle(c), text: `${containerLabel(c)} (${c.runtime})` }))];
  if (chosen && chosen !== '-' && !state.containers.has(chosen)) opts.push(el('option', { value: chosen, text: `${chosen.slice(0, 12)} (gone)` }));
  sel.replaceChildren(...opts);
  sel.value = chosen;
}

function drawGraph() {
  const focus = new Set(state.focus || []);
  if (state.selected) focus.add(state.selected);
  renderGraph($('graph'), state.objects, select, { focus, deadlocks: state.deadlocks });
}

// One step of a cycle: "12 (python3) waits (lock) on <object>, held by 13 (python3)".
function stepItem(s) {
  const o = state.byId.get(s.waits_on);
  const name = o ? `${o.kind} ${label(o)}` : s.waits_on;
  return el('li', { 'data-pid': String(s.pid) },
    `${s.pid} (${s.comm || '?'}) waits (${s.what}) on `,
    el('button', { type: 'button', class: 'link', title: s.waits_on, onclick: () => select(s.waits_on), text: name }),
    `, held by ${s.heldBy.pid} (${s.heldBy.comm || '?'})`);
}

function cycleIds(d) {
  return new Set(d.cycle.map((s) => s.waits_on));
}

function sameSet(a, b) {
  return !!a && !!b && a.size === b.size && [...a].every((x) => b.has(x));
}

// Narrow the table and the graph to a cycle's objects, or, when they already are, show all.
function focusCycle(d) {
  const ids = cycleIds(d);
  state.focus = sameSet(state.focus, ids) ? null : ids;
  table.setFilter({ ids: state.focus });
  renderBanner(true);
  drawGraph();
  if (state.focus) $('objects').scrollIntoView({ block: 'start' });
}

// The banner, rebuilt only when the cycles or the focus change (role=alert reads it out).
let bannerKey = null;
function renderBanner(force) {
  const div = $('deadlocks');
  const key = JSON.stringify([state.deadlocks, state.focus && [...state.focus]]);
  if (key === bannerKey && !force) return;
  bannerKey = key;
  if (state.focus && !state.deadlocks.some((d) => sameSet(cycleIds(d), state.focus))) {
    state.focus = null; // the cycle ended: show everything again
    table.setFilter({ ids: null });
  }
  div.hidden = !state.deadlocks.length;
  const n = state.deadlocks.length;
  div.replaceChildren(...(n ? [
    el('p', { class: 'deadlock-title' }, el('strong', { text: n === 1 ? 'Deadlock' : `${n} deadlocks` }),
      ': these processes each wait on an object another of them holds; none can go on.'),
    el('ol', { class: 'cycles' }, ...state.deadlocks.map((d) => el('li', { class: 'cycle' },
      el('ul', { class: 'steps' }, ...deadlockSteps(d.cycle).map(stepItem)),
      el('button', { type: 'button', class: 'focus-cycle', 'aria-pressed': sameSet(state.focus, cycleIds(d)) ? 'true' : 'false', onclick: () => focusCycle(d),
        text: sameSet(state.focus, cycleIds(d)) ? 'Show all objects' : 'Show only these objects' })))),
  ] : []));
}

function showDetail() {
  const aside = $('detail');
  const o = state.byId.get(state.selected);
  if (!state.selected) {
    aside.hidden = true;
    return;
  }
  if (!o) {
    $('detail-body').prepend(el('p', { class: 'gone', role: 'status', text: `This object vanished (last seen ${state.lastSeen || 'earlier'}).` }));
    return;
  }
  renderDetail($('detail-body'), $('detail-title'), o, state.stale.get(o.identity), state.containers, state.unread);
  aside.hidden = false;
}

function select(identity) {
  const opening = $('detail').hidden;
  state.selected = identity;
  table.select(identity);
  showDetail();
  drawGraph();
  if (opening) $('detail-close').focus();
}

function closeDetail() {
  const id = state.selected;
  state.selected = null;
  table.select(null);
  $('detail').hidden = true;
  drawGraph();
  const tr = id && document.querySelector(`tr[data-identity="${CSS.escape(id)}"] button`);
  if (tr) tr.focus();
}

// Fetch the lists again; one refresh at a time, a request made meanwhile runs after it.
let refreshing = null;
let again = false;
const pendingFlash = new Set();

async function refresh() {
  if (refreshing) {
    again = true;
    return refreshing;
  }
  refreshing = (async () => {
    do {
      again = false;
      const [objs, stale, limits] = await Promise.all([
        getJSON('/api/v1/objects'), getJSON('/api/v1/stale'), getJSON('/api/v1/limits')]);
      state.objects = objs.objects;
      state.byId = new Map(objs.objects.map((o) => [o.identity, o]));
      state.containers = collectContainers(objs);
      fillContainerSelect();
      state.stale = new Map(stale.stale.map((s) => [s.identity, s.evidence]));
      state.limits = limits.limits;
      state.deadlocks = objs.deadlocks || [];
      state.unread = objs.unread_processes || 0;
      state.lastSeen = new Date(objs.time).toLocaleTimeString();
      $('host').textContent = objs.host;
      $('scan-time').textContent = `scanned ${state.lastSeen}` + (objs.errors.length ? ` · ${objs.errors.length} scan error${objs.errors.length === 1 ? '' : 's'}` : '');
      $('scan-time').title = objs.errors.map((e) => `${e.source}: ${e.message}`).join('\n');
      const flash = new Set(pendingFlash);
      pendingFlash.clear();
      table.setData(state.objects, state.stale, flash, state.unread);
      setTimeout(() => { table.flash = new Set(); }, 2500);
      renderOverview();
      renderBanner();
      drawGraph();
      if (state.selected) showDetail();
      document.body.dataset.seq = String(objs.time);
    } while (again);
  })();
  try {
    await refreshing;
  } finally {
    refreshing = null;
  }
}

async function loadHistory() {
  state.history = await getJSON('/api/v1/history');
  setKindOrder(state.history.kinds);
  fillKindSelect();
}

// One event per scan: its totals extend the sparklines; what changed is fetched.
function onSnapshot(ev) {
  const e = JSON.parse(ev.data);
  const h = state.history;
  h.samples.push({
    time: Date.parse(e.time) / 1000,
    count: h.kinds.map((k) => (e.totals[k] ? e.totals[k].count : 0)),
    bytes: h.kinds.map((k) => (e.totals[k] ? e.totals[k].bytes : 0)),
  });
  if (h.samples.length > HISTORY_MAX) h.samples.splice(0, h.samples.length - HISTORY_MAX);
  document.body.dataset.eventSeq = String(e.seq);
  if (e.appeared.length || e.changed.length || e.vanished.length) {
    for (const id of e.appeared) pendingFlash.add(id);
    for (const id of e.changed) pendingFlash.add(id);
    setStatus(`live · ${e.appeared.length} new, ${e.changed.length} changed, ${e.vanished.length} gone`, 'live');
    refresh().catch(failed);
  } else {
    setStatus('live', 'live');
    renderOverview();
  }
}

function failed(err) {
  setStatus(`error: ${err.message}`, 'error');
}

function follow() {
  const es = new EventSource('/api/v1/events');
  es.addEventListener('open', () => setStatus('live', 'live'));
  es.addEventListener('snapshot', onSnapshot);
  es.addEventListener('resync', () => Promise.all([loadHistory(), refresh()]).catch(failed));
  es.addEventListener('error', () => setStatus('reconnecting…', 'error'));
}

function wireControls() {
  let t = null;
  $('search').addEventListener('input', (e) => {
    clearTimeout(t);
    t = setTimeout(() => table.setFilter({ text: e.target.value.trim() }), 150);
  });
  $('kind-filter').addEventListener('change', (e) => {
    state.kind = e.target.value;
    table.setFilter({ kind: state.kind });
    renderOverview();
  });
  $('container-filter').addEventListener('change', (e) => table.setFilter({ container: e.target.value }));
  $('stale-only').addEventListener('change', (e) => table.setFilter({ staleOnly: e.target.checked }));
  $('filters').addEventListener('submit', (e) => e.preventDefault());
  $('detail-close').addEventListener('click', closeDetail);
  // The graph is laid out for its width: drawn again when the window changes size.
  let rt = null;
  window.addEventListener('resize', () => {
    clearTimeout(rt);
    rt = setTimeout(drawGraph, 150);
  });
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && state.selected) closeDetail();
  });
}

async function main() {
  wireControls();
  try {
    await loadHistory();
    await refresh();
    document.body.dataset.ready = 'true';
  } catch (err) {
    failed(err);
  }
  follow();
}

main();
