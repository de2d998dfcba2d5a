// table.js - the table of every object: sort by any column (aria-sort says which), filter by
// kind, container, stale and free text, rows drawn a page at a time so that 10,000 objects
// stay quick. Rows with waiters carry a ⏳ badge, rows in a deadlock are marked. A row opens
// the object's detail when clicked, or with Enter or Space when focused.
import { el, bytes, fill, queued, label, holderText, waiterText, hasStatus, containerLabel, containerTitle, groupHolders, viaText, heldByFds } from './util.js';
import { barFill } from './cards.js';

const PAGE = 300;

// Sort keys per column; each returns a string or a number.
// Kinds sort in the order of the kinds table (SysV, POSIX, streams, sockets), not by name.
let kindOrder = new Map();
export function setKindOrder(kinds) {
  kindOrder = new Map(kinds.map((k, i) => [k, i]));
}

const keys = {
  kind: (o) => (kindOrder.has(o.kind) ? kindOrder.get(o.kind) : 99),
  label: (o) => label(o).toLowerCase(),
  // Objects outside containers first, then by container, then by namespace.
  container: (o) => `${o.container ? `1${containerLabel(o.container).toLowerCase()}` : '0'} ${String(o.ns || 0).padStart(20, '0')}`,
  owner: (o) => (o.owner && (o.owner.user || String(o.owner.uid))) || '',
  size: (o) => (typeof o.size === 'number' ? o.size : -1),
  fill: (o) => { const f = fill(o); return f === null ? -1 : f; },
  holders: (o) => groupHolders(o.holders).length,
  waiters: (o) => (o.waiters ? o.waiters.length : 0),
  status: (o) => o.status || '',
};

// "⏳ N" for an object with waiters, its title one "comm[pid]: what" line per waiter.
function waitersBadge(o) {
  const ws = o.waiters || [];
  if (!ws.length) return el('span', { class: 'muted', text: '–' });
  return el('span', { class: 'badge waiters', 'data-waiters': String(ws.length), title: ws.map(waiterText).join('\n') },
    el('span', { 'aria-hidden': 'true', text: '⏳ ' }), String(ws.length), el('span', { class: 'visually-hidden', text: ' waiting' }));
}

function statusBadge(o, word) {
  if (word === 'partial') return el('span', { class: 'badge partial', title: o.partial || null, text: word });
  if (word === 'deadlock') return el('span', { class: 'badge deadlock', title: 'in a deadlock: see the banner above', text: word });
  return el('span', { class: 'badge', text: word });
}

// A fill as a whole percentage, never 0% while something is queued (36 bytes in a 64K
// pipe is "<1%").
export function fillPercent(f, q) {
  const p = Math.round(f * 100);
  return p === 0 && q > 0 ? '<1%' : `${p}%`;
}

export class ObjectTable {
  constructor({ tbody, thead, caption, more, onSelect }) {
    this.tbody = tbody;
    this.caption = caption;
    this.more = more;
    this.onSelect = onSelect;
    this.sortKey = 'kind';
    this.sortDir = 1;
    this.limit = PAGE;
    this.filter = { text: '', kind: '', container: '', staleOnly: false, ids: null };
    this.objects = [];
    this.stale = new Map();
    this.flash = new Set();
    this.unread = 0;
    this.selected = null;
    this.ths = [...thead.querySelectorAll('th[data-key]')];
    for (const th of this.ths) {
      th.querySelector('button').addEventListener('click', () => this.sortBy(th.dataset.key));
    }
    more.addEventListener('click', () => { this.limit += PAGE; this.render(); });
    this.updateSortMarks();
  }

  sortBy(key) {
    if (this.sortKey === key) this.sortDir = -this.sortDir;
    else { this.sortKey = key; this.sortDir = 1; }
    this.updateSortMarks();
    this.render();
  }

  updateSortMarks() {
    for (const th of this.ths) {
      th.setAttribute('aria-sort', th.dataset.key !== this.sortKey ? 'none' : this.sortDir > 0 ? 'ascending' : 'descending');
    }
  }

  setFilter(f) {
    Object.assign(this.filter, f);
    this.limit = PAGE;
    this.render();
  }

  // objects: the API's array; stale: Map identity -> evidence; flash: identities to highlight;
  // unread: how many processes the scan could not read (their holds are unknown).
  setData(objects, stale, flash, unread = 0) {
    this.objects = objects;
    this.stale = stale;
    this.flash = flash;
    this.unread = unread;
    this.render();
  }

  matches(o) {
    const f = this.filter;
    if (f.kind && o.kind !== f.kind) return false;
    // container: '' any, '-' objects in no container, else a container's id.
    if (f.container === '-' && o.container) return false;
    if (f.container && f.container !== '-' && (!o.container || o.container.id !== f.container)) return false;
    if (f.staleOnly && !this.stale.has(o.identity)) return false;
    // ids: a Set of identities (the objects of a deadlock), or null for any.
    if (f.ids && !f.ids.has(o.identity)) return false;
    if (!f.text) return true;
    const t = f.text.toLowerCase();
    const hay = [o.identity, o.name, o.key, o.local, o.peer, o.owner && o.owner.user, o.status,
      o.container && o.container.id, o.container && o.container.name,
      ...o.holders.map((h) => `${h.comm} ${h.pid}`), ...(o.waiters || []).map((w) => `${w.comm} ${w.pid} ${w.what}`)];
    return hay.some((s) => s !== undefined && s !== null && String(s).toLowerCase().includes(t));
  }

