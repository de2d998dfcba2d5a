// detail.js - the panel for one object: its namespace and container, its fill, every field
// the API gives, its holders (with their container and pid inside it) and, for semaphore
// sets, each semaphore; the threads waiting on it and, for a file lock, its range and the
// processes blocked on it.
import { el, bytes, fill, queued, label, shortId, containerLabel, containerTitle, waiterDetail, hasStatus, groupHolders, heldByFds } from './util.js';
import { barFill } from './cards.js';

const BYTE_FIELDS = new Set(['size', 'used_bytes', 'msgsize', 'rss', 'swap', 'allocated', 'rqueue', 'wqueue']);

// Flatten {"owner": {"user": "root"}} to [["owner.user", "root"]], leaving out the lists
// that get tables of their own.
function fields(o, prefix = '', out = []) {
  for (const [k, v] of Object.entries(o)) {
    if (k === 'holders' || k === 'semaphores' || k === 'waiters' || k === 'blocked') continue;
    const name = prefix ? `${prefix}.${k}` : k;
    if (v && typeof v === 'object' && !Array.isArray(v)) fields(v, name, out);
    else out.push([name, v]);
  }
  return out;
}

function value(name, v) {
  if (typeof v === 'number' && BYTE_FIELDS.has(name)) return `${bytes(v)} (${v.toLocaleString('en')} bytes)`;
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  return String(v);
}

function table(caption, heads, rows) {
  return el('table', { class: 'small-table' },
    el('caption', { text: caption }),
    el('thead', {}, el('tr', {}, ...heads.map((h) => el('th', { scope: 'col', text: h })))),
    el('tbody', {}, ...rows.map((r) => el('tr', {}, ...r.map((c, i) => (i === 0 ? el('th', { scope: 'row', text: c })
      : c instanceof Node ? el('td', {}, c) : el('td', { text: c })))))));
}

function fillBlock(o) {
  const f = fill(o);
  const q = queued(o);
  if (f === null && q === null) return null;
  let text;
  if (typeof o.messages === 'number' && typeof o.max_messages === 'number') text = `${o.messages} of ${o.max_messages} messages`;
  else if (typeof o.messages === 'number') text = `${o.messages} messages, ${bytes(q)} of ${bytes(o.size)}`;
  else if (f !== null) text = `${bytes(q)} of ${bytes(o.size)}`;
  else text = `${bytes(q)} queued`;
  return el('div', { class: 'fill-block' },
    el('p', { class: 'fill-label' }, el('strong', { text: f === null ? 'Queued' : `${Math.round(f * 100)}% full` }), ` · ${text}`),
    f === null ? null : el('span', { class: 'bar', role: 'meter', 'aria-valuemin': '0', 'aria-valuemax': '100', 'aria-valuenow': String(Math.round(f * 100)), 'aria-label': 'fill' },
      barFill(f, f >= 0.9 ? 'hot' : f >= 0.7 ? 'warm' : '')));
}

// A container by id as the page knows it (containers: Map id -> container), else its short id.
function containerCell(id, containers) {
  if (!id) return '–';
  const c = containers.get(id);
  return el('span', { class: 'container', title: c ? containerTitle(c) : id, text: c ? containerLabel(c) : shortId(id) });
}

// Where the object lives: its namespace and, when it has one, its container.
function whereBlock(o) {
  const c = o.container;
  return el('p', { class: 'where-block' },
    el('span', { class: 'muted', text: 'Namespace ' }), typeof o.ns === 'number' ? el('code', { text: String(o.ns) }) : '–',
    el('span', { class: 'muted', text: ' · Container ' }),
    c ? el('span', { class: 'container', title: containerTitle(c), text: containerLabel(c) }) : 'none',
    c ? el('span', { class: 'muted', text: ` (${c.runtime})` }) : null);
}

// When a waiter last ran (the kernel keeps no "asleep since"), as the local time.
function sinceText(since) {
  if (!since) return '–';
  const t = new Date(since);
  return Number.isNaN(t.getTime()) ? since : t.toLocaleString();
}

