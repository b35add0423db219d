'use strict';

// The dashboard polls the admin API of the node that served it. The samples of its charts are
// kept in the tab's sessionStorage, so a reload keeps the last five minutes.

const POLL_MILLIS = 2000;
const WINDOW_MILLIS = 5 * 60 * 1000;
const TOKEN_KEY = 'ferry.adminToken';
const LISTENER_ROWS = 50;

const state = {
  token: sessionStorage.getItem(TOKEN_KEY) || '',
  needToken: false,
  query: '',
  offset: 0,
  limit: 25,
  scope: 'cluster',
  samples: loadSamples(),
  timer: null,
  busy: false,
};

const SAMPLES_KEY = 'ferry.samples';

const $ = (id) => document.getElementById(id);

function loadSamples() {
  try {
    const kept = JSON.parse(sessionStorage.getItem(SAMPLES_KEY));
    if (kept && Array.isArray(kept.node) && Array.isArray(kept.cluster)) {
      return kept;
    }
  } catch (unreadable) {
    // start afresh
  }
  return { node: [], cluster: [] };
}

class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

async function api(method, path, body) {
  const headers = {};
  const sentToken = state.token;
  if (sentToken) {
    headers.Authorization = 'Bearer ' + sentToken;
  }
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
  }
  const response = await fetch(path, {
    method,
    headers,
    cache: 'no-store',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch (notJson) {
    json = null;
  }
  if (!response.ok) {
    const message = json && typeof json.error === 'string' ? json.error
      : text || response.statusText;
    if (response.status === 401 && sentToken === state.token) {
      askForToken(message);
    }
    throw new ApiError(response.status, message);
  }
  return json;
}

// ---- token

function askForToken(message) {
  if (state.needToken) {
    return;
  }
  state.needToken = true;
  $('token-error').textContent = state.token ? message : '';
  $('token-overlay').hidden = false;
  $('token-input').value = '';
  $('token-input').focus();
  setStatus('down', 'token needed');
}

function useToken(token) {
  state.token = token;
  state.needToken = false;
  sessionStorage.setItem(TOKEN_KEY, token);
  $('token-overlay').hidden = true;
  $('forget-token').hidden = false;
  refreshNow();
}

function forgetToken() {
  state.token = '';
  sessionStorage.removeItem(TOKEN_KEY);
  $('forget-token').hidden = true;
  refreshNow();
}

// ---- formatting

const decimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });
const whole = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

function rate(n) {
  return n === undefined || n === null ? '–' : decimal.format(n);
}

function bytes(n) {
  if (n === undefined || n === null) {
    return '–';
  }
  const units = ['B/s', 'KiB/s', 'MiB/s', 'GiB/s'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return (unit === 0 ? whole.format(value) : decimal.format(value)) + ' ' + units[unit];
}

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (key === 'class') {
      node.className = value;
    } else if (key === 'text') {
      node.textContent = value;
    } else if (key.startsWith('data-')) {
      node.setAttribute(key, value);
    } else {
      node[key] = value;
    }
  }
  for (const child of children) {
    if (child !== null && child !== undefined) {
      node.append(child);
    }
  }
  return node;
}

function setStatus(kind, text) {
  $('status').className = 'status ' + kind;
  $('status-text').textContent = text;
}

function showBanner(text, kind) {
  $('banner').className = 'banner' + (kind ? ' ' + kind : '');
  $('banner-text').textContent = text;
  $('banner').hidden = false;
}

// ---- polling

