// cards.js - the overview: one card per kind (count, bytes, use of its kernel limits and a
// sparkline of the last minutes), and the totals above them.
import { el, svg, bytes, count, bytesWord } from './util.js';

// A sparkline of values (oldest first) as an inline SVG, labelled for screen readers.
export function sparkline(values, what) {
  const w = 100;
  const h = 24;
  const n = values.length;
  // From zero: a count that moves from 40 to 41 should look like it, not like a cliff.
  const max = Math.max(1, ...values);
  const min = 0;
  const span = max - min;
  const pts = values.map((v, i) => {
    const x = n > 1 ? (i / (n - 1)) * w : w;
    const y = h - 2 - ((v - min) / span) * (h - 4);
    return `${x.toFixed(1)},${y.toFixed(1)}`;
  });
  if (n === 1) pts.unshift(`0,${pts[0].split(',')[1]}`);
  const desc = n ? `${what}: from ${count(values[0])} to ${count(values[n - 1])} over the last ${n} scans` : `${what}: no data yet`;
  return svg('svg', { class: 'spark', viewBox: `0 0 ${w} ${h}`, preserveAspectRatio: 'none', role: 'img', 'aria-label': desc },
    svg('title', { text: desc }),
    svg('polyline', { points: pts.join(' '), fill: 'none', 'vector-effect': 'non-scaling-stroke' }));
}

// The highest use of the kernel limits that apply to a kind, with the limit's name.
function limitUse(limits, kind) {
  let best = null;
  for (const l of limits) {
    if (l.group !== kind || typeof l.use_percent !== 'number') continue;
    if (!best || l.use_percent > best.use_percent) best = l;
  }
  return best;
}

// kinds: [{name, count, bytes, size, stale}], history: {kinds, samples}, onPick(kind). bytes
// is what the server counts for the kind (bytesWord says what); size is the sum of the rows'
// Size column, shown beside it where the server counts allocated bytes (POSIX shm: a 1M
// object of which 4K were touched), so that card and rows agree.
export function renderCards(ul, totalsEl, kinds, limits, history, selected, onPick) {
  const series = (name, field) => {
    const i = history.kinds.indexOf(name);
    return i < 0 ? [] : history.samples.map((s) => s[field][i]);
  };
  const sum = (field) => history.samples.map((s) => s[field].reduce((a, b) => a + b, 0));
  const nobj = kinds.reduce((a, k) => a + k.count, 0);
  const nbytes = kinds.reduce((a, k) => a + k.bytes, 0);
  const nstale = kinds.reduce((a, k) => a + k.stale, 0);

  totalsEl.replaceChildren(
    el('div', { class: 'total' }, el('span', { class: 'big', text: count(nobj) }), ' objects', sparkline(sum('count'), 'objects')),
    el('div', { class: 'total' }, el('span', { class: 'big', text: bytes(nbytes) }), ' held', sparkline(sum('bytes'), 'bytes held')),
    el('div', { class: 'total' + (nstale ? ' warn' : '') }, el('span', { class: 'big', text: count(nstale) }), ' stale'));

  ul.replaceChildren(...kinds.map((k) => {
    const lim = limitUse(limits, k.name);
    const pct = lim ? lim.use_percent : null;
    const meter = pct === null ? el('p', { class: 'limit muted', text: 'no kernel limit' })
      : el('p', { class: 'limit' },
        el('span', { class: 'bar', role: 'meter', 'aria-valuemin': '0', 'aria-valuemax': '100', 'aria-valuenow': String(pct), 'aria-label': `${lim.name} use` },
          barFill(pct / 100, pct >= 90 ? 'hot' : pct >= 70 ? 'warm' : '')),
        ` ${pct}% of ${lim.name}`);
    return el('li', { class: 'card' + (k.count ? '' : ' empty') + (selected === k.name ? ' selected' : ''), 'data-kind': k.name },
      el('button', { type: 'button', class: 'card-button', 'aria-pressed': selected === k.name ? 'true' : 'false', onclick: () => onPick(k.name) },
        el('span', { class: 'kind', text: k.name }),
        el('span', { class: 'big', text: count(k.count) }),
        bytesWord(k.name) ? el('span', { class: 'muted bytes', text: `${bytes(k.bytes)} ${bytesWord(k.name)}` }) : null,
        k.size !== null && bytesWord(k.name) === 'allocated' ? el('span', { class: 'muted size', text: `${bytes(k.size)} size` }) : null,
        k.stale ? el('span', { class: 'badge stale', text: `${k.stale} stale` }) : null),
      meter,
      sparkline(series(k.name, 'count'), `${k.name} count`));
  }));
}

// A fill bar's inner span: its width is set through the CSSOM, which the page's
// Content-Security-Policy allows (inline style attributes it would not).
export function barFill(frac, cls) {
  const s = el('span', { class: 'bar-fill ' + (cls || '') });
  s.style.width = `${Math.max(0, Math.min(1, frac)) * 100}%`;
  return s;
}
