// Switchyard's small canvas charts: stacked bars, lines and horizontal bars.
// No dependencies. Every label is drawn with fillText (canvas text is never parsed as HTML).
// After drawing, the canvas carries data-drawn ("1" or "empty"), data-points and data-total,
// which the browser tests read.
'use strict';

(function () {
  const FALLBACK = ['#2f5bd3', '#e0803a', '#9b59b6', '#2aa876', '#d64550'];

  function cssColor(el, name, fallback) {
    const v = getComputedStyle(el).getPropertyValue(name).trim();
    return v || fallback;
  }

  function seriesColor(el, s, i) {
    if (s.color) return s.color;
    return cssColor(el, s.colorVar || `--chart-${(i % 5) + 1}`, FALLBACK[i % 5]);
  }

  // A "nice" axis: max rounded up to 1/2/2.5/5 × 10^k, with about `count` ticks.
  function niceScale(max, count) {
    if (!(max > 0)) return { max: 1, step: 0.25 };
    const raw = max / count;
    const mag = Math.pow(10, Math.floor(Math.log10(raw)));
    let step = mag;
    for (const m of [1, 2, 2.5, 5, 10]) {
      step = m * mag;
      if (raw <= step) break;
    }
    return { max: Math.ceil(max / step - 1e-9) * step, step };
  }

  function compact(v) {
    const a = Math.abs(v);
    if (a >= 1e9) return trim(v / 1e9) + 'B';
    if (a >= 1e6) return trim(v / 1e6) + 'M';
    if (a >= 1e3) return trim(v / 1e3) + 'k';
    if (a === 0) return '0';
    if (a < 0.01) return v.toPrecision(2);
    return trim(v);
  }
  function trim(v) {
    return (Math.round(v * 100) / 100).toString();
  }

  function ellipsize(ctx, text, width) {
    text = String(text);
    if (ctx.measureText(text).width <= width) return text;
    let lo = 0;
    let hi = text.length;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (ctx.measureText(text.slice(0, mid) + '…').width <= width) lo = mid;
      else hi = mid - 1;
    }
    return text.slice(0, lo) + '…';
  }

  function setup(canvas) {
    const dpr = window.devicePixelRatio || 1;
    const rect = canvas.getBoundingClientRect();
    const w = Math.max(200, Math.round(rect.width || canvas.clientWidth || 600));
    const h = Math.max(140, Math.round(rect.height || canvas.clientHeight || 260));
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(h * dpr);
    const ctx = canvas.getContext('2d');
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);
    ctx.font = '12px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
    ctx.textBaseline = 'middle';
    return { ctx, w, h };
  }

  function drawEmpty(canvas, ctx, w, h, text) {
    ctx.fillStyle = cssColor(canvas, '--chart-axis', '#667085');
    ctx.textAlign = 'center';
    ctx.fillText(text || 'No data', w / 2, h / 2);
    canvas.dataset.drawn = 'empty';
    canvas.dataset.points = '0';
    canvas.dataset.total = '0';
    canvas._syGeom = null;
  }

  // Y axis + grid for vertical charts; returns the plot box.
  function drawYAxis(canvas, ctx, w, h, max, fmt, labels) {
    const axis = cssColor(canvas, '--chart-axis', '#667085');
    const grid = cssColor(canvas, '--chart-grid', '#e7eaf0');
    const scale = niceScale(max, 4);
    let labelW = 0;
    for (let v = 0; v <= scale.max + 1e-9; v += scale.step) labelW = Math.max(labelW, ctx.measureText(fmt(v)).width);
    const box = { left: Math.ceil(labelW) + 12, top: 10, right: w - 10, bottom: h - 26 };
    ctx.strokeStyle = grid;
    ctx.fillStyle = axis;
    ctx.lineWidth = 1;
    ctx.textAlign = 'right';
    for (let v = 0; v <= scale.max + 1e-9; v += scale.step) {
      const y = Math.round(box.bottom - (v / scale.max) * (box.bottom - box.top)) + 0.5;
      ctx.beginPath();
      ctx.moveTo(box.left, y);
      ctx.lineTo(box.right, y);
      ctx.stroke();
      ctx.fillText(fmt(v), box.left - 6, y);
    }
    // x labels, thinned so they do not overlap
    const n = labels.length;
    const band = (box.right - box.left) / n;
    const widest = labels.reduce((m, l) => Math.max(m, ctx.measureText(String(l)).width), 0) + 8;
    const every = Math.max(1, Math.ceil(widest / band));
    ctx.textAlign = 'center';
    for (let i = 0; i < n; i += every) {
      ctx.fillText(String(labels[i]), box.left + band * (i + 0.5), box.bottom + 14);
    }
    box.max = scale.max;
    box.band = band;
    return box;
  }

  function stacked(canvas, spec) {
    const { ctx, w, h } = setup(canvas);
    const labels = spec.labels || [];
    const series = spec.series || [];
    const totals = labels.map((_, i) => series.reduce((s, se) => s + (Number(se.values[i]) || 0), 0));
    const sum = totals.reduce((a, b) => a + b, 0);
    if (!labels.length || !(sum > 0)) return drawEmpty(canvas, ctx, w, h, spec.empty);
    const fmt = spec.format || compact;
    const box = drawYAxis(canvas, ctx, w, h, Math.max(...totals), compact, labels);
    const barW = Math.max(2, Math.min(48, box.band * 0.7));
    const colors = series.map((s, i) => seriesColor(canvas, s, i));
    labels.forEach((_, i) => {
      let y = box.bottom;
      const x = box.left + box.band * (i + 0.5) - barW / 2;
      series.forEach((s, k) => {
        const v = Number(s.values[i]) || 0;
        if (v <= 0) return;
        const hh = (v / box.max) * (box.bottom - box.top);
        ctx.fillStyle = colors[k];
        ctx.fillRect(x, y - hh, barW, hh);
        y -= hh;
      });
    });
    finish(canvas, spec, box, labels.length, sum, (i) =>
      [String(labels[i])].concat(series.map((s) => `${s.label}: ${fmt(Number(s.values[i]) || 0)}`), spec.totalLabel ? [`${spec.totalLabel}: ${fmt(totals[i])}`] : []));
  }

  function line(canvas, spec) {
    const { ctx, w, h } = setup(canvas);
    const labels = spec.labels || [];
    const series = spec.series || [];
    let max = 0;
    let sum = 0;
    series.forEach((s) => s.values.forEach((v) => { v = Number(v) || 0; max = Math.max(max, v); sum += v; }));
    if (!labels.length || !(max > 0)) return drawEmpty(canvas, ctx, w, h, spec.empty);
    const fmt = spec.format || compact;
    const box = drawYAxis(canvas, ctx, w, h, max, spec.axisFormat || compact, labels);
    series.forEach((s, k) => {
      const color = seriesColor(canvas, s, k);
      ctx.strokeStyle = color;
      ctx.fillStyle = color;
      ctx.lineWidth = 2;
      ctx.beginPath();
      s.values.forEach((v, i) => {
        const x = box.left + box.band * (i + 0.5);
        const y = box.bottom - ((Number(v) || 0) / box.max) * (box.bottom - box.top);
        if (i === 0) ctx.moveTo(x, y);
        else ctx.lineTo(x, y);
      });
      ctx.stroke();
      if (labels.length <= 60) {
        s.values.forEach((v, i) => {
          const x = box.left + box.band * (i + 0.5);
          const y = box.bottom - ((Number(v) || 0) / box.max) * (box.bottom - box.top);
          ctx.beginPath();
          ctx.arc(x, y, 3, 0, Math.PI * 2);
          ctx.fill();
        });
      }
    });
    finish(canvas, spec, box, labels.length, sum, (i) =>
      [String(labels[i])].concat(series.map((s) => `${s.label}: ${fmt(Number(s.values[i]) || 0)}`)));
  }

  function hbars(canvas, spec) {
    const labels = spec.labels || [];
    const values = (spec.values || []).map((v) => Number(v) || 0);
    const rowH = 24;
    if (spec.autoHeight !== false) {
      const want = Math.max(140, Math.min(640, labels.length * rowH + 30));
      canvas.style.height = want + 'px';
    }
    const { ctx, w, h } = setup(canvas);
    const sum = values.reduce((a, b) => a + b, 0);
    if (!labels.length || !(sum > 0)) return drawEmpty(canvas, ctx, w, h, spec.empty);
    const fmt = spec.format || compact;
    const axis = cssColor(canvas, '--chart-axis', '#667085');
    const fg = cssColor(canvas, '--fg', '#1c2333');
    const color = spec.color || cssColor(canvas, spec.colorVar || '--chart-1', FALLBACK[0]);
    const labelW = Math.min(w * 0.38, Math.max(60, labels.reduce((m, l) => Math.max(m, ctx.measureText(String(l)).width), 0) + 10));
    const valueW = values.reduce((m, v) => Math.max(m, ctx.measureText(fmt(v)).width), 0) + 12;
    const box = { left: labelW + 8, top: 8, right: w - valueW, bottom: h - 8 };
    const max = Math.max(...values);
    const band = Math.min(rowH + 8, (box.bottom - box.top) / labels.length);
    labels.forEach((label, i) => {
      const y = box.top + band * i;
      const bw = max > 0 ? (values[i] / max) * (box.right - box.left) : 0;
      ctx.fillStyle = axis;
      ctx.textAlign = 'right';
      ctx.fillText(ellipsize(ctx, label, labelW), labelW, y + band / 2);
      ctx.fillStyle = color;
      ctx.fillRect(box.left, y + band * 0.18, Math.max(bw, values[i] > 0 ? 2 : 0), band * 0.64);
      ctx.fillStyle = fg;
      ctx.textAlign = 'left';
      ctx.fillText(fmt(values[i]), box.left + bw + 6, y + band / 2);
    });
    box.band = band;
    box.horizontal = true;
    finish(canvas, spec, box, labels.length, sum, (i) => [String(labels[i]), fmt(values[i])]);
  }

  function finish(canvas, spec, box, points, total, describe) {
    canvas.dataset.drawn = '1';
    canvas.dataset.points = String(points);
    canvas.dataset.total = String(Math.round(total * 1e6) / 1e6);
    canvas._syGeom = { box, describe, points };
    if (spec.ariaLabel) canvas.setAttribute('aria-label', spec.ariaLabel);
  }

  // Tooltip: a positioned element next to the canvas (text only).
  function tooltip(canvas) {
    if (canvas._syTip) return;
    const tip = document.createElement('div');
    tip.className = 'chart-tip';
    tip.hidden = true;
    canvas.parentNode.appendChild(tip);
    canvas._syTip = tip;
    canvas.addEventListener('mousemove', (ev) => {
      const g = canvas._syGeom;
      if (!g) { tip.hidden = true; return; }
      const r = canvas.getBoundingClientRect();
      const x = ev.clientX - r.left;
      const y = ev.clientY - r.top;
      let i;
      if (g.box.horizontal) i = Math.floor((y - g.box.top) / g.box.band);
      else i = Math.floor((x - g.box.left) / g.box.band);
      if (!(i >= 0 && i < g.points)) { tip.hidden = true; return; }
      tip.textContent = g.describe(i).join('\n');
      tip.hidden = false;
      const pr = canvas.parentNode.getBoundingClientRect();
      const left = Math.min(ev.clientX - pr.left + 12, pr.width - tip.offsetWidth - 4);
      tip.style.left = Math.max(4, left) + 'px';
      tip.style.top = (ev.clientY - pr.top + 12) + 'px';
    });
    canvas.addEventListener('mouseleave', () => { tip.hidden = true; });
  }

  let observer = null;
  function observe(canvas) {
    if (!('ResizeObserver' in window)) return;
    if (!observer) {
      observer = new ResizeObserver((entries) => {
        for (const e of entries) {
          const c = e.target;
          const wNow = Math.round(e.contentRect.width);
          if (c._sySpec && c._syWidth !== wNow) {
            c._syWidth = wNow;
            draw(c, c._sySpec);
          }
        }
      });
    }
    if (!canvas._syObserved) {
      canvas._syObserved = true;
      observer.observe(canvas);
    }
  }

  function draw(canvas, spec) {
    if (spec.type === 'stacked') stacked(canvas, spec);
    else if (spec.type === 'line') line(canvas, spec);
    else if (spec.type === 'hbar') hbars(canvas, spec);
    else throw new Error('unknown chart type ' + spec.type);
  }

  function render(canvas, spec) {
    canvas._sySpec = spec;
    canvas._syWidth = Math.round(canvas.getBoundingClientRect().width);
    draw(canvas, spec);
    if (canvas.parentNode) tooltip(canvas);
    observe(canvas);
  }

  window.SYChart = { render, compact, niceScale };
})();