  render() {
    const get = keys[this.sortKey];
    const dir = this.sortDir;
    const rows = this.objects.filter((o) => this.matches(o));
    rows.sort((a, b) => {
      const x = get(a);
      const y = get(b);
      if (x < y) return -dir;
      if (x > y) return dir;
      return a.identity < b.identity ? -1 : 1;
    });
    const shown = rows.slice(0, this.limit);
    // The rows are drawn anew with each scan: a row (or its name's button) that had the
    // keyboard focus gets it back, so that Enter still opens what the person is on.
    const active = document.activeElement;
    const focusedRow = active && this.tbody.contains(active) ? active.closest('tr[data-identity]') : null;
    const focusId = focusedRow ? focusedRow.dataset.identity : null;
    const onButton = focusedRow && active !== focusedRow;
    this.tbody.replaceChildren(...shown.map((o) => this.row(o)));
    if (focusId) {
      const tr = this.tbody.querySelector(`tr[data-identity="${CSS.escape(focusId)}"]`);
      const target = tr && (onButton ? tr.querySelector('button') : tr);
      if (target) target.focus({ preventScroll: true });
    }
    this.caption.textContent = rows.length === this.objects.length
      ? `${rows.length.toLocaleString('en')} objects` + (shown.length < rows.length ? `, first ${shown.length} shown` : '')
      : `${rows.length.toLocaleString('en')} of ${this.objects.length.toLocaleString('en')} objects match` + (shown.length < rows.length ? `, first ${shown.length} shown` : '');
    this.more.hidden = shown.length >= rows.length;
  }

  row(o) {
    const f = fill(o);
    const why = this.stale.get(o.identity);
    const q = queued(o);
    const groups = groupHolders(o.holders);
    const holders = groups.length
      ? el('ul', { class: 'holders' }, ...groups.slice(0, 3).map((g) => el('li', { 'data-pid': String(g.pid) },
        `${holderText(g)} ${g.access}`, el('span', { class: 'via muted', text: ` ${viaText(g)}` }))),
        groups.length > 3 ? el('li', { class: 'muted', text: `+${groups.length - 3} more` }) : null)
      : this.unread && heldByFds(o)
        ? el('span', { class: 'muted unknown', title: `${this.unread} process${this.unread === 1 ? '' : 'es'} could not be read: one of them may hold it`, text: 'nobody readable' })
        : el('span', { class: 'muted', text: 'nobody' });
    const open = () => this.onSelect(o.identity);
    const tr = el('tr', {
      'data-identity': o.identity,
      tabindex: '0',
      'aria-label': `${o.kind} ${label(o)}: open details`,
      class: [this.flash.has(o.identity) ? 'flash' : '', this.selected === o.identity ? 'selected' : '',
        hasStatus(o, 'deadlock') ? 'deadlock' : ''].join(' ').trim() || null,
      onclick: (e) => { if (!e.target.closest('button, a')) open(); },
      onkeydown: (e) => { if ((e.key === 'Enter' || e.key === ' ') && e.target === e.currentTarget) { e.preventDefault(); open(); } },
    },
    el('td', { 'data-label': 'Kind' }, el('span', { class: `kind-tag k-${o.kind}`, text: o.kind })),
    el('th', { scope: 'row', 'data-label': 'Object' },
      el('button', { type: 'button', class: 'link', onclick: () => this.onSelect(o.identity), title: o.identity, text: label(o) })),
    el('td', { 'data-label': 'Container · NS', class: 'where' },
      o.container ? el('span', { class: 'container', title: containerTitle(o.container), text: containerLabel(o.container) })
        : el('span', { class: 'muted', title: 'in no container', text: '–' }),
      typeof o.ns === 'number' ? el('span', { class: 'ns muted', title: `namespace inode ${o.ns}`, text: `ns ${o.ns}` }) : null),
    el('td', { 'data-label': 'Owner', text: (o.owner && (o.owner.user || o.owner.uid)) ?? '–' }),
    el('td', { class: 'num', 'data-label': 'Size' }, typeof o.size === 'number' ? bytes(o.size) : '–',
      typeof o.allocated === 'number' ? el('span', { class: 'alloc muted', title: 'memory the kernel allocated for it', text: ` · ${bytes(o.allocated)} allocated` }) : null),
    el('td', { class: 'num', 'data-label': 'Fill' }, f === null ? (q ? `${bytes(q)} queued` : '–')
      : el('span', { class: 'fill' }, el('span', { class: 'bar small', 'aria-hidden': 'true' }, barFill(f, f >= 0.9 ? 'hot' : f >= 0.7 ? 'warm' : '')),
        ` ${fillPercent(f, q)}`, q !== null ? el('span', { class: 'queued muted', text: ` · ${bytes(q)}` }) : null)),
    el('td', { 'data-label': 'Held by' }, holders),
    el('td', { 'data-label': 'Waiting' }, waitersBadge(o)),
    el('td', { 'data-label': 'Status' },
      why ? el('span', { class: 'badge stale', title: why, text: 'stale' }) : null,
      ...(o.status ? o.status.split(',') : []).map((w) => statusBadge(o, w))));
    return tr;
  }

  select(identity) {
    this.selected = identity;
    for (const tr of this.tbody.querySelectorAll('tr.selected')) tr.classList.remove('selected');
    if (identity) {
      const tr = this.tbody.querySelector(`tr[data-identity="${CSS.escape(identity)}"]`);
      if (tr) tr.classList.add('selected');
    }
  }
}
