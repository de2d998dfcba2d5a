// util.js - small DOM and formatting helpers shared by the dashboard's modules.

// el('td', {class: 'num', title: 'x'}, child, 'text') -> element. No innerHTML anywhere:
// object names come from the host and are shown as text, never parsed as markup.
export function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    e.append(c instanceof Node ? c : String(c));
  }
  return e;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

export function svg(tag, attrs, ...children) {
  const e = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null) continue;
    if (k === 'text') e.textContent = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const c of children) if (c) e.append(c);
  return e;
}

// 1536 -> "1.5K", util-linux style (base 1024), as the CLI prints sizes.
export function bytes(n) {
  if (n === undefined || n === null) return '–';
  const units = ['B', 'K', 'M', 'G', 'T', 'P'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v}B` : `${v < 10 ? v.toFixed(1) : Math.round(v)}${units[i]}`;
}

export function count(n) {
  return n === undefined || n === null ? '–' : n.toLocaleString('en');
}

// Queues, pipes and sockets fill up; shared memory and semaphores do not.
export function queueLike(o) {
  return typeof o.messages === 'number' || typeof o.rqueue === 'number' || typeof o.wqueue === 'number' ||
    o.kind === 'pipe' || o.kind === 'fifo';
}

// Fill as a fraction 0..1 when the object is a queue with a capacity, else null.
export function fill(o) {
  if (!queueLike(o)) return null;
  if (typeof o.use_percent === 'number') return Math.min(1, o.use_percent / 100);
  if (typeof o.max_messages === 'number' && o.max_messages > 0 && typeof o.messages === 'number')
    return Math.min(1, o.messages / o.max_messages);
  return null;
}

// Bytes waiting in the object: queued bytes, or both socket queues.
export function queued(o) {
  if (!queueLike(o)) return null;
  if (typeof o.used_bytes === 'number') return o.used_bytes;
  if (typeof o.rqueue === 'number' || typeof o.wqueue === 'number')
    return (o.rqueue || 0) + (o.wqueue || 0);
  return null;
}

// The short human name of an object: its name, key or id, or its inode.
export function label(o) {
  if (o.name) return o.name;
  if (o.local && o.peer) return `${o.local} → ${o.peer}`;
  if (o.local) return o.local;
  if (o.key && o.key !== '0x00000000') return `${o.key} (id ${o.id})`;
  if (typeof o.id === 'number') return `id ${o.id}`;
  if (typeof o.inode === 'number') return `inode ${o.inode}`;
  return o.identity;
}

export function holderText(h) {
  return `${h.comm || '?'}[${h.pid}]`;
}

// A container id as `docker ps` shows it: 12 of the 64 hex digits; a name-like id (nspawn,
// lxc) whole. The same rule as container_short_id in src/core/ns.c, so that the page, the
// table of the CLI and the metrics' container label agree.
export function shortId(id) {
  return /^[0-9a-f]{64}$/.test(id) ? id.slice(0, 12) : id;
}

// What the page calls a container: its name when it has one, else its short id.
export function containerLabel(c) {
  return c.name || shortId(c.id);
}

// The tooltip of a container: runtime, whole id and pod, which the label leaves out.
export function containerTitle(c) {
  return [c.runtime, c.id, c.pod ? `pod ${c.pod}` : null].filter(Boolean).join(' · ');
}

// A waiter as one line: "comm[pid]: what" (its thread when that is not the main one).
export function waiterText(w) {
  const tid = typeof w.tid === 'number' && w.tid !== w.pid ? `/${w.tid}` : '';
  return `${w.comm || '?'}[${w.pid}${tid}]: ${w.what}`;
}

// What a waiter waits for beyond its object: the semaphore and operation, the message type,
// and whether it waits on several objects at once (poll, select, epoll).
export function waiterDetail(w) {
  const parts = [];
  if (typeof w.semnum === 'number') parts.push(`sem ${w.semnum}` + (typeof w.semop === 'number' ? ` op ${w.semop}` : ''));
  if (typeof w.msgtyp === 'number') parts.push(`type ${w.msgtyp}`);
  if (w.several) parts.push('one of several');
  return parts.join(', ');
}

// A deadlock cycle's steps, each with the process that holds what it waits on: the next
// step's process (the last step's is the first's).
export function deadlockSteps(cycle) {
  return cycle.map((s, i) => ({ ...s, heldBy: cycle[(i + 1) % cycle.length] }));
}

export function hasStatus(o, word) {
  return !!o.status && o.status.split(',').includes(word);
}

// A process's holds on one object, gathered: the kernel lists each fd and each mapping
// apart (python3[6881] twice through fds and once through a mapping), a person wants one
// line per process and, inside it, which fds and mappings. Order: first sight.
export function groupHolders(holders) {
  const m = new Map();
  for (const h of holders) {
    let g = m.get(h.pid);
    if (!g) {
      g = { pid: h.pid, comm: h.comm, access: new Set(), fds: [], maps: [], container: h.container, nspid: h.nspid };
      m.set(h.pid, g);
    }
    for (const c of h.access || '') if (c === 'r' || c === 'w') g.access.add(c);
    if (typeof h.fd === 'number') g.fds.push(h.fd);
    else if (h.map) g.maps.push(h.map);
  }
  return [...m.values()].map((g) => ({ ...g, access: ['r', 'w'].filter((c) => g.access.has(c)).join('') || '-' }));
}

// How a grouped holder holds the object: "fd 3, 4 · 1 mapping".
export function viaText(g) {
  const parts = [];
  if (g.fds.length) parts.push(`fd ${g.fds.join(', ')}`);
  if (g.maps.length) parts.push(g.maps.length === 1 ? 'mapped' : `${g.maps.length} mappings`);
  return parts.join(' · ');
}

// Kinds held through fds or mappings: when a process could not be read, such an object's
// holders may be incomplete. SysV objects are known from the kernel's own tables.
export function heldByFds(o) {
  return !o.kind.startsWith('sysv-');
}

// What a kind's byte figure (the server's per-kind totals) counts; null for the kinds that
// hold no bytes (a lock, an eventfd's counter, a signal, a SysV semaphore set).
export function bytesWord(kind) {
  if (kind === 'sysv-shm') return 'size';
  if (kind === 'posix-shm' || kind === 'posix-sem' || kind === 'memfd' || kind === 'mmap') return 'allocated';
  if (['sysv-sem', 'lock', 'eventfd', 'signalfd', 'signal'].includes(kind)) return null;
  return 'queued';
}
