// graph.js - who talks to whom: process -> object -> process. Writers stand on the left,
// the objects they share in the middle and readers on the right; a process that both reads
// and writes appears on both sides. Drawn are the objects held by two or more processes and
// those with waiters: a waiting thread's process stands on the left, its edge dashed and
// labelled with what it waits for. The edges of a deadlock cycle (a process waiting on an
// object, the object's holder that waits in turn) are drawn in red; so are the objects.
//
// What keeps it readable on a busy host:
// - the two ends of a unix socket pair are one link between the processes that hold them
//   (labelled by path, else by the processes at both ends), and a pair whose ends are all
//   held by one process is no conversation and is left out;
// - processes of one command are one node ("chromium ×12") until it is clicked open;
// - a process or an object can be focused: then only it and its neighbours are drawn;
// - the drawing is laid out for the width it has, so a phone does not scroll sideways.
// Focused objects (the selected one, a deadlock's) are drawn first.
import { el, svg, label, hasStatus } from './util.js';

const MAX_OBJECTS = 40;
const ROW = 34;

// The graph's own state, kept across redraws: commands clicked open, and the focus
// ({type: 'proc', key} or {type: 'obj', id}) or null.
const view = { expanded: new Set(), focus: null };

// Unix sockets joined to their peers: each link has the identities of its objects, every
// holder and waiter of them, and a label. Other objects are links of one object.
function links(objects) {
  const byInode = new Map();
  for (const o of objects) if (o.kind === 'unix' && typeof o.inode === 'number') byInode.set(`${o.ns || 0}:${o.inode}`, o);
  const done = new Set();
  const out = [];
  for (const o of objects) {
    if (done.has(o.identity)) continue;
    done.add(o.identity);
    const peer = o.kind === 'unix' && typeof o.peer_inode === 'number' ? byInode.get(`${o.ns || 0}:${o.peer_inode}`) : null;
    if (peer && !done.has(peer.identity)) {
      done.add(peer.identity);
      out.push({ id: o.identity, ids: [o.identity, peer.identity], kind: 'unix', objs: [o, peer],
        holders: [...o.holders, ...peer.holders], waiters: [...(o.waiters || []), ...(peer.waiters || [])] });
    } else {
      out.push({ id: o.identity, ids: [o.identity], kind: o.kind, objs: [o], holders: o.holders, waiters: o.waiters || [] });
    }
  }
  return out;
}

function pids(xs) {
  return [...new Set(xs.map((h) => h.pid))];
}

// Who is at the ends, by command: "python3[12] ⇄ python3[13]" (at most three named).
function endsText(l) {
  const names = [];
  const seen = new Set();
  for (const h of l.holders) {
    if (seen.has(h.pid)) continue;
    seen.add(h.pid);
    names.push(`${h.comm || '?'}[${h.pid}]`);
  }
  return names.length > 3 ? `${names.slice(0, 3).join(' ⇄ ')} +${names.length - 3}` : names.join(' ⇄ ');
}

// A link's label: the object's name or path, an address pair, else the processes it joins.
function linkLabel(l) {
  for (const o of l.objs) {
    if (o.name) return `${o.kind} ${o.name}`;
    if (o.local && o.local !== '@' && o.kind !== 'unix' && o.peer) return `${o.kind} ${o.local} → ${o.peer}`;
    if (o.kind === 'unix' && o.local) return `unix ${o.local}`;
  }
  const o = l.objs[0];
  if (o.kind.startsWith('sysv-') || o.kind === 'posix-mq') return `${o.kind} ${label(o)}`;
  return `${l.kind} ${endsText(l)}`;
}

// Drawn: held by two processes or more, one of which may write (a file many processes map
// read-only, such as glibc's gconv-modules.cache, carries nothing between them), or waited on.
function drawn(l) {
  return (pids(l.holders).length >= 2 && l.holders.some((h) => h.access.includes('w'))) || l.waiters.length > 0;
}

function cmdOf(h) {
  return h.comm || '?';
}

