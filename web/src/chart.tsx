import { useEffect, useRef } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

/** One series of a chart: its label and its values, aligned with the x values. */
export interface Series {
  readonly label: string;
  readonly values: ReadonlyArray<number | null>;
  readonly color: string;
  /** Bars instead of a line (counts per bucket read better as bars). */
  readonly bars?: boolean;
}

/**
 * A time chart drawn by uPlot (small, maintained, canvas-based): x is seconds since the epoch. Re-drawn when the
 * data changes, resized with its box.
 */
export function TimeChart(props: {
  x: readonly number[];
  series: readonly Series[];
  height?: number;
  label: string;
}) {
  const box = useRef<HTMLDivElement>(null);
  const { x, series, height = 260, label } = props;
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const bars = uPlot.paths.bars?.({ size: [0.7, 60] });
    const plot = new uPlot(
      {
        width: el.clientWidth || 600,
        height,
        series: [
          {},
          ...series.map((s) => ({
            label: s.label,
            stroke: s.color,
            fill: s.bars ? `${s.color}55` : undefined,
            width: 2,
            ...(s.bars && bars ? { paths: bars, points: { show: false } } : {}),
          })),
        ],
        axes: [{}, { size: 70 }],
      },
      [x as number[], ...series.map((s) => s.values as (number | null)[])],
      el,
    );
    const resize = new ResizeObserver(() => plot.setSize({ width: el.clientWidth, height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [x, series, height]);
  return <div ref={box} className="chart" role="img" aria-label={label} />;
}