async function refresh() {
  if (state.needToken || state.busy) {
    return;
  }
  state.busy = true;
  try {
    const page = new URLSearchParams({
      q: state.query, offset: String(state.offset), limit: String(state.limit) });
    const [members, upstreams, sessions] = await Promise.all([
      api('GET', '/proxy/cluster'),
      api('GET', '/proxy/upstreams?' + page),
      api('GET', '/proxy/sessions?counts=true'),
    ]);
    if (upstreams.upstreams.length === 0 && upstreams.total > 0 && state.offset > 0) {
      state.offset = Math.max(0, Math.floor((upstreams.total - 1) / state.limit) * state.limit);
      state.busy = false;
      return refresh();
    }
    const names = upstreams.upstreams.map((u) => encodeURIComponent(u.name)).join(',');
    const [nodeStats, clusterStats] = await Promise.all([
      api('GET', '/proxy/stats?upstreams=' + names),
      api('GET', '/proxy/stats?scope=cluster&upstreams=' + names),
    ]);
    record(nodeStats, clusterStats);
    render({ members, upstreams, sessions, nodeStats, clusterStats });
    setStatus('live', 'live · ' + new Date().toLocaleTimeString());
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 401)) {
      setStatus('down', err instanceof ApiError ? 'API error ' + err.status : 'unreachable');
    }
  } finally {
    state.busy = false;
  }
}

function schedule() {
  clearTimeout(state.timer);
  state.timer = setTimeout(async () => {
    if (!document.hidden) {
      await refresh();
    }
    schedule();
  }, POLL_MILLIS);
}

function refreshNow() {
  refresh().finally(schedule);
}

function record(nodeStats, clusterStats) {
  const now = Date.now();
  const sample = (g) => ({
    t: now,
    req: g.requests_rate || 0,
    fail: g.fails_rate || 0,
    bytes: (g.rx_rate || 0) + (g.tx_rate || 0),
  });
  const clusterGlobal = (clusterStats.sum || {}).global || {};
  state.samples.node.push(sample(nodeStats.counter.global));
  state.samples.cluster.push(sample(clusterGlobal));
  for (const series of Object.values(state.samples)) {
    while (series.length && series[0].t < now - WINDOW_MILLIS) {
      series.shift();
    }
  }
  sessionStorage.setItem(SAMPLES_KEY, JSON.stringify(state.samples));
}

// ---- rendering

function render(data) {
  const clusterGlobal = (data.clusterStats.sum || {}).global || {};
  $('tile-nodes').textContent = whole.format(data.members.length);
  $('tile-upstreams').textContent = state.query ? whole.format(data.upstreams.total)
    + ' found' : whole.format(data.upstreams.total);
  $('tile-req').textContent = rate(clusterGlobal.requests_rate);
  $('tile-fail').textContent = rate(clusterGlobal.fails_rate);
  $('tile-fail').classList.toggle('hot', (clusterGlobal.fails_rate || 0) > 0);
  $('tile-bytes').textContent = bytes((clusterGlobal.rx_rate || 0)
    + (clusterGlobal.tx_rate || 0));
  $('tile-total').textContent = whole.format(clusterGlobal.requests || 0);
  renderUpstreams(data);
  renderNodes(data);
  renderListeners(data);
  drawCharts();
}

function renderUpstreams(data) {
  const table = $('upstreams');
  table.querySelectorAll('tbody').forEach((body) => body.remove());
  const counters = state.scope === 'cluster'
    ? (data.clusterStats.sum || {}).upstream || {}
    : data.nodeStats.counter.upstream || {};
  for (const u of data.upstreams.upstreams) {
    table.append(upstreamBody(u, counters[u.name] || {}, data.sessions[u.name] || 0));
  }
  const total = data.upstreams.total;
  const first = total === 0 ? 0 : state.offset + 1;
  const last = state.offset + data.upstreams.upstreams.length;
  $('page-info').textContent = total === 0 ? ''
    : `${whole.format(first)}–${whole.format(last)} of ${whole.format(total)}`;
  $('upstreams-empty').hidden = total !== 0;
  $('upstreams-empty').textContent = state.query
    ? 'No upstream matches “' + state.query + '”.'
    : 'No upstream yet. Add a backend to create one.';
  $('prev').disabled = state.offset === 0;
  $('next').disabled = last >= total;
}

