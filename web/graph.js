// graph.js - who talks to whom: process -> object -> process. Writers stand on the left,
// the objects they share in the middle and readers on the right; a process that both reads
// and writes appears on both sides. Drawn are the objects held by two or more processes and
// those with waiters: a waiting thread's process stands on the left, its edge dashed and
// labelled with what it waits for. The edges of a deadlock cycle (a process waiting on an
// object, the object's holder that waits in turn) are drawn in red; so are the objects.
// Focused objects (the selected one, a deadlock's) are drawn first.
import { el, svg, label, hasStatus } from './util.js';

const MAX_OBJECTS = 40;
const ROW = 34;

function procKey(h) {
  return `${h.pid}`;
}

function drawn(o) {
  return new Set(o.holders.map(procKey)).size >= 2 || (o.waiters && o.waiters.length > 0);
}

// Focused objects first, then those in a deadlock, then the busiest.
function rank(o, focus) {
  return focus.has(o.identity) ? 0 : hasStatus(o, 'deadlock') ? 1 : 2;
}

// The edges of the deadlock cycles as "pid>identity" (a process waits on the object) and
// "identity<pid" (the process holds the object another one of the cycle waits on).
function cycleEdges(deadlocks) {
  const out = new Set();
  for (const d of deadlocks) {
    d.cycle.forEach((s, i) => {
      const next = d.cycle[(i + 1) % d.cycle.length];
      out.add(`${s.pid}>${s.waits_on}`);
      out.add(`${s.waits_on}<${next.pid}`);
    });
  }
  return out;
}

// Edges as [side, pid, identity, what]: 'w' a writer, 'r' a reader, 'x' a waiter.
function collectEdges(objs) {
  const writers = new Map();
  const readers = new Map();
  const edges = [];
  for (const o of objs) {
    for (const h of o.holders) {
      const name = `${h.comm || '?'}[${h.pid}]`;
      if (h.access.includes('w')) { writers.set(procKey(h), name); edges.push(['w', procKey(h), o.identity]); }
      if (h.access.includes('r')) { readers.set(procKey(h), name); edges.push(['r', procKey(h), o.identity]); }
    }
    const seen = new Set();
    for (const w of o.waiters || []) {
      const key = `${w.pid} ${w.what}`;
      if (seen.has(key)) continue;
      seen.add(key);
      if (!writers.has(procKey(w))) writers.set(procKey(w), `${w.comm || '?'}[${w.pid}]`);
      edges.push(['x', procKey(w), o.identity, w.what]);
    }
  }
  return { writers, readers, edges };
}

// A waiter's edge: dashed, its label (what it waits for) at its middle.
function waitEdge(d, pid, id, what, x, y, hot) {
  return svg('g', { class: `wait-edge${hot ? ' deadlock' : ''}`, 'data-object': id, 'data-pid': pid, 'data-what': what },
    svg('path', { class: 'edge x', d }),
    svg('text', { class: 'edge-label', x, y: y - 3, 'text-anchor': 'middle', text: what }));
}

