/**
 * Draws a laid-out trace (space-time.layout.ts) as one self-contained HTML page: inline SVG,
 * inline CSS and a few lines of script (hover a message to light its arrows, click a
 * violation to go to it); no network access, no external file. Every drawn thing has a
 * class a test can count: `.lane`, `.arrow`, `.view-band`, `.held`, `.flush`, `.violation`.
 */
import type { Arrow, Band, Hold, Mark, Place, SpaceTime, ViolationMark } from './space-time.layout.js';
import { isOrder, type Order } from '../validation/orders.js';

const LANE_GAP = 64;
const TOP = 56;
const LABEL_WIDTH = 170;
const RIGHT = 40;

/** Columns narrow as runs grow, so a long run stays a picture, not a scroll of miles. */
function columnWidth(columns: number): number {
  if (columns <= 300) return 22;
  if (columns <= 1500) return 14;
  return 9;
}

export function renderSpaceTimeHtml(model: SpaceTime): string {
  const colW = columnWidth(model.columns);
  const x = (col: number): number => col * colW + colW / 2;
  const y = (lane: number): number => TOP + lane * LANE_GAP;
  const width = Math.ceil(x(model.columns) + RIGHT);
  const height = TOP + Math.max(1, model.lanes.length) * LANE_GAP;
  const geometry = { x, y, colW };

  const summary =
    `${model.lanes.length} process${model.lanes.length === 1 ? '' : 'es'}, ${model.arrows.length} message arrow${model.arrows.length === 1 ? '' : 's'}, ` +
    `${model.bands.length} view${model.bands.length === 1 ? '' : 's'}, ${model.holds.length} held, ${model.violations.length} violation${model.violations.length === 1 ? '' : 's'}`;

  const labels = model.lanes
    .map((lane) => {
      const all = lane.members.map((m) => m.slice(m.lastIndexOf('/') + 1));
      const incarnations = all.length > 2 ? `${all.slice(0, 2).join(', ')} +${all.length - 2}` : all.join(', ');
      return (
        `<g class="lane-label"><text x="8" y="${y(lane.index) + 4}">${esc(lane.address)}</text>` +
        `<text class="incarnations" x="8" y="${y(lane.index) + 18}">incarnation${lane.members.length === 1 ? '' : 's'} ${esc(incarnations)}</text></g>`
      );
    })
    .join('');

  const body = [
    `<g class="bands">${model.bands.map((band, i) => drawBand(band, i, geometry)).join('')}</g>`,
    `<g class="lanes">${model.lanes.map((lane) => `<line class="lane" data-lane="${lane.index}" x1="0" x2="${width}" y1="${y(lane.index)}" y2="${y(lane.index)}"/>`).join('')}</g>`,
    `<g class="holds">${model.holds.map((hold) => drawHold(hold, model.columns, geometry)).join('')}</g>`,
    `<g class="contexts">${model.contexts.map((c) => `<line class="context-edge" x1="${x(c.from.col)}" y1="${y(c.from.lane)}" x2="${x(c.to.col)}" y2="${y(c.to.lane)}"><title>causal context ${esc(c.token)}</title></line>`).join('')}</g>`,
    `<g class="arrows">${model.arrows.map((arrow) => drawArrow(arrow, geometry)).join('')}</g>`,
    `<g class="marks">${model.marks.map((mark) => drawMark(mark, geometry)).join('')}</g>`,
    `<g class="violations">${model.violations.map((v, i) => drawViolation(v, i, model.columns, height, geometry)).join('')}</g>`,
  ].join('\n');

  const violationList =
    model.violations.length === 0
      ? '<p class="clean">No violation recorded.</p>'
      : `<ol class="violation-list">${model.violations.map((v, i) => `<li data-target="violation-${i}"><b>${esc(v.property)}</b> ${esc(v.message)}${v.place ? '' : ' <i>(not tied to an event: drawn at the end)</i>'}</li>`).join('')}</ol>`;

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${esc(model.title)} — space-time diagram</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>${esc(model.title)}</h1>
<p class="summary">${esc(summary)}; t from ${esc(formatTime(model.timeMs.first))} to ${esc(formatTime(model.timeMs.last))}. Time runs to the right (one column per event, in causal order).</p>
${LEGEND}
<pre class="info" aria-live="polite">Hover a message, a mark or a band for its details.</pre>
</header>
<div class="diagram">
<svg class="labels" xmlns="http://www.w3.org/2000/svg" width="${LABEL_WIDTH}" height="${height}" viewBox="0 0 ${LABEL_WIDTH} ${height}">${labels}</svg>
<div class="scroll"><svg class="space-time" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}"
 data-arrows="${model.arrows.length}" data-bands="${model.bands.length}" data-holds="${model.holds.length}" data-violations="${model.violations.length}" data-lanes="${model.lanes.length}">