function upstreamBody(u, counters, sessionCount) {
  const body = el('tbody', { 'data-upstream': u.name });
  const head = el('td', { colSpan: 9 },
    el('span', { class: 'name', text: u.name }),
    u.alias ? el('span', { class: 'badge accent', text: u.alias, title: 'alias' }) : null,
    u.listen ? el('span', { class: 'badge', text: 'tcp ' + u.listen,
      title: 'TCP listener' }) : null,
    el('span', { class: 'badge', text: u.sticky ? 'sticky' : 'not sticky' }),
    el('span', { class: 'badge', 'data-sessions': String(sessionCount),
      text: whole.format(sessionCount) + (sessionCount === 1 ? ' session' : ' sessions') }),
    el('button', { type: 'button', class: 'ghost small inline-add', text: '+ backend',
      title: 'Add a backend to ' + u.name, onclick: () => openAddForm(u) }));
  body.append(el('tr', { class: 'upstream' }, head));
  for (const b of u.backends) {
    const c = counters[b.id] || {};
    const address = (b.scheme ? b.scheme + '://' : '')
      + (b.ip.includes(':') ? '[' + b.ip + ']' : b.ip) + ':' + b.port;
    const remove = el('button', { type: 'button', class: 'danger small', text: 'Remove',
      'data-remove': b.id,
      onclick: () => removeBackend(u, b) });
    remove.setAttribute('aria-label', `Remove backend ${b.id} of ${u.name}`);
    body.append(el('tr', { class: 'backend', 'data-backend': b.id },
      el('td', { class: 'id' }, el('span', { class: 'mono', text: b.id }), healthBadge(b.health)),
      el('td', { class: 'address' }, el('span', { class: 'mono', text: address })),
      el('td', { class: 'num', 'data-label': 'Weight', text: String(b.weihgt) }),
      el('td', { class: 'num', 'data-label': 'Active',
        text: whole.format(c.active_clients || 0) }),
      el('td', { class: 'num', 'data-label': 'Req/s', text: rate(c.requests_rate || 0) }),
      el('td', { class: 'num' + ((c.fails_rate || 0) > 0 ? ' hot' : ''),
        'data-label': 'Err/s', text: rate(c.fails_rate || 0) }),
      el('td', { class: 'num wide', text: whole.format(c.requests || 0) }),
      el('td', { class: 'num wide', text: whole.format(c.fails || 0) }),
      el('td', { class: 'actions' }, remove)));
  }
  return body;
}

/** This node's view of a backend's health; nothing while it is unchecked. */
function healthBadge(health) {
  if (!health || health === 'unchecked') {
    return null;
  }
  return el('span', { class: 'badge ' + (health === 'up' ? 'good' : 'bad'), text: health,
    'data-health': health, title: 'health on this node' });
}

function renderNodes(data) {
  const body = $('nodes').querySelector('tbody');
  body.replaceChildren();
  const byNode = data.clusterStats.nodes || {};
  for (const m of data.members) {
    const stats = byNode[m.id] || {};
    const g = (stats.counter || {}).global || {};
    body.append(el('tr', {},
      el('td', {}, el('span', { class: 'mono', text: m.id.slice(0, 8), title: m.id }),
        m.local ? el('span', { class: 'badge accent', text: 'this node' }) : null,
        stats.error ? el('span', { class: 'badge bad', text: 'no answer',
          title: stats.error }) : null),
      el('td', { class: 'mono', text: m.advertiseIP }),
      el('td', { class: 'mono wide', text: m.listenAddr }),
      el('td', { class: 'mono wide', text: m.adminListenAddr }),
      el('td', { class: 'num', text: rate(g.requests_rate) }),
      el('td', { class: 'num', text: rate(g.fails_rate) }),
      el('td', { text: m.uptime })));
  }
}