// Focused objects first, then those in a deadlock, then the busiest.
function rank(l, focus) {
  return l.ids.some((id) => focus.has(id)) ? 0 : l.objs.some((o) => hasStatus(o, 'deadlock')) ? 1 : 2;
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

// Process nodes: one per command that has several processes in the drawing (unless opened),
// else one per process. Returns pid -> {key, name, group, pids}.
function processNodes(ls) {
  const byCmd = new Map();
  for (const l of ls) {
    for (const h of [...l.holders, ...l.waiters]) {
      const c = cmdOf(h);
      if (!byCmd.has(c)) byCmd.set(c, new Set());
      byCmd.get(c).add(h.pid);
    }
  }
  const nodes = new Map();
  for (const [cmd, ps] of byCmd) {
    const grouped = ps.size > 1 && !view.expanded.has(cmd);
    for (const pid of ps) {
      nodes.set(pid, grouped
        ? { key: `c:${cmd}`, name: `${cmd} ×${ps.size}`, group: cmd, pids: [...ps] }
        : { key: `p:${pid}`, name: `${cmd}[${pid}]`, group: ps.size > 1 ? cmd : null, pid, pids: [pid] });
    }
  }
  return nodes;
}

// Edges as {side, key, id, what, pid}: 'w' a writer, 'r' a reader, 'x' a waiter; one per
// side, node and link.
function collectEdges(ls, nodes) {
  const writers = new Map();
  const readers = new Map();
  const edges = [];
  const seen = new Set();
  const add = (side, pid, l, what) => {
    const n = nodes.get(pid);
    const k = `${side} ${n.key} ${l.id} ${what || ''}`;
    if (side === 'x' || side === 'w') { if (!writers.has(n.key)) writers.set(n.key, n); } else if (!readers.has(n.key)) readers.set(n.key, n);
    if (seen.has(k)) return;
    seen.add(k);
    edges.push({ side, key: n.key, id: l.id, what, pid });
  };
  for (const l of ls) {
    for (const h of l.holders) {
      if (h.access.includes('w')) add('w', h.pid, l);
      if (h.access.includes('r')) add('r', h.pid, l);
    }
    for (const w of l.waiters) add('x', w.pid, l, w.what);
  }
  return { writers, readers, edges };
}

// With a focus, only the focused process or object and what touches it.
function focused(ls, nodes) {
  const f = view.focus;
  if (!f) return ls;
  if (f.type === 'obj') return ls.filter((l) => l.ids.includes(f.id));
  return ls.filter((l) => [...l.holders, ...l.waiters].some((h) => nodes.get(h.pid) && nodes.get(h.pid).key === f.key));
}

// A waiter's edge: dashed, its label (what it waits for) at its middle.
function waitEdge(d, pid, id, what, x, y, hot) {
  return svg('g', { class: `wait-edge${hot ? ' deadlock' : ''}`, 'data-object': id, 'data-pid': pid, 'data-what': what },
    svg('path', { class: 'edge x', d }),
    svg('text', { class: 'edge-label', x, y: y - 3, 'text-anchor': 'middle', text: what }));
}

function clip(s, n) {
  return s.length > n ? `${s.slice(0, Math.max(1, n - 1))}…` : s;
}

// A button-like SVG group: click, Enter and Space act.
function actions(fn) {
  return { tabindex: '0', role: 'button', onclick: fn, onkeydown: (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); fn(); } } };
}

