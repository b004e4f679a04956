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
  function seriesChart(canvas, data) {
    const rightAxis = data.series.some((s) => s.axis === 'right');
    const scales = { y: { beginAtZero: true, position: 'left' } };
    if (rightAxis) {
      scales.y1 = { min: 0, max: 1, position: 'right', grid: { drawOnChartArea: false } };
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

  // Accuracy against single-text latency: every variant, the Pareto frontier joined up, the
  // recommended variant drawn larger.
  function paretoChart(canvas, points) {
    const point = (p) => ({ x: p.latencyMillis, y: p.accuracy * 100, recipe: p.recipe, bytes: p.bytes });
    const frontier = points.filter((p) => p.pareto).map(point).sort((a, b) => a.x - b.x);
    const recommended = points.filter((p) => p.status === 'recommended').map(point);
    const others = points.filter((p) => !p.pareto && p.status !== 'recommended').map(point);
    return new Chart(canvas, {
      type: 'scatter',
      data: {
        datasets: [
          { label: 'Pareto frontier', data: frontier, showLine: true, borderColor: COLOURS[1], backgroundColor: COLOURS[1], pointRadius: 5 },
          { label: 'Recommended', data: recommended, borderColor: COLOURS[0], backgroundColor: COLOURS[0], pointRadius: 10, pointStyle: 'rectRot' },
          { label: 'Other variants', data: others, borderColor: '#6b7680', backgroundColor: '#6b7680', pointRadius: 5 },
        ],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: {
          x: { title: { display: true, text: 'latency, batch 1, p50 (ms, this host)' }, beginAtZero: true },
          y: { title: { display: true, text: 'test accuracy (%)' } },
        },
        plugins: {
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
    const chart = canvas.dataset.kind === 'pareto' ? paretoChart(canvas, data) : seriesChart(canvas, data);
    charts.set(canvas.dataset.chart, chart);
  }

  // --- live job pages --------------------------------------------------------------------------
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
      detail.push(`about ${state.etaSeconds} s left`);
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
    chart.data.labels.push(event.message);
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
  }

  document.addEventListener('DOMContentLoaded', () => init(document));
})();
