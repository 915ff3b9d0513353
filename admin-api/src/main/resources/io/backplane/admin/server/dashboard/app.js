// The Backplane dashboard: polls the admin API with the operator's token (kept in this tab's sessionStorage only)
// and draws what it answers. No library, nothing to build.
'use strict';
const $ = (id) => document.getElementById(id);
const samples = []; // {t, height, txps}
const readiness = { samples: 0, ready: 0, downSince: null, lastRecoveryMs: null };
let token = sessionStorage.getItem('backplane-token') || '';

class Refused extends Error {}

async function api(path) {
  const r = await fetch(path, { headers: token ? { Authorization: 'Bearer ' + token } : {}, cache: 'no-store' });
  if (r.status === 401 || r.status === 403 || r.status === 429) {
    const body = await r.json().catch(() => ({}));
    throw new Refused(r.status + ': ' + (body.error || r.statusText));
  }
  const type = r.headers.get('content-type') || '';
  return { status: r.status, body: type.includes('json') ? await r.json() : await r.text() };
}

function metrics(text) {
  const out = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = line.match(/^([a-zA-Z_:][\w:]*)(\{([^}]*)\})?\s+(\S+)/);
    if (!m) continue;
    const labels = {};
    (m[3] || '').replace(/(\w+)="((?:[^"\\]|\\.)*)"/g, (_, k, v) => { labels[k] = v; });
    out.push({ name: m[1], labels, value: Number(m[4]) });
  }
  return out;
}

const sum = (series, name, keep = () => true) =>
  series.filter((s) => s.name === name && keep(s.labels)).reduce((a, s) => a + (Number.isFinite(s.value) ? s.value : 0), 0);

function text(id, value) { $(id).textContent = value; }

function showStatus(s) {
  text('node-id', s.id);
  text('height', s.height);
  text('round', s.round + ' / ' + s.leader);
  text('txps', Number(s.txPerSec).toFixed(1));
  text('latency', ms(s.commitLatencyP50Ms) + ' / ' + ms(s.commitLatencyP99Ms));
  text('peers', s.peersConnected + ' of ' + (s.peers ? s.peers.length : '?'));
  text('signing', s.signing ? 'signing' : (s.doppelganger ? 'stopped: ' + s.doppelganger : 'listening'));
  samples.push({ t: Date.now(), height: s.height, txps: s.txPerSec });
  if (samples.length > 300) samples.shift();
  draw();
}

function ms(v) { return v == null || v < 0 ? '–' : Math.round(v) + ' ms'; }

function showReadiness(r) {
  const ready = !!r.body.ready;
  readiness.samples++;
  if (ready) readiness.ready++;
  if (!ready && readiness.downSince === null) readiness.downSince = Date.now();
  if (ready && readiness.downSince !== null) { readiness.lastRecoveryMs = Date.now() - readiness.downSince; readiness.downSince = null; }
  const pill = $('ready');
  pill.textContent = ready ? 'ready' : 'not ready';
  pill.className = 'pill ' + (ready ? 'ok' : 'bad');
  text('availability', (100 * readiness.ready / readiness.samples).toFixed(1) + ' %');
  text('recovery', readiness.lastRecoveryMs === null ? (readiness.downSince ? 'down now' : 'none seen') : (readiness.lastRecoveryMs / 1000).toFixed(1) + ' s');
  const body = $('checks').querySelector('tbody');
  body.replaceChildren(...(r.body.checks || []).map((c) => row([c.name, c.ok ? 'yes' : 'NO', c.reason])));
}

function showMetrics(text) {
  const m = metrics(text);
  const calls = sum(m, 'backplane_accel_calls_total');
  const device = sum(m, 'backplane_accel_calls_total', (l) => l.backend && l.backend !== 'cpu');
  $('accel').textContent = calls ? (100 * device / calls).toFixed(1) + ' % device' : 'no calls';
  $('fallbacks').textContent = sum(m, 'backplane_accel_fallbacks_total') + ' fallbacks to the CPU';
  const n = sum(m, 'backplane_plugin_call_seconds_count');
  $('plugin-latency').textContent = n ? (1000 * sum(m, 'backplane_plugin_call_seconds_sum') / n).toFixed(2) + ' ms' : 'no calls';
}

function showPlugins(list) {
  const body = $('plugins').querySelector('tbody');
  body.replaceChildren(...list.map((p) => row([p.kind || '', p.plugin ? (p.plugin.id + ' ' + p.plugin.version) : (p.id || ''), p.state || '', p.running || ''])));
}

function row(cells) {
  const tr = document.createElement('tr');
  for (const c of cells) { const td = document.createElement('td'); td.textContent = String(c); tr.appendChild(td); }
  return tr;
}

function draw() {
  const c = $('chart');
  const g = c.getContext('2d');
  g.clearRect(0, 0, c.width, c.height);
  if (samples.length < 2) return;
  const line = (key, color) => {
    const vs = samples.map((s) => Number(s[key]) || 0);
    const lo = Math.min(...vs), hi = Math.max(...vs), span = hi - lo || 1;
    g.strokeStyle = color; g.lineWidth = 2; g.beginPath();
    vs.forEach((v, i) => {
      const x = (i / (vs.length - 1)) * (c.width - 10) + 5, y = c.height - 5 - ((v - lo) / span) * (c.height - 10);
      i ? g.lineTo(x, y) : g.moveTo(x, y);
    });
    g.stroke();
  };
  line('height', '#4cc9f0');
  line('txps', '#f4a261');
}

async function tick() {
  try {
    showReadiness(await api('/health/ready'));
    showStatus((await api('/v1/status')).body);
    const m = await api('/metrics').catch((e) => (e instanceof Refused ? null : Promise.reject(e)));
    if (m) showMetrics(m.body);
    if (samples.length % 5 === 1) showPlugins((await api('/v1/plugins')).body.plugins || []);
    text('updated', 'updated ' + new Date().toLocaleTimeString());
  } catch (e) {
    if (e instanceof Refused) { logout(e.message); return; }
    text('updated', 'the node does not answer: ' + e.message);
  }
  timer = setTimeout(tick, 1000);
}

let timer = null;

function logout(message) {
  clearTimeout(timer);
  sessionStorage.removeItem('backplane-token');
  token = '';
  $('board').hidden = true;
  $('login').hidden = false;
  text('login-error', message || '');
}

function login(t) {
  token = t;
  sessionStorage.setItem('backplane-token', t);
  $('login').hidden = true;
  $('board').hidden = false;
  text('login-error', '');
  tick();
}

document.addEventListener('DOMContentLoaded', () => {
  $('login-form').addEventListener('submit', (e) => { e.preventDefault(); login($('token').value.trim()); });
  if (token) login(token);
});