export function renderGraph(root, objects, onSelect, { focus = new Set(), deadlocks = [] } = {}) {
  const redraw = () => renderGraph(root, objects, onSelect, { focus, deadlocks });
  const all = links(objects).filter(drawn);
  let nodes = processNodes(all);
  // A focus on something that is gone (or a command now opened) is dropped.
  if (view.focus && view.focus.type === 'obj' && !all.some((l) => l.ids.includes(view.focus.id))) view.focus = null;
  if (view.focus && view.focus.type === 'proc' && ![...nodes.values()].some((n) => n.key === view.focus.key)) view.focus = null;
  const shared = focused(all, nodes);
  shared.sort((a, b) => rank(a, focus) - rank(b, focus) ||
    (b.holders.length + b.waiters.length) - (a.holders.length + a.waiters.length) || (a.id < b.id ? -1 : 1));
  const ls = shared.slice(0, MAX_OBJECTS);
  nodes = processNodes(ls);
  const bar = view.focus ? el('p', { class: 'graph-focus' },
    `Showing ${view.focus.type === 'obj' ? 'one object' : view.focus.name} and ${view.focus.type === 'obj' ? 'the processes at its ends' : 'what it talks through'}. `,
    el('button', { type: 'button', class: 'show-all', onclick: () => { view.focus = null; redraw(); }, text: 'Show all' })) : null;
  if (!ls.length) {
    root.replaceChildren(el('p', { class: 'muted', text: 'No object is shared by two processes or waited on right now.' }));
    return;
  }

  const { writers, readers, edges } = collectEdges(ls, nodes);
  const hot = cycleEdges(deadlocks);
  // Order both columns and the objects by the mean position of what they connect to
  // (the barycentre heuristic): a few rounds untangle most crossings.
  let objOrder = new Map(ls.map((l, i) => [l.id, i]));
  let left = [...writers.values()];
  let right = [...readers.values()];
  const mean = (xs) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
  for (let round = 0; round < 4; round++) {
    const place = (side) => (a, b) => {
      const pos = (n) => mean(edges.filter((e) => (e.side === side || (side === 'w' && e.side === 'x')) && e.key === n.key).map((e) => objOrder.get(e.id)));
      return pos(a) - pos(b) || (a.name < b.name ? -1 : 1);
    };
    left.sort(place('w'));
    right.sort(place('r'));
    const lpos = new Map(left.map((n, i) => [n.key, i / Math.max(left.length - 1, 1)]));
    const rpos = new Map(right.map((n, i) => [n.key, i / Math.max(right.length - 1, 1)]));
    const opos = (l) => mean(edges.filter((e) => e.id === l.id).map((e) => (e.side === 'r' ? rpos.get(e.key) : lpos.get(e.key))));
    ls.sort((a, b) => opos(a) - opos(b));
    objOrder = new Map(ls.map((l, i) => [l.id, i / Math.max(ls.length - 1, 1)]));
  }
  // Laid out for the width there is: three columns at 22%, 50% and 78%, labels cut to fit.
  const w = Math.max(300, Math.round(root.clientWidth || 900));
  const narrow = w < 600;
  const xs = [w * 0.22, w * 0.5, w * 0.78];
  const charW = narrow ? 5.6 : 6.6;
  const sideChars = Math.floor((w * 0.22 - 14) / charW);
  const midChars = Math.floor((w * 0.5) / charW);
  const rows = Math.max(left.length, right.length, ls.length);
  const h = rows * ROW + 24;
  const ypos = (i, n) => 24 + ROW / 2 + i * ((rows * ROW) / Math.max(n, 1)) + ((rows * ROW) / Math.max(n, 1) - ROW) / 2;
  const ly = new Map(left.map((n, i) => [n.key, ypos(i, left.length)]));
  const ry = new Map(right.map((n, i) => [n.key, ypos(i, right.length)]));
  const oy = new Map(ls.map((l, i) => [l.id, ypos(i, ls.length)]));

  const lines = edges.map(({ side, key, id, what, pid }) => {
    const onLeft = side !== 'r';
    const y1 = onLeft ? ly.get(key) : oy.get(id);
    const y2 = onLeft ? oy.get(id) : ry.get(key);
    const x1 = onLeft ? xs[0] + 8 : xs[1] + 8;
    const x2 = onLeft ? xs[1] - 8 : xs[2] - 8;
    const mx = (x1 + x2) / 2;
    const d = `M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}`;
    if (side === 'x') return waitEdge(d, pid, id, what, mx, (y1 + y2) / 2, hot.has(`${pid}>${id}`));
    return svg('path', { class: `edge ${side}${[...nodes.values()].some((n) => n.key === key && n.pids.some((p) => hot.has(`${id}<${p}`))) ? ' deadlock' : ''}`, d, 'data-object': id });
  });
  // A command's node opens into its processes; a process's node focuses on it.
  const procNode = (x, y, n, anchor) => {
    const grouped = n.key.startsWith('c:');
    const act = grouped ? () => { view.expanded.add(n.group); redraw(); }
      : () => { view.focus = view.focus && view.focus.key === n.key ? null : { type: 'proc', key: n.key, name: n.name }; redraw(); };
    return svg('g', { class: `proc${grouped ? ' group' : ''}${view.focus && view.focus.key === n.key ? ' focus' : ''}`,
      'data-key': n.key, 'data-group': grouped ? n.group : null, 'data-pid': grouped ? null : String(n.pid),
      'aria-label': grouped ? `${n.name}: show each process` : `${n.name}: show only what it talks through`, ...actions(act) },
    svg('title', { text: grouped ? `${n.group}: pids ${n.pids.join(', ')}` : n.name }),
    svg('circle', { cx: x, cy: y, r: grouped ? 7 : 5 }),
    svg('text', { x: anchor === 'end' ? x - 10 : x + 10, y: y + 4, 'text-anchor': anchor, text: clip(n.name, sideChars) }));
  };
  const objNode = (l) => {
    const y = oy.get(l.id);
    const text = linkLabel(l);
    const dead = l.objs.some((o) => hasStatus(o, 'deadlock'));
    return svg('g', { class: `obj k-${l.kind}${dead ? ' deadlock' : ''}${l.ids.some((id) => focus.has(id)) ? ' focus' : ''}`,
      'data-identity': l.id, 'data-identities': l.ids.join(' '), 'aria-label': text,
      ...actions(() => { view.focus = { type: 'obj', id: l.id }; onSelect(l.id); }) },
    svg('title', { text: `${text}\n${l.ids.join('\n')}` }),
    svg('rect', { x: xs[1] - 7, y: y - 7, width: 14, height: 14, rx: 3 }),
    svg('text', { x: xs[1], y: y - 11, 'text-anchor': 'middle', text: clip(text, midChars) }));
  };
  const more = shared.length > ls.length ? el('p', { class: 'muted', text: `${shared.length - ls.length} more shared or waited-on objects not drawn.` }) : null;
  const opened = view.expanded.size ? el('button', { type: 'button', class: 'regroup', onclick: () => { view.expanded.clear(); redraw(); }, text: 'Group processes by command again' }) : null;
  root.replaceChildren(...[
    bar,
    svg('svg', { viewBox: `0 0 ${w} ${h}`, width: w, class: `flow${narrow ? ' narrow' : ''}`, role: 'group', 'aria-label': `${ls.length} objects shared between processes or waited on` },
      svg('text', { x: xs[0], y: 10, class: 'col-head', 'text-anchor': 'end', text: narrow ? 'writers' : 'writers · waiters (dashed)' }),
      svg('text', { x: xs[2], y: 10, class: 'col-head', text: 'readers' }),
      ...lines,
      ...left.map((n) => procNode(xs[0], ly.get(n.key), n, 'end')),
      ...right.map((n) => procNode(xs[2], ry.get(n.key), n, 'start')),
      ...ls.map(objNode)),
    more,
    opened,
  ].filter(Boolean));
}