function renderListeners(data) {
  const body = $('listeners').querySelector('tbody');
  body.replaceChildren();
  const own = data.nodeStats.tcpd || {};
  const all = (data.clusterStats.sum || {}).tcpd || {};
  const listens = Object.keys(own).sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)));
  for (const listen of listens.slice(0, LISTENER_ROWS)) {
    const l = own[listen];
    body.append(el('tr', {},
      el('td', { class: 'mono', text: listen }),
      el('td', {}, el('span', { class: 'badge ' + (l.serving ? 'good' : 'bad'),
        text: l.serving ? 'serving' : 'closed' })),
      el('td', { class: 'num', text: whole.format(l.active_clients || 0) }),
      el('td', { class: 'num wide',
        text: whole.format((all[listen] || {}).active_clients || 0) }),
      el('td', { text: l.uptime })));
  }
  if (listens.length > LISTENER_ROWS) {
    body.append(el('tr', {}, el('td', { colSpan: 5, class: 'muted',
      text: `and ${whole.format(listens.length - LISTENER_ROWS)} more` })));
  }
  $('listeners-empty').hidden = listens.length !== 0;
}

// ---- charts

function drawCharts() {
  for (const figure of document.querySelectorAll('.chart')) {
    drawChart(figure.querySelector('canvas'), figure.dataset.metric);
  }
}

// The gridline step, a round number (in bytes, a power of two) of which four cover top.
function niceStep(top, base) {
  if (top <= 0) {
    return 0.25;
  }
  const wanted = top / 4;
  const power = Math.pow(base, Math.floor(Math.log(wanted) / Math.log(base)));
  const factors = base === 1024 ? [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024]
    : [1, 2, 2.5, 5, 10];
  for (const f of factors) {
    if (wanted <= f * power) {
      return f * power;
    }
  }
  return base * power;
}

function drawChart(canvas, metric) {
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth;
  const height = canvas.clientHeight;
  if (width === 0) {
    return;
  }
  canvas.width = Math.round(width * ratio);
  canvas.height = Math.round(height * ratio);
  const g = canvas.getContext('2d');
  g.setTransform(ratio, 0, 0, ratio, 0, 0);
  g.clearRect(0, 0, width, height);

  const style = getComputedStyle(document.documentElement);
  const colors = {
    cluster: style.getPropertyValue('--accent').trim(),
    node: style.getPropertyValue('--node').trim(),
  };
  const format = metric === 'bytes' ? bytes : rate;
  const left = 64;
  const right = 8;
  const top = 8;
  const bottom = 20;
  const plotWidth = width - left - right;
  const plotHeight = height - top - bottom;
  const now = Date.now();
  const highest = Math.max(0, ...state.samples.cluster.map((s) => s[metric]),
    ...state.samples.node.map((s) => s[metric]));
  const step = niceStep(highest, metric === 'bytes' ? 1024 : 10);
  const lines = Math.max(1, Math.ceil(highest / step));
  const max = step * lines;
  const x = (t) => left + plotWidth * (1 - (now - t) / WINDOW_MILLIS);
  const y = (v) => top + plotHeight * (1 - v / max);

  g.font = '11px system-ui, sans-serif';
  g.fillStyle = '#6b7685';
  g.strokeStyle = '#e8ebf0';
  g.lineWidth = 1;
  g.textAlign = 'right';
  g.textBaseline = 'middle';
  for (let i = 0; i <= lines; i++) {
    const value = step * i;
    const py = Math.round(y(value)) + 0.5;
    g.beginPath();
    g.moveTo(left, py);
    g.lineTo(width - right, py);
    g.stroke();
    g.fillText(format(value), left - 6, py);
  }
  g.textAlign = 'center';
  g.textBaseline = 'alphabetic';
  for (let minute = 5; minute >= 0; minute--) {
    const px = x(now - minute * 60000);
    g.fillText(minute === 0 ? 'now' : '-' + minute + 'm', Math.min(px, width - right - 12),
      height - 5);
  }

  plot(g, state.samples.cluster, metric, x, y, colors.cluster, true, top + plotHeight);
  plot(g, state.samples.node, metric, x, y, colors.node, false, top + plotHeight);
}