export function renderGraph(root, objects, onSelect, { focus = new Set(), deadlocks = [] } = {}) {
  const shared = objects.filter(drawn);
  shared.sort((a, b) => rank(a, focus) - rank(b, focus) ||
    (b.holders.length + (b.waiters || []).length) - (a.holders.length + (a.waiters || []).length) || (a.identity < b.identity ? -1 : 1));
  const objs = shared.slice(0, MAX_OBJECTS);
  if (!objs.length) {
    root.replaceChildren(el('p', { class: 'muted', text: 'No object is shared by two processes or waited on right now.' }));
    return;
  }

  const { writers, readers, edges } = collectEdges(objs);
  const hot = cycleEdges(deadlocks);
  // Order both columns and the objects by the mean position of what they connect to
  // (the barycentre heuristic): a few rounds untangle most crossings.
  let objOrder = new Map(objs.map((o, i) => [o.identity, i]));
  let left = [...writers.entries()];
  let right = [...readers.entries()];
  const mean = (xs) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
  for (let round = 0; round < 4; round++) {
    const place = (side) => (a, b) => {
      const pos = ([pid]) => mean(edges.filter((e) => (e[0] === side || (side === 'w' && e[0] === 'x')) && e[1] === pid).map((e) => objOrder.get(e[2])));
      return pos(a) - pos(b) || (a[1] < b[1] ? -1 : 1);
    };
    left.sort(place('w'));
    right.sort(place('r'));
    const lpos = new Map(left.map(([k], i) => [k, i / Math.max(left.length - 1, 1)]));
    const rpos = new Map(right.map(([k], i) => [k, i / Math.max(right.length - 1, 1)]));
    const opos = (o) => mean(edges.filter((e) => e[2] === o.identity).map((e) => (e[0] === 'r' ? rpos.get(e[1]) : lpos.get(e[1]))));
    objs.sort((a, b) => opos(a) - opos(b));
    objOrder = new Map(objs.map((o, i) => [o.identity, i / Math.max(objs.length - 1, 1)]));
  }
  const rows = Math.max(left.length, right.length, objs.length);
  const h = rows * ROW + 24;
  const w = 900;
  const xs = [200, 450, 700];
  const ypos = (i, n) => 24 + ROW / 2 + i * ((rows * ROW) / Math.max(n, 1)) + ((rows * ROW) / Math.max(n, 1) - ROW) / 2;
  const ly = new Map(left.map(([k], i) => [k, ypos(i, left.length)]));
  const ry = new Map(right.map(([k], i) => [k, ypos(i, right.length)]));
  const oy = new Map(objs.map((o, i) => [o.identity, ypos(i, objs.length)]));

  const lines = edges.map(([side, pid, id, what]) => {
    const left = side !== 'r';
    const y1 = left ? ly.get(pid) : oy.get(id);
    const y2 = left ? oy.get(id) : ry.get(pid);
    const x1 = left ? xs[0] + 8 : xs[1] + 8;
    const x2 = left ? xs[1] - 8 : xs[2] - 8;
    const mx = (x1 + x2) / 2;
    const d = `M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}`;
    if (side === 'x') return waitEdge(d, pid, id, what, mx, (y1 + y2) / 2, hot.has(`${pid}>${id}`));
    return svg('path', { class: `edge ${side}${hot.has(`${id}<${pid}`) ? ' deadlock' : ''}`, d, 'data-object': id });
  });
  const procNode = (x, y, name, anchor) => svg('g', { class: 'proc' },
    svg('circle', { cx: x, cy: y, r: 5 }),
    svg('text', { x: anchor === 'end' ? x - 10 : x + 10, y: y + 4, 'text-anchor': anchor, text: name }));
  const objNode = (o) => {
    const y = oy.get(o.identity);
    const g = svg('g', { class: `obj k-${o.kind}${hasStatus(o, 'deadlock') ? ' deadlock' : ''}${focus.has(o.identity) ? ' focus' : ''}`,
      'data-identity': o.identity, tabindex: '0', role: 'button', 'aria-label': `${o.kind} ${label(o)}`,
      onclick: () => onSelect(o.identity),
      onkeydown: (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); onSelect(o.identity); } } },
    svg('rect', { x: xs[1] - 7, y: y - 7, width: 14, height: 14, rx: 3 }),
    svg('text', { x: xs[1], y: y - 11, 'text-anchor': 'middle', text: `${o.kind} ${label(o)}`.slice(0, 48) }));
    return g;
  };
  const more = shared.length > objs.length ? el('p', { class: 'muted', text: `${shared.length - objs.length} more shared or waited-on objects not drawn.` }) : null;
  root.replaceChildren(
    svg('svg', { viewBox: `0 0 ${w} ${h}`, class: 'flow', role: 'group', 'aria-label': `${objs.length} objects shared between processes or waited on` },
      svg('text', { x: xs[0], y: 10, class: 'col-head', 'text-anchor': 'end', text: 'writers · waiters (dashed)' }),
      svg('text', { x: xs[2], y: 10, class: 'col-head', text: 'readers' }),
      ...lines,
      ...left.map(([k, name]) => procNode(xs[0], ly.get(k), name, 'end')),
      ...right.map(([k, name]) => procNode(xs[2], ry.get(k), name, 'start')),
      ...objs.map(objNode)),
    more);
}
