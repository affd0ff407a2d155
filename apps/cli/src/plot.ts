import type * as ResvgModule from '@resvg/resvg-js';

/** One model's measured curve: QPS at each worker count. */
export interface ScalabilityCurve {
  model: string;
  kind: string;
  points: { workers: number; qps: number }[];
}

const esc = (s: string) => s.replace(/[<>&"]/g, c => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);

/**
 * Worker-scalability curves as an SVG: one panel per model (models differ by
 * orders of magnitude in QPS), measured QPS against workers, next to the ideal
 * linear line n · QPS(1). Where the two part is where interference starts.
 */
export function scalabilitySvg(curves: readonly ScalabilityCurve[], title: string): string {
  const cols = Math.min(4, Math.max(1, curves.length));
  const rows = Math.ceil(curves.length / cols);
  const pw = 260;
  const ph = 200;
  const m = { l: 52, r: 14, t: 28, b: 36 };
  const width = cols * pw;
  const height = rows * ph + 40;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="DejaVu Sans, sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="14" font-weight="bold">${esc(title)}</text>`,
  ];
  curves.forEach((c, i) => {
    const ox = (i % cols) * pw;
    const oy = 40 + Math.floor(i / cols) * ph;
    const pts = [...c.points].sort((a, b) => a.workers - b.workers);
    const nMax = Math.max(1, ...pts.map(p => p.workers));
    const q1 = pts.find(p => p.workers === 1)?.qps ?? 0;
    const yMax = Math.max(1e-9, ...pts.map(p => p.qps), q1 * nMax) * 1.1;
    const x = (n: number) =>
      ox + m.l + ((n - (nMax > 1 ? 1 : 0)) / Math.max(1, nMax - (nMax > 1 ? 1 : 0))) * (pw - m.l - m.r);
    const y = (q: number) => oy + ph - m.b - (q / yMax) * (ph - m.t - m.b);
    parts.push(
      `<text x="${ox + pw / 2}" y="${oy + 14}" text-anchor="middle" font-weight="bold">${esc(c.model)} (${esc(c.kind)})</text>`,
    );
    // axes and ticks
    parts.push(`<line x1="${ox + m.l}" y1="${y(0)}" x2="${ox + pw - m.r}" y2="${y(0)}" stroke="#444"/>`);
    parts.push(`<line x1="${ox + m.l}" y1="${y(0)}" x2="${ox + m.l}" y2="${oy + m.t}" stroke="#444"/>`);
    for (let t = 0; t <= 4; t++) {
      const q = (yMax / 1.1) * (t / 4);
      parts.push(
        `<text x="${ox + m.l - 4}" y="${y(q) + 4}" text-anchor="end" fill="#444">${q >= 100 ? q.toFixed(0) : q.toFixed(1)}</text>`,
      );
    }
    for (const p of pts)
      parts.push(`<text x="${x(p.workers)}" y="${y(0) + 14}" text-anchor="middle" fill="#444">${p.workers}</text>`);
    parts.push(`<text x="${ox + (pw + m.l) / 2}" y="${oy + ph - 6}" text-anchor="middle" fill="#444">workers</text>`);
    parts.push(
      `<text x="${ox + 12}" y="${oy + ph / 2}" text-anchor="middle" fill="#444" transform="rotate(-90 ${ox + 12} ${oy + ph / 2})">QPS at SLA</text>`,
    );
    // ideal n · QPS(1), then the measured curve
    if (q1 > 0)
      parts.push(
        `<line x1="${x(1)}" y1="${y(q1)}" x2="${x(nMax)}" y2="${y(q1 * nMax)}" stroke="#999" stroke-dasharray="5,4"/>`,
      );
    parts.push(
      `<polyline fill="none" stroke="#1f77b4" stroke-width="2" points="${pts.map(p => `${x(p.workers)},${y(p.qps)}`).join(' ')}"/>`,
    );
    for (const p of pts) parts.push(`<circle cx="${x(p.workers)}" cy="${y(p.qps)}" r="3" fill="#1f77b4"/>`);
  });
  parts.push(
    `<text x="${width - 8}" y="36" text-anchor="end" fill="#666">solid: measured · dashed: ideal linear n·QPS(1)</text>`,
  );
  parts.push('</svg>');
  return parts.join('\n');
}

/** Renders an SVG to PNG with resvg (a prebuilt native module, loaded only when asked). */
export function svgToPng(svg: string): Buffer {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Resvg } = require('@resvg/resvg-js') as typeof ResvgModule;
  return Buffer.from(new Resvg(svg, { font: { loadSystemFonts: true }, background: 'white' }).render().asPng());
}