function plot(g, series, metric, x, y, color, fill, base) {
  if (series.length === 0) {
    return;
  }
  g.beginPath();
  series.forEach((s, i) => (i === 0 ? g.moveTo(x(s.t), y(s[metric]))
    : g.lineTo(x(s.t), y(s[metric]))));
  g.strokeStyle = color;
  g.lineWidth = fill ? 2 : 1.5;
  g.setLineDash(fill ? [] : [4, 3]);
  g.stroke();
  g.setLineDash([]);
  if (fill) {
    g.lineTo(x(series[series.length - 1].t), base);
    g.lineTo(x(series[0].t), base);
    g.closePath();
    g.globalAlpha = 0.12;
    g.fillStyle = color;
    g.fill();
    g.globalAlpha = 1;
  }
}

// ---- changes

function openAddForm(upstream) {
  const form = $('add-form');
  form.hidden = false;
  $('add-result').textContent = '';
  if (upstream) {
    form.elements.name.value = upstream.name;
    form.elements.id.value = '';
    form.elements.id.focus();
  } else {
    form.elements.name.focus();
  }
}

async function addBackend(event) {
  event.preventDefault();
  const f = event.target.elements;
  const result = $('add-result');
  const upstream = { name: f.name.value.trim() };
  if (f.alias.value.trim()) {
    upstream.alias = f.alias.value.trim();
  }
  if (f.listen.value.trim()) {
    upstream.listen = f.listen.value.trim();
  }
  const backend = {
    id: f.id.value.trim(),
    ip: f.ip.value.trim(),
    port: f.port.value === '' ? undefined : Number(f.port.value),
    scheme: f.scheme.value,
  };
  if (f.weight.value !== '') {
    backend.weihgt = Number(f.weight.value);
  }
  result.className = 'form-result';
  result.textContent = 'storing…';
  try {
    await api('PUT', '/proxy/upstreams', { upstream, backend });
    result.className = 'form-result ok';
    result.textContent = `Backend ${backend.id} of ${upstream.name} stored.`;
    f.id.value = '';
    refreshNow();
  } catch (err) {
    result.className = 'form-result error';
    result.textContent = err.message;
  }
}

async function removeBackend(u, b) {
  const last = u.backends.length === 1;
  const question = `Remove backend ${b.id} (${b.ip}:${b.port}) from upstream ${u.name}?`
    + (last ? `\nIt is the last backend: the upstream ${u.name} goes with it.` : '');
  if (!window.confirm(question)) {
    return;
  }
  try {
    await api('DELETE', '/proxy/upstreams',
      { upstream: { name: u.name }, backend: { id: b.id } });
    showBanner(`Backend ${b.id} of ${u.name} removed.`, 'info');
    refreshNow();
  } catch (err) {
    showBanner(err.message);
  }
}

// ---- wiring

function start() {
  $('forget-token').hidden = !state.token;
  $('token-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const token = $('token-input').value;
    if (token) {
      useToken(token);
    }
  });
  $('forget-token').addEventListener('click', forgetToken);
  $('banner-close').addEventListener('click', () => { $('banner').hidden = true; });
  $('toggle-add').addEventListener('click', () => {
    if ($('add-form').hidden) {
      openAddForm(null);
    } else {
      $('add-form').hidden = true;
    }
  });
  $('cancel-add').addEventListener('click', () => { $('add-form').hidden = true; });
  $('add-form').addEventListener('submit', addBackend);

  let typing = null;
  $('search').addEventListener('input', (event) => {
    clearTimeout(typing);
    typing = setTimeout(() => {
      state.query = event.target.value.trim();
      state.offset = 0;
      refreshNow();
    }, 250);
  });
  $('page-size').addEventListener('change', (event) => {
    state.limit = Number(event.target.value);
    state.offset = 0;
    refreshNow();
  });
  $('prev').addEventListener('click', () => {
    state.offset = Math.max(0, state.offset - state.limit);
    refreshNow();
  });
  $('next').addEventListener('click', () => {
    state.offset += state.limit;
    refreshNow();
  });
  for (const button of document.querySelectorAll('.segmented button')) {
    button.addEventListener('click', () => {
      state.scope = button.dataset.scope;
      document.querySelectorAll('.segmented button')
        .forEach((b) => b.classList.toggle('on', b === button));
      refreshNow();
    });
  }
  window.addEventListener('resize', drawCharts);
  refreshNow();
}

start();