${DEFS}
${body}
</svg></div>
</div>
<section class="violations-section"><h2>Violations</h2>${violationList}</section>
<script>${SCRIPT}</script>
</body>
</html>
`;
}

interface Geometry {
  x(col: number): number;
  y(lane: number): number;
  colW: number;
}

function drawBand(band: Band, index: number, g: Geometry): string {
  const parity = index % 2 === 0 ? 'even' : 'odd';
  const segments = band.segments
    .map((s) => {
      const left = g.x(s.fromCol) - g.colW / 2;
      const right = g.x(s.toCol) - g.colW / 2;
      const top = g.y(s.lane) - LANE_GAP / 2 + 6;
      const rect = `<rect class="band-segment" x="${left}" y="${top}" width="${Math.max(1, right - left)}" height="${LANE_GAP - 12}" rx="3"><title>view ${band.viewId} at ${esc(s.member)}</title></rect>`;
      if (s.flushCol === null) return rect;
      const flushLeft = g.x(s.flushCol) - g.colW / 2;
      return `${rect}<rect class="flush" x="${flushLeft}" y="${top}" width="${Math.max(2, right - flushLeft)}" height="${LANE_GAP - 12}"><title>${esc(s.member)} flushing: view ${band.viewId} is ending</title></rect>`;
    })
    .join('');
  const first = band.segments.reduce(
    (a, b) => (b.lane < a.lane || (b.lane === a.lane && b.fromCol < a.fromCol) ? b : a),
    band.segments[0]!,
  );
  // A label only where it fits: short views sit side by side.
  const fits = (first.toCol - first.fromCol) * g.colW >= 48;
  const label = fits
    ? `<text class="band-label" x="${g.x(first.fromCol) - g.colW / 2 + 3}" y="${g.y(first.lane) - LANE_GAP / 2 + 16}">view ${band.viewId}</text>`
    : '';
  return `<g class="view-band band-${parity}" data-view="${band.viewId}"><title>view ${band.viewId}: [${esc(band.members.join(', '))}]</title>${segments}${label}</g>`;
}

function drawArrow(arrow: Arrow, g: Geometry): string {
  const order = isOrder(arrow.order) ? arrow.order : 'fifo';
  return `<line class="arrow order-${order}${arrow.held ? ' to-held' : ''}" data-msg="${esc(arrow.msg)}" x1="${g.x(arrow.from.col)}" y1="${g.y(arrow.from.lane)}" x2="${g.x(arrow.to.col)}" y2="${g.y(arrow.to.lane)}" marker-end="url(#head-${order})"><title>${esc(arrow.title)}</title></line>`;
}

function drawHold(hold: Hold, columns: number, g: Geometry): string {
  const end = hold.toCol ?? columns;
  const open = hold.toCol === null || !hold.delivered ? ' never-delivered' : '';
  const y = g.y(hold.lane);
  return (
    `<g class="held${open}" data-msg="${esc(hold.msg)}"><title>${esc(hold.title)}</title>` +
    `<line x1="${g.x(hold.fromCol)}" y1="${y}" x2="${Math.max(g.x(end), g.x(hold.fromCol) + 4)}" y2="${y}"/>` +
    // Short waits keep the reason in their title only: labels of neighbours would overlap.
    (end - hold.fromCol >= 3 ? `<text x="${g.x(hold.fromCol) + 3}" y="${y - 8}">${esc(hold.reason)}</text>` : '') +
    '</g>'
  );
}

function drawMark(mark: Mark, g: Geometry): string {
  const cx = g.x(mark.col);
  const cy = g.y(mark.lane);
  const msg = mark.msg ? ` data-msg="${esc(mark.msg)}"` : '';
  const title = `<title>${esc(mark.title)}</title>`;
  switch (mark.kind) {
    case 'send':
      return `<circle class="mark send"${msg} cx="${cx}" cy="${cy}" r="4">${title}</circle>`;
    case 'deliver':
      return `<circle class="mark deliver"${msg} cx="${cx}" cy="${cy}" r="2.5">${title}</circle>`;
    case 'self':
      return `<circle class="mark self"${msg} cx="${cx}" cy="${cy}" r="3">${title}</circle>`;
    case 'view':
      return `<rect class="mark install" x="${cx - 2}" y="${cy - 12}" width="4" height="24">${title}</rect>`;
    case 'flush':
      return `<path class="mark flush-start" d="M${cx - 5} ${cy - 12} L${cx + 5} ${cy - 12} L${cx} ${cy - 5} Z">${title}</path>`;
    case 'crash':
      return `<path class="mark crash" d="M${cx - 7} ${cy - 7} L${cx + 7} ${cy + 7} M${cx + 7} ${cy - 7} L${cx - 7} ${cy + 7}">${title}</path>`;
    case 'excluded':
      return `<path class="mark excluded" d="M${cx} ${cy - 9} L${cx} ${cy + 9} M${cx - 6} ${cy - 9} L${cx + 6} ${cy - 9}">${title}</path>`;
    case 'left':
      return `<path class="mark left" d="M${cx - 6} ${cy} L${cx + 4} ${cy} M${cx + 1} ${cy - 4} L${cx + 5} ${cy} L${cx + 1} ${cy + 4}">${title}</path>`;
    case 'blocked':
    case 'unblocked':
      return `<rect class="mark ${mark.kind}" x="${cx - 4}" y="${cy - 4}" width="8" height="8">${title}</rect>`;
    default:
      return `<circle class="mark minor ${mark.kind}" cx="${cx}" cy="${cy}" r="2">${title}</circle>`;
  }
}

function drawViolation(v: ViolationMark, index: number, columns: number, height: number, g: Geometry): string {
  const place: Place | null = v.place;
  const cx = place ? g.x(place.col) : g.x(columns) - g.colW / 2;
  const title = `<title>${esc(`[${v.property}] ${v.message}`)}</title>`;
  const marker = place ? `<circle cx="${cx}" cy="${g.y(place.lane)}" r="9"/>` : '';
  return (
    `<g class="violation" id="violation-${index}">${title}<line x1="${cx}" y1="${TOP - LANE_GAP / 2}" x2="${cx}" y2="${height}"/>${marker}` +
    `<text x="${cx + 4}" y="${TOP - LANE_GAP / 2 + 12}">${esc(v.property)}</text></g>`
  );
}

/** One arrow colour per order: a new order fails the type check until it has one. */
const ORDER_COLORS: Record<Order, string> = { fifo: '#3d6fb6', causal: '#1d8a7a', total: '#8048a8', group: '#b5651d' };

const DEFS = `<defs>
${Object.entries(ORDER_COLORS)
  .map(
    ([order, color]) =>
      `<marker id="head-${order}" viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="9" markerHeight="9" orient="auto-start-reverse"><path d="M0 0 L10 5 L0 10 z" fill="${color}"/></marker>`,
  )
  .join('\n')}
<pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="6" stroke="#7a7a7a" stroke-width="2" stroke-opacity="0.45"/></pattern>
</defs>`;

const STYLE = `
body { font: 13px/1.4 system-ui, sans-serif; margin: 0; color: #1d1d1f; background: #fff; }
header { padding: 12px 16px 4px; }
h1 { font-size: 17px; margin: 0 0 4px; }
h2 { font-size: 14px; margin: 8px 0; }
.summary { margin: 0 0 6px; color: #444; }
.legend { display: flex; flex-wrap: wrap; gap: 14px; margin: 0; padding: 0; list-style: none; color: #444; }
.legend i { display: inline-block; width: 22px; height: 10px; margin-right: 5px; vertical-align: middle; border-radius: 2px; }
.diagram { display: flex; border-top: 1px solid #ddd; border-bottom: 1px solid #ddd; }
.labels { flex: none; background: #fafafa; border-right: 1px solid #ddd; }
.labels text { font-size: 12px; font-weight: 600; }
.labels .incarnations { font-weight: 400; fill: #777; font-size: 10px; }
.scroll { overflow-x: auto; flex: 1; }
.lane { stroke: #9a9a9a; stroke-width: 1; }
.band-even .band-segment { fill: #e7eefa; stroke: #b9c9e6; }
.band-odd .band-segment { fill: #f2e9f7; stroke: #d6c2e3; }
.band-label { font-size: 10px; fill: #555; }
.flush { fill: url(#hatch); stroke: none; }
.arrow { stroke-width: 1.3; opacity: 0.8; }
${Object.entries(ORDER_COLORS)
  .map(([order, color]) => `.order-${order} { stroke: ${color}; }`)
  .join('\n')}
.arrow.lit, .held.lit line { stroke-width: 3; opacity: 1; }
.held line { stroke: #e8890c; stroke-width: 6; stroke-linecap: round; opacity: 0.75; }
.held text { font-size: 9px; fill: #a85d00; }
.held.never-delivered line { stroke-dasharray: 4 3; }
.context-edge { stroke: #888; stroke-dasharray: 2 3; }
.mark.send { fill: #222; }
.mark.deliver { fill: #555; }
.mark.self { fill: #fff; stroke: #555; }
.mark.install { fill: #2f4f7f; }
.mark.flush-start { fill: #666; }
.mark.crash { stroke: #b00020; stroke-width: 2.5; fill: none; }
.mark.excluded, .mark.left { stroke: #444; stroke-width: 2; fill: none; }
.mark.blocked { fill: #b00020; }
.mark.unblocked { fill: #2e7d32; }
.mark.minor { fill: #999; }
.mark.lit { stroke: #000; stroke-width: 2; }
.violation line { stroke: #d00000; stroke-width: 2; stroke-dasharray: 6 3; pointer-events: none; }
.violation circle { fill: none; stroke: #d00000; stroke-width: 3; }
.violation text { fill: #d00000; font-weight: 700; font-size: 11px; }
.violation.lit line { stroke-width: 4; }
.violations-section { padding: 4px 16px; }
.violation-list li { color: #a00000; cursor: pointer; margin-bottom: 3px; }
.clean { color: #2e7d32; }
.info { margin: 6px 0 4px; padding: 4px 8px; background: #f4f4f4; border: 1px solid #e2e2e2; white-space: pre-wrap; height: 3.2em; overflow: auto; font-size: 12px; }
`;

const LEGEND = `<ul class="legend">
<li><i style="background:${ORDER_COLORS.fifo}"></i>fbcast (fifo)</li>
<li><i style="background:${ORDER_COLORS.causal}"></i>cbcast (causal)</li>
<li><i style="background:${ORDER_COLORS.total}"></i>abcast (total)</li>
<li><i style="background:${ORDER_COLORS.group}"></i>gbcast (group)</li>
<li><i style="background:#e8890c"></i>held in the order stage</li>
<li><i style="background:#e7eefa;border:1px solid #b9c9e6"></i>view</li>
<li><i style="background:repeating-linear-gradient(45deg,#bbb 0 2px,#fff 2px 5px)"></i>flush</li>
<li><i style="background:#d00000"></i>violation</li>
</ul>`;

const SCRIPT = `
(function () {
  var svg = document.querySelector('svg.space-time');
  var info = document.querySelector('.info');
  var lit = [];
  function clear() { lit.forEach(function (n) { n.classList.remove('lit'); }); lit = []; }
  function titleOf(el) { var t = el.querySelector(':scope > title'); return t ? t.textContent : ''; }
  svg.addEventListener('mouseover', function (event) {
    var target = event.target;
    if (!(target instanceof Element)) return;
    var withMsg = target.closest('[data-msg]');
    clear();
    if (withMsg) {
      lit = Array.prototype.slice.call(svg.querySelectorAll('[data-msg="' + CSS.escape(withMsg.getAttribute('data-msg')) + '"]'));
      lit.forEach(function (n) { n.classList.add('lit'); });
    }
    var titled = target.closest('.arrow, .mark, .held, .violation, .band-segment, .flush, .context-edge');
    if (titled) info.textContent = titleOf(titled);
  });
  document.querySelectorAll('.violation-list li').forEach(function (item) {
    item.addEventListener('click', function () {
      var marker = document.getElementById(item.getAttribute('data-target'));
      if (!marker) return;
      clear();
      marker.classList.add('lit');
      lit = [marker];
      marker.scrollIntoView({ block: 'center', inline: 'center' });
      info.textContent = titleOf(marker);
    });
  });
})();
`;

function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function formatTime(t: number): string {
  return Math.abs(t) >= 1e11 ? new Date(t).toISOString() : `${Number(t.toFixed(3))} ms`;
}
