// Thin wrapper over tree-shaken echarts (line charts only, canvas renderer).
import { useEffect, useRef } from 'react';
import * as echarts from 'echarts/core';
import { LineChart } from 'echarts/charts';
import { DataZoomComponent, GridComponent, LegendComponent, TitleComponent, TooltipComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';
import { useThemeMode } from '../theme';

echarts.use([LineChart, TitleComponent, GridComponent, TooltipComponent, LegendComponent, DataZoomComponent, CanvasRenderer]);

export type EChartOption = echarts.EChartsCoreOption;

export default function EChart({ option, height = 260, onZoom }: { option: EChartOption; height?: number; onZoom?: (startMs: number, endMs: number) => void }) {
  const el = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);
  const { mode } = useThemeMode();

  useEffect(() => {
    if (!el.current) return;
    const c = echarts.init(el.current, mode === 'dark' ? 'dark' : undefined, { renderer: 'canvas' });
    chart.current = c;
    const ro = new ResizeObserver(() => c.resize());
    ro.observe(el.current);
    return () => {
      ro.disconnect();
      c.dispose();
      chart.current = null;
    };
  }, [mode]);

  useEffect(() => {
    chart.current?.setOption({ backgroundColor: 'transparent', ...option }, true);
  }, [option, mode]);

  useEffect(() => {
    const c = chart.current;
    if (!c || !onZoom) return;
    const h = () => {
      const opt = c.getOption() as { dataZoom?: { startValue?: number; endValue?: number }[] };
      const dz = opt.dataZoom?.[0];
      if (dz?.startValue !== undefined && dz?.endValue !== undefined) onZoom(dz.startValue, dz.endValue);
    };
    c.on('datazoom', h);
    return () => {
      c.off('datazoom', h);
    };
  }, [onZoom, mode]);

  return <div ref={el} style={{ width: '100%', height }} />;
}
