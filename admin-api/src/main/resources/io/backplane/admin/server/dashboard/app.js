// The Backplane dashboard: polls the admin API with the operator's token (kept in this tab's sessionStorage only)
// and draws what it answers. No library, nothing to build.
'use strict';
const $ = (id) => document.getElementById(id);
const samples = []; // {t, height, txps}
const readiness = { samples: 0, ready: 0, downSince: null, lastRecoveryMs: null };
let lastSigned = null; // {t, n}: the previous scrape's signed total, for the rate
let token = sessionStorage.getItem('backplane-token') || '';

class Refused extends Error {}

async function api(path, body) {
  const headers = token ? { Authorization: 'Bearer ' + token } : {};
  const init = { headers, cache: 'no-store' };
  if (body !== undefined) {
    init.method = 'POST';
    if (body !== null) { headers['Content-Type'] = 'application/json'; init.body = JSON.stringify(body); }
  }
  const r = await fetch(path, init);
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
  const signed = sum(m, 'backplane_signatures_total', (l) => l.outcome === 'signed');
  const now = Date.now();
  if (lastSigned && now > lastSigned.t) $('sign-rate').textContent = (1000 * Math.max(0, signed - lastSigned.n) / (now - lastSigned.t)).toFixed(1) + ' signed/s';
  lastSigned = { t: now, n: signed };
  $('sign-refusals').textContent = sum(m, 'backplane_signatures_total', (l) => l.outcome === 'refused') + ' refused by the guard, '
    + sum(m, 'backplane_signatures_total', (l) => l.outcome === 'failed' || l.outcome === 'withheld') + ' failed or withheld';
  const n = sum(m, 'backplane_plugin_call_seconds_count');
  $('plugin-latency').textContent = n ? (1000 * sum(m, 'backplane_plugin_call_seconds_sum') / n).toFixed(2) + ' ms' : 'no calls';
}

function showPlugins(list) {
  const body = $('plugins').querySelector('tbody');
  body.replaceChildren(...list.map((p) => {
    const name = p.plugin ? (p.plugin.id + ' ' + p.plugin.version) : ((p.id || '') + ' ' + (p.version || ''));
    const by = p.kind === 'store' ? [p.uploader, p.approver].filter(Boolean).join(' / ') : (p.running || '');
    const tr = row([p.kind || '', name, p.state || '', by]);
    const td = document.createElement('td');
    if (p.kind === 'store' && p.state === 'STAGED') td.appendChild(button('Approve', () => approve(p)));
    if (p.kind === 'store' && p.state === 'PENDING') td.appendChild(button('Veto', () => decide(p, 'veto', null)));
    tr.appendChild(td);
    tr.dataset.plugin = name;
    return tr;
  }));
}

function button(label, onClick) {
  const b = document.createElement('button');
  b.textContent = label;
  b.className = label.toLowerCase();
  b.addEventListener('click', onClick);
  return b;
}

// The bytes an operator signs to consent to one lifecycle step (Authorization.statement): each field as a
// big-endian u32 length and its UTF-8 bytes.
function statement(action, p) {
  const parts = ['backplane-plugin-lifecycle-v1', action, p.id, p.version, p.jarSha256].map((x) => new TextEncoder().encode(x));
  const out = new Uint8Array(parts.reduce((n, b) => n + 4 + b.length, 0));
  const view = new DataView(out.buffer);
  let at = 0;
  for (const b of parts) { view.setUint32(at, b.length); out.set(b, at + 4); at += 4 + b.length; }
  return out;
}

async function approve(p) {
  const file = $('approver-key').files[0];
  if (!file) { text('plugin-result', 'choose your operator key file first'); return; }
  let signature;
  try {
    const key = await crypto.subtle.importKey('pkcs8', await file.arrayBuffer(), { name: 'Ed25519' }, false, ['sign']);
    const sig = new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, key, statement('approve', p)));
    signature = Array.from(sig, (b) => b.toString(16).padStart(2, '0')).join('');
  } catch (e) {
    text('plugin-result', 'that file is not an Ed25519 key from plugins keygen (' + e.message + ')');
    return;
  }
  await decide(p, 'approve', { signature });
}

async function decide(p, step, body) {
  try {
    const r = await api('/v1/plugins/' + encodeURIComponent(p.id) + '/' + encodeURIComponent(p.version) + '/' + step, body);
    text('plugin-result', r.status < 300 ? p.id + ' ' + p.version + ': ' + r.body.state : p.id + ' ' + p.version + ': ' + r.status + ' ' + (r.body.error || ''));
    showPlugins((await api('/v1/plugins')).body.plugins || []);
  } catch (e) {
    text('plugin-result', e.message);
  }
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