function waitersTable(o) {
  const ws = o.waiters || [];
  if (!ws.length) return null;
  const rows = ws.map((w) => [String(w.pid), typeof w.tid === 'number' ? String(w.tid) : '–', w.comm || '?', w.what, w.syscall || '–',
    typeof w.fd === 'number' ? String(w.fd) : '–', waiterDetail(w) || '–', sinceText(w.since)]);
  const t = table(`Waiters: ${ws.length} ${ws.length === 1 ? 'thread' : 'threads'} asleep on it`,
    ['PID', 'TID', 'Command', 'What', 'Syscall', 'FD', 'Detail', 'Last ran'], rows);
  t.classList.add('waiters-table');
  return t;
}

// A file lock: its type and mode, the byte range it covers and who is blocked on it.
function lockBlock(o) {
  const l = o.lock;
  if (!l) return null;
  const end = l.eof ? 'end of file' : typeof l.end === 'number' ? `byte ${l.end}` : '?';
  const blocked = o.blocked || [];
  return el('div', { class: 'lock-block' },
    el('p', {}, el('strong', { text: `${l.type} ${l.mode} lock` }), l.mandatory ? ' (mandatory)' : '',
      ` · bytes ${typeof l.start === 'number' ? l.start : '?'} to ${end}`,
      typeof l.pid === 'number' ? ` · taken by ${l.comm || '?'}[${l.pid}]` : ''),
    blocked.length
      ? el('p', {}, el('span', { class: 'muted', text: `Blocked on it (${blocked.length}): ` }),
        blocked.map((b) => `${b.comm || '?'}[${b.pid}]`).join(', '))
      : el('p', { class: 'muted', text: 'Nobody is blocked on it.' }));
}

// Nobody holds it, as far as the scan could see: with unread processes that is no proof.
function nobodyBlock(o, unread) {
  if (!unread || !heldByFds(o)) return el('p', { class: 'muted', text: 'No process holds it open or mapped.' });
  return el('p', { class: 'holders-unknown' }, el('strong', { text: 'Its holders may be incomplete. ' }),
    `No process the scan could read holds it, but ${unread} process${unread === 1 ? '' : 'es'} could not be read ` +
    '(permission denied: see the scan errors at the top), and one of them may hold it open or mapped.');
}

// unread: how many processes the scan could not read.
export function renderDetail(root, title, o, staleWhy, containers = new Map(), unread = 0) {
  title.textContent = label(o);
  // One row per process: its fds and mappings of the object inside it.
  const holders = groupHolders(o.holders).map((g) => [String(g.pid), g.comm || '?', g.fds.length ? g.fds.join(', ') : '–',
    g.maps.length ? el('span', {}, ...g.maps.flatMap((m, i) => [i ? el('br', {}) : null, el('code', { text: m })])) : '–', g.access,
    containerCell(g.container, containers), typeof g.nspid === 'number' ? String(g.nspid) : '–']);
  const sems = (o.semaphores || []).map((s) => [String(s.num), String(s.value), String(s.ncount), String(s.zcount), s.last ? `${s.last.comm || '?'}[${s.last.pid}]` : '–']);
  root.replaceChildren(...[
    el('p', { class: 'identity' }, el('code', { text: o.identity })),
    whereBlock(o),
    hasStatus(o, 'deadlock') ? el('p', { class: 'deadlock-why' }, el('span', { class: 'badge deadlock', text: 'deadlock' }),
      ' Its waiters wait on processes that wait on them: none can go on.') : null,
    staleWhy ? el('p', { class: 'stale-why' }, el('span', { class: 'badge stale', text: 'stale' }), ` ${staleWhy}`) : null,
    fillBlock(o),
    lockBlock(o),
    holders.length ? table(`Held by ${holders.length} ${holders.length === 1 ? 'process' : 'processes'} (${o.holders.length} ${o.holders.length === 1 ? 'descriptor or mapping' : 'descriptors and mappings'})`,
      ['PID', 'Command', 'FDs', 'Mappings', 'Access', 'Container', 'PID inside'], holders)
      : nobodyBlock(o, unread),
    waitersTable(o),
    sems.length ? table('Semaphores', ['#', 'Value', 'Waiting +', 'Waiting 0', 'Last op'], sems) : null,
    el('dl', { class: 'fields' }, ...fields(o).flatMap(([k, v]) => [el('dt', { text: k }), el('dd', { text: value(k.split('.').pop(), v) })])),
  ].filter(Boolean));
}
