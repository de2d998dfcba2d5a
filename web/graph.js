// graph.js - who talks to whom: process -> object -> process. Writers stand on the left,
// the objects they share in the middle and readers on the right; a process that both reads
// and writes appears on both sides. Only objects held by two or more processes are drawn.
import { el, svg, label } from './util.js';

const MAX_OBJECTS = 40;
const ROW = 34;

function procKey(h) {
  return `${h.pid}`;
}

export function renderGraph(root, objects, onSelect) {
  const shared = [];
  for (const o of objects) {
    const pids = new Set(o.holders.map(procKey));
    if (pids.size >= 2) shared.push(o);
  }
  shared.sort((a, b) => b.holders.length - a.holders.length || (a.identity < b.identity ? -1 : 1));
  const objs = shared.slice(0, MAX_OBJECTS);
  if (!objs.length) {
    root.replaceChildren(el('p', { class: 'muted', text: 'No object is shared by two processes right now.' }));
    return;
  }

  const writers = new Map();
  const readers = new Map();
  const edges = [];
  for (const o of objs) {
    for (const h of o.holders) {
      const name = `${h.comm || '?'}[${h.pid}]`;
      if (h.access.includes('w')) { writers.set(procKey(h), name); edges.push(['w', procKey(h), o.identity]); }
      if (h.access.includes('r')) { readers.set(procKey(h), name); edges.push(['r', procKey(h), o.identity]); }
    }
  }
  // Order both columns and the objects by the mean position of what they connect to
  // (the barycentre heuristic): a few rounds untangle most crossings.
  let objOrder = new Map(objs.map((o, i) => [o.identity, i]));
  let left = [...writers.entries()];
  let right = [...readers.entries()];
  const mean = (xs) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
  for (let round = 0; round < 4; round++) {
    const place = (side) => (a, b) => {
      const pos = ([pid]) => mean(edges.filter((e) => e[0] === side && e[1] === pid).map((e) => objOrder.get(e[2])));
      return pos(a) - pos(b) || (a[1] < b[1] ? -1 : 1);
    };
    left.sort(place('w'));
    right.sort(place('r'));
    const lpos = new Map(left.map(([k], i) => [k, i / Math.max(left.length - 1, 1)]));
    const rpos = new Map(right.map(([k], i) => [k, i / Math.max(right.length - 1, 1)]));
    const opos = (o) => mean(edges.filter((e) => e[2] === o.identity).map((e) => (e[0] === 'w' ? lpos.get(e[1]) : rpos.get(e[1]))));
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

  const lines = edges.map(([side, pid, id]) => {
    const y1 = side === 'w' ? ly.get(pid) : oy.get(id);
    const y2 = side === 'w' ? oy.get(id) : ry.get(pid);
    const x1 = side === 'w' ? xs[0] + 8 : xs[1] + 8;
    const x2 = side === 'w' ? xs[1] - 8 : xs[2] - 8;
    const mx = (x1 + x2) / 2;
    return svg('path', { class: `edge ${side}`, d: `M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}`, 'data-object': id });
  });
  const procNode = (x, y, name, anchor) => svg('g', { class: 'proc' },
    svg('circle', { cx: x, cy: y, r: 5 }),
    svg('text', { x: anchor === 'end' ? x - 10 : x + 10, y: y + 4, 'text-anchor': anchor, text: name }));
  const objNode = (o) => {
    const y = oy.get(o.identity);
    const g = svg('g', { class: `obj k-${o.kind}`, tabindex: '0', role: 'button', 'aria-label': `${o.kind} ${label(o)}`,
      onclick: () => onSelect(o.identity),
      onkeydown: (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); onSelect(o.identity); } } },
    svg('rect', { x: xs[1] - 7, y: y - 7, width: 14, height: 14, rx: 3 }),
    svg('text', { x: xs[1], y: y - 11, 'text-anchor': 'middle', text: `${o.kind} ${label(o)}`.slice(0, 48) }));
    return g;
  };
  const more = shared.length > objs.length ? el('p', { class: 'muted', text: `${shared.length - objs.length} more shared objects not drawn.` }) : null;
  root.replaceChildren(
    svg('svg', { viewBox: `0 0 ${w} ${h}`, class: 'flow', role: 'group', 'aria-label': `${objs.length} objects shared between processes` },
      svg('text', { x: xs[0], y: 10, class: 'col-head', 'text-anchor': 'end', text: 'writers' }),
      svg('text', { x: xs[2], y: 10, class: 'col-head', text: 'readers' }),
      ...lines,
      ...left.map(([k, name]) => procNode(xs[0], ly.get(k), name, 'end')),
      ...right.map(([k, name]) => procNode(xs[2], ry.get(k), name, 'start')),
      ...objs.map(objNode)),
    more);
}
