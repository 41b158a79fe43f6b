// A stacked horizontal bar chart in SVG: per rule, met, missed and open.

export interface BarRow {
  label: string;
  met: number;
  missed: number;
  open: number;
}

export interface BarLegend {
  met: string;
  missed: string;
  open: string;
}

const rowHeight = 28;
const labelWidth = 250;
const barWidth = 420;
const countWidth = 60;

export function BarChart({ rows, legend, title }: { rows: BarRow[]; legend: BarLegend; title: string }) {
  const max = Math.max(1, ...rows.map((r) => r.met + r.missed + r.open));
  const height = rows.length * rowHeight + 34;
  const width = labelWidth + barWidth + countWidth;
  const scale = (n: number) => (n / max) * barWidth;
  return (
    <figure className="chart" data-testid="compliance-chart">
      <svg viewBox={`0 0 ${width} ${height}`} width="100%" role="img" aria-label={title}>
        <title>{title}</title>
        {rows.map((r, i) => {
          const y = i * rowHeight + 4;
          const parts: [keyof BarLegend, number][] = [
            ['met', r.met],
            ['missed', r.missed],
            ['open', r.open],
          ];
          let x = labelWidth;
          return (
            <g key={r.label} data-testid="chart-row">
              <text x={labelWidth - 8} y={y + 15} textAnchor="end" className="chart-label">
                {r.label}
              </text>
              {parts.map(([k, n]) => {
                const w = scale(n);
                const rect = (
                  <rect key={k} x={x} y={y} width={w} height={rowHeight - 8} className={`bar bar-${k}`}>
                    <title>{`${legend[k]}: ${n}`}</title>
                  </rect>
                );
                x += w;
                return rect;
              })}
              <text x={labelWidth + barWidth + 6} y={y + 15} className="chart-count">
                {r.met + r.missed + r.open}
              </text>
            </g>
          );
        })}
        <g transform={`translate(${labelWidth}, ${rows.length * rowHeight + 12})`}>
          {(['met', 'missed', 'open'] as const).map((k, i) => (
            <g key={k} transform={`translate(${i * 130}, 0)`}>
              <rect width="12" height="12" className={`bar bar-${k}`} />
              <text x="18" y="11" className="chart-legend">
                {legend[k]}
              </text>
            </g>
          ))}
        </g>
      </svg>
    </figure>
  );
}
