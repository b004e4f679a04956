// Bonsai dashboard: the CSRF header on every htmx request, drag-and-drop upload with progress,
// charts, live job pages (SSE), sortable tables and the copy button. No inline script is needed,
// so the pages' Content-Security-Policy allows scripts from this server only.
(() => {
  'use strict';

  const ENDED = ['succeeded', 'failed', 'cancelled'];
  const COLOURS = ['#1d6b3a', '#0b5394', '#a4161a', '#7a4b00'];
  const charts = new Map();
  const csrf = () => document.querySelector('meta[name="csrf-token"]')?.content || '';

  document.addEventListener('htmx:configRequest', (event) => {
    const token = csrf();
    if (token) {
      event.detail.headers['X-CSRF-Token'] = token;
    }
  });

  // A form that made something (a key) is emptied for the next one; a refused one keeps what was typed.
  document.addEventListener('htmx:afterRequest', (event) => {
    const form = event.target.closest && event.target.closest('form[data-reset-on-success]');
    const status = event.detail.xhr ? event.detail.xhr.status : 0;
    if (form && event.target === form && status >= 200 && status < 300) {
      form.reset();
    }
  });

  // --- upload: drop a file on the box, see the upload's progress ---------------------------------
  function setUpDrop(zone) {
    const input = document.getElementById(zone.dataset.dropFor);
    const form = zone.closest('form');
    ['dragenter', 'dragover'].forEach((type) => zone.addEventListener(type, (event) => {
      event.preventDefault();
      zone.classList.add('over');
    }));
    ['dragleave', 'drop'].forEach((type) => zone.addEventListener(type, () => zone.classList.remove('over')));
    zone.addEventListener('drop', (event) => {
      event.preventDefault();
      if (event.dataTransfer && event.dataTransfer.files.length > 0) {
        input.files = event.dataTransfer.files;
        htmx.trigger(form, 'submit');
      }
    });
    const bar = form.querySelector('progress');
    form.addEventListener('htmx:beforeRequest', () => {
      bar.hidden = false;
      bar.value = 0;
    });
    form.addEventListener('htmx:xhr:progress', (event) => {
      if (event.detail.lengthComputable && event.detail.total > 0) {
        bar.value = Math.round(100 * event.detail.loaded / event.detail.total);
      }
    });
    form.addEventListener('htmx:afterRequest', () => {
      bar.value = 100;
    });
  }

  // --- charts ----------------------------------------------------------------------------------
  // A round step for an axis that starts at 0 and shows `ticks` steps up to at least `max`.
  function niceStep(max, ticks) {
    const raw = max > 0 ? max / ticks : 1 / ticks;
    const magnitude = 10 ** Math.floor(Math.log10(raw));
    const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((m) => m >= raw);
    return step;
  }

  // Lines or bars from {type, title, labels, series, x, stacked}; a series on the right axis shares
  // the left axis's gridlines (both have the same number of steps).
  function seriesChart(canvas, data) {
    const TICKS = 5;
    const rightAxis = data.series.some((s) => s.axis === 'right');
    const left = data.series.filter((s) => s.axis !== 'right');
    const leftMax = Math.max(0, ...left.flatMap((s) => (data.stacked
      ? s.values.map((_, i) => left.reduce((sum, t) => sum + (t.values[i] || 0), 0)) : s.values))
      .filter((v) => typeof v === 'number'));
    const step = niceStep(leftMax, TICKS);
    const scales = {
      x: { stacked: Boolean(data.stacked), title: { display: Boolean(data.x), text: data.x } },
      y: {
        stacked: Boolean(data.stacked), min: 0, max: step * TICKS, position: 'left',
        ticks: { stepSize: step, callback: (value) => String(Number(value.toFixed(2))) },
        title: { display: Boolean(left[0] && left[0].title), text: left[0] && left[0].title },
      },
    };
    if (rightAxis) {
      const right = data.series.find((s) => s.axis === 'right');
      scales.y1 = {
        min: 0, max: 1, position: 'right', ticks: { stepSize: 1 / TICKS }, grid: { drawOnChartArea: false },
        title: { display: Boolean(right.title), text: right.title },
      };
    }
    return new Chart(canvas, {
      type: data.type,
      data: {
        labels: data.labels.slice(),
        datasets: data.series.map((s, i) => ({
          label: s.name,
          data: s.values.slice(),
          backgroundColor: COLOURS[i % COLOURS.length],
          borderColor: COLOURS[i % COLOURS.length],
          yAxisID: s.axis === 'right' ? 'y1' : 'y',
          tension: 0.2,
        })),
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: { title: { display: Boolean(data.title), text: data.title }, legend: { display: data.series.length > 1 } },
        scales,
      },
    });
  }

  // Names each point of a scatter plot beside it, so that no one has to hover to read it.
  const pointNames = {
    id: 'pointNames',
    afterDatasetsDraw(chart) {
      const { ctx } = chart;
      ctx.save();
      ctx.font = '12px system-ui, sans-serif';
      ctx.fillStyle = '#1b1f23';
      chart.data.datasets.forEach((dataset, i) => {
        if (!dataset.named) {
          return;
        }
        chart.getDatasetMeta(i).data.forEach((element, j) => {
          const name = dataset.data[j].recipe;
          const width = ctx.measureText(name).width;
          // Right of the point, or left of it near the right edge.
          const x = element.x + 8 + width > chart.chartArea.right ? element.x - 8 - width : element.x + 8;
          ctx.fillText(name, x, element.y - 8);
        });
      });
      ctx.restore();
    },
  };

  // Accuracy against single-text latency: every variant named, the frontier of these two axes as
  // a step (a variant is on it when no other is both as fast and as accurate), the recommended
  // variant drawn larger and rejected ones crossed out.
  function paretoChart(canvas, points) {
    const point = (p) => ({ x: p.latencyMillis, y: p.accuracy * 100, recipe: p.recipe, bytes: p.bytes });
    const frontier = points.filter((p) => p.frontier).map(point).sort((a, b) => a.x - b.x);
    const recommended = points.filter((p) => p.status === 'recommended').map(point);
    const rejected = points.filter((p) => p.status === 'rejected' || p.status === 'does-not-fit').map(point);
    const others = points.filter((p) => !['recommended', 'rejected', 'does-not-fit'].includes(p.status)).map(point);
    const xs = points.map((p) => p.latencyMillis);
    const ys = points.map((p) => p.accuracy * 100);
    const xPad = Math.max((Math.max(...xs) - Math.min(...xs)) * 0.15, Math.max(...xs) * 0.05, 0.1);
    const yPad = Math.max((Math.max(...ys) - Math.min(...ys)) * 0.15, 1);
    const xMax = Math.max(...xs) + xPad;
    // The frontier runs on to the right edge: a slower budget buys no more than its last step.
    if (frontier.length > 0) {
      frontier.push({ ...frontier[frontier.length - 1], x: xMax });
    }
    return new Chart(canvas, {
      type: 'scatter',
      data: {
        datasets: [
          { label: 'Frontier (accuracy vs latency)', data: frontier, showLine: true, stepped: 'before', pointRadius: 0, pointHitRadius: 0,
            borderColor: COLOURS[1], backgroundColor: COLOURS[1], borderWidth: 2 },
          { label: 'Recommended', data: recommended, borderColor: COLOURS[0], backgroundColor: COLOURS[0], pointRadius: 9,
            pointStyle: 'rectRot', named: true },
          { label: 'Accepted', data: others, borderColor: '#4a5560', backgroundColor: '#4a5560', pointRadius: 5, named: true },
          { label: 'Rejected or does not fit', data: rejected, borderColor: COLOURS[2], backgroundColor: COLOURS[2],
            pointRadius: 7, pointStyle: 'crossRot', borderWidth: 2, named: true },
        ].filter((dataset) => dataset.data.length > 0).map((dataset) => ({ ...dataset, clip: false })),
      },
      plugins: [pointNames],
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        layout: { padding: { top: 16, right: 8 } },
        scales: {
          x: {
            title: { display: true, text: 'latency, 1 text, p50 (ms, this host)' },
            min: Math.max(0, Math.min(...xs) - xPad), max: xMax,
          },
          y: {
            title: { display: true, text: 'accuracy (%)' },
            min: Math.max(0, Math.min(...ys) - yPad), max: Math.min(100, Math.max(...ys) + yPad),
          },
        },
        plugins: {
          legend: { position: 'bottom' },
          tooltip: {
            callbacks: {
              label: (ctx) => `${ctx.raw.recipe}: ${ctx.raw.y.toFixed(1)}%, ${ctx.raw.x.toFixed(2)} ms, ${(ctx.raw.bytes / 1e6).toFixed(1)} MB`,
            },
          },
        },
      },
    });
  }

  function setUpChart(canvas) {
    if (typeof Chart === 'undefined' || charts.has(canvas.dataset.chart)) {
      return;
    }
    const source = document.getElementById(canvas.dataset.chart);
    const data = JSON.parse(source.textContent);
    if (canvas.dataset.kind === 'pareto' && data.length === 0) {
      return;
    }
    const chart = canvas.dataset.kind === 'pareto' ? paretoChart(canvas, data) : seriesChart(canvas, data);
    charts.set(canvas.dataset.chart, chart);
  }

  // --- live job pages --------------------------------------------------------------------------
  // As the server writes it (Views.asDuration): 75 → "1 min 15 s".
  function duration(seconds) {
    const s = Math.round(seconds);
    if (s < 60) return `${s} s`;
    if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ''}`;
    return `${Math.floor(s / 3600)} h${Math.floor((s % 3600) / 60) ? ` ${Math.floor((s % 3600) / 60)} min` : ''}`;
  }

  function showStatus(section, state) {
    const field = (name) => section.querySelector(`[data-field="${name}"]`);
    const status = field('status');
    status.textContent = state.status;
    status.className = `status status-${state.status}`;
    field('progress').value = state.progress;
    field('percent').textContent = `${(state.progress * 100).toFixed(1)}%`;
    const detail = [];
    if (state.queuePosition !== null && state.queuePosition !== undefined) {
      detail.push(`position ${state.queuePosition} in the queue`);
    }
    if (state.etaSeconds !== null && state.etaSeconds !== undefined) {
      detail.push(`about ${duration(state.etaSeconds)} left`);
    }
    field('detail').textContent = detail.length ? ` · ${detail.join(' · ')}` : '';
  }

  function addEvent(event) {
    const list = document.getElementById('events');
    const item = document.createElement('li');
    item.className = `event event-${event.level}`;
    const time = document.createElement('time');
    time.dateTime = event.createdAt;
    time.textContent = new Date(event.createdAt).toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
    let text = event.message || event.type;
    if (event.data && typeof event.data.trainLoss === 'number') {
      text += ` — training loss ${event.data.trainLoss.toFixed(3)}`;
      if (typeof event.data.validationMacroF1 === 'number') {
        text += `, validation macro-F1 ${event.data.validationMacroF1.toFixed(3)}`;
      }
    }
    item.append(time, ' ', text);
    list.append(item);
    list.scrollTop = list.scrollHeight;
  }

  function addEpoch(event) {
    const chart = charts.get('epoch-chart');
    if (!chart || !event.data || event.data.epoch === undefined) {
      return;
    }
    chart.data.labels.push(String(event.data.epoch));
    chart.data.datasets[0].data.push(event.data.trainLoss);
    chart.data.datasets[1].data.push(event.data.validationMacroF1);
    chart.update();
  }

  function follow(section) {
    let lastId = 0;
    let ended = false;
    const stream = new EventSource(section.dataset.live);
    stream.onmessage = (message) => {
      const event = JSON.parse(message.data);
      if (event.type === 'progress') {
        showStatus(section, event.data);
        if (ENDED.includes(event.data.status) && !ended) {
          ended = true;
          stream.close();
          // The page as rendered for an ended job shows the result, the model and every event.
          setTimeout(() => window.location.reload(), 300);
        }
        return;
      }
      if (event.id <= lastId) {
        return; // replayed after a reconnect
      }
      lastId = event.id;
      addEvent(event);
      addEpoch(event);
    };
    stream.onerror = () => {
      if (ended) {
        stream.close();
      }
    };
  }

  // --- sortable tables and the copy button ---------------------------------------------------------
  document.addEventListener('click', (event) => {
    const sort = event.target.closest('table[data-sortable] th button[data-sort]');
    if (sort) {
      const th = sort.closest('th');
      const table = th.closest('table');
      const index = Array.from(th.parentNode.children).indexOf(th);
      const numeric = sort.dataset.sort === 'number';
      const ascending = th.getAttribute('aria-sort') !== 'ascending';
      table.querySelectorAll('th[aria-sort]').forEach((h) => h.removeAttribute('aria-sort'));
      th.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
      const body = table.tBodies[0];
      const key = (row) => {
        const cell = row.cells[index];
        const raw = cell.dataset.value !== undefined ? cell.dataset.value : cell.textContent.trim();
        return numeric ? (raw === '' ? NaN : parseFloat(raw)) : raw.toLowerCase();
      };
      const rows = Array.from(body.rows).sort((a, b) => {
        const x = key(a);
        const y = key(b);
        if (numeric) {
          if (Number.isNaN(x)) return 1;
          if (Number.isNaN(y)) return -1;
          return ascending ? x - y : y - x;
        }
        return ascending ? x.localeCompare(y) : y.localeCompare(x);
      });
      rows.forEach((row) => body.appendChild(row));
      return;
    }
    const copy = event.target.closest('[data-copy]');
    if (copy) {
      const input = document.getElementById(copy.dataset.copy);
      const said = copy.parentNode.querySelector('.copied');
      const done = () => { if (said) said.textContent = 'Copied.'; };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(input.value).then(done, () => { input.select(); });
      } else {
        input.select();
        document.execCommand('copy');
        done();
      }
    }
  });

  function init(root) {
    root.querySelectorAll('[data-drop-for]').forEach(setUpDrop);
    root.querySelectorAll('canvas[data-chart]').forEach(setUpChart);
    root.querySelectorAll('[data-live]').forEach(follow);
    // An ended job's log opens at its last lines: the outcome, the best epoch.
    root.querySelectorAll('.events').forEach((list) => { list.scrollTop = list.scrollHeight; });
  }

  document.addEventListener('DOMContentLoaded', () => init(document));
})();
