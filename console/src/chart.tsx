import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface Series {
  label: string;
  values: number[];
}

const COLORS = ['#1d5fbf', '#b3541e', '#2a7d4f', '#7a3fb0', '#a3263a', '#4a6670'];

/** A time chart (uPlot): one x axis of instants, one line per series; a table of the same figures for screen readers. */
export function TimeChart({ title, at, series, height = 220 }: { title: string; at: string[]; series: Series[]; height?: number }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el || at.length === 0) return;
    const plot = new uPlot(
      {
        width: Math.max(300, el.clientWidth),
        height,
        series: [{}, ...series.map((s, i) => ({ label: s.label, stroke: COLORS[i % COLORS.length], width: 2 }))],
        axes: [{}, { size: 50 }],
        legend: { show: series.length > 1 },
      },
      [at.map((t) => Date.parse(t) / 1000), ...series.map((s) => s.values)],
      el,
    );
    const resize = () => plot.setSize({ width: Math.max(300, el.clientWidth), height });
    addEventListener('resize', resize);
    return () => {
      removeEventListener('resize', resize);
      plot.destroy();
    };
  }, [JSON.stringify(at), JSON.stringify(series), height]);
  if (at.length === 0) return <p class="muted">No data in this period.</p>;
  return (
    <figure class="chart">
      <div ref={box} role="img" aria-label={`${title}: ${series.map((s) => `${s.label} ${s.values.at(-1) ?? 0} at the end`).join(', ')}`} />
      <figcaption>{title}</figcaption>
    </figure>
  );
}
