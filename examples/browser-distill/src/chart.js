// A minimal line chart on a canvas: one or more series of (x, y) points, autoscaled.
export class LineChart {
  constructor(canvas, { title, yMin, yMax }) {
    this.canvas = canvas;
    this.title = title;
    this.yMin = yMin;
    this.yMax = yMax;
    this.series = new Map();
  }

  add(name, color, x, y) {
    if (!this.series.has(name)) this.series.set(name, { color, points: [] });
    this.series.get(name).points.push([x, y]);
    this.draw();
  }

  draw() {
    const { canvas } = this;
    const g = canvas.getContext('2d');
    const w = canvas.width;
    const h = canvas.height;
    const pad = 30;
    g.clearRect(0, 0, w, h);
    const all = [...this.series.values()].flatMap((s) => s.points);
    if (all.length === 0) return;
    const xMax = Math.max(1, ...all.map((p) => p[0]));
    const yMin = this.yMin ?? Math.min(...all.map((p) => p[1]));
    const yMax = this.yMax ?? Math.max(...all.map((p) => p[1]));
    const sx = (x) => pad + ((w - 2 * pad) * x) / xMax;
    const sy = (y) => h - pad - ((h - 2 * pad) * (y - yMin)) / (yMax - yMin || 1);
    g.strokeStyle = '#999';
    g.strokeRect(pad, pad, w - 2 * pad, h - 2 * pad);
    g.fillStyle = '#333';
    g.font = '12px system-ui';
    g.fillText(`${this.title}  (${yMin.toFixed(2)} .. ${yMax.toFixed(2)}, step ${xMax})`, pad, pad - 8);
    let legend = pad;
    for (const [name, { color, points }] of this.series) {
      g.strokeStyle = color;
      g.beginPath();
      points.forEach(([x, y], i) => (i ? g.lineTo(sx(x), sy(y)) : g.moveTo(sx(x), sy(y))));
      g.stroke();
      g.fillStyle = color;
      g.fillText(name, legend, h - 8);
      legend += g.measureText(name).width + 16;
    }
  }
}
