import { ACTIONS_SCRIPT } from './page-actions.js';
import { HISTORY_SCRIPT } from './page-history.js';

/**
 * The status page's script (inlined, plain ES2017, no libraries). It follows
 * `api/stream` (Server-Sent Events, see stream-feed.ts) and renders with
 * `textContent`/`setAttribute` only: node names and event details are never
 * parsed as HTML. A `token` in the page's query is passed on to the stream as
 * `?token=` because EventSource cannot send an Authorization header. The
 * node actions (page-actions.ts) run inside the same closure.
 */
export const PAGE_SCRIPT = String.raw`
(function () {
  'use strict';
  var STATES = ['running', 'starting', 'queued', 'stopping', 'backoff', 'exited', 'fatal', 'paused', 'stopped'];
  var HEALTHS = ['unknown', 'syncing', 'in_sync', 'out_of_sync', 'unreachable'];
  var LIVE = { running: true, starting: true, stopping: true };
  var MAX_EVENTS = 50;
  var COLUMNS = [
    ['name', 'Node'], ['state', 'State'], ['health', 'Health'], ['pid', 'PID', 1], ['uptime', 'Uptime', 1],
    ['restarts', 'Restarts', 1], ['height', 'Height', 1], ['lag', 'Lag', 1], ['version', 'Version'],
    ['peers', 'Peers', 1], ['cpu', 'CPU', 1], ['memory', 'Memory', 1], ['held', 'Held'], ['history', 'History'],
    ['actions', 'Actions']
  ];
  var TARGET_STATES = ['up', 'down', 'unknown'];
  var TARGET_COLUMNS = [
    ['name', 'Target'], ['state', 'State'], ['height', 'Height', 1], ['lag', 'Lag', 1], ['version', 'Version'],
    ['peers', 'Peers', 1], ['latency', 'Latency', 1], ['error', 'Last error']
  ];
  var targetRows = new Map();
  var token = new URLSearchParams(location.search).get('token');
  var streamUrl = 'api/stream' + (token ? '?token=' + encodeURIComponent(token) : '');
  var rows = new Map();
  var status = null;
  var receivedAt = 0;
  var events = [];
  var source = null;

  function $(id) { return document.getElementById(id); }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function badge(kind, value, known) {
    var v = known.indexOf(value) >= 0 ? value : 'unknown';
    return el('span', 'badge ' + kind + '-' + v, String(value).replace(/_/g, ' '));
  }
  function num(n) { return typeof n === 'number' && isFinite(n) ? n.toLocaleString('en-US') : '\u2014'; }
  function duration(s) {
    if (typeof s !== 'number' || !isFinite(s)) return '\u2014';
    s = Math.max(0, Math.floor(s));
    var d = Math.floor(s / 86400), h = Math.floor(s / 3600) % 24, m = Math.floor(s / 60) % 60, sec = s % 60;
    if (d > 0) return d + 'd ' + h + 'h';
    if (h > 0) return h + 'h ' + m + 'm';
    if (m > 0) return m + 'm ' + sec + 's';
    return sec + 's';
  }
  function bytes(b) {
    if (typeof b !== 'number' || !isFinite(b)) return '\u2014';
    var units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'], i = 0;
    while (b >= 1024 && i < units.length - 1) { b /= 1024; i++; }
    return (i === 0 ? b : b.toFixed(b < 10 ? 1 : 0)) + ' ' + units[i];
  }
  function clock(ts) {
    var d = new Date(ts), now = new Date();
    var t = d.toLocaleTimeString('en-GB', { hour12: false });
    return d.toDateString() === now.toDateString() ? t : d.toISOString().slice(0, 10) + ' ' + t;
  }
  function setText(cell, text) { if (cell.textContent !== text) cell.textContent = text; }
${ACTIONS_SCRIPT}
${HISTORY_SCRIPT}

  function makeRow(name) {
    var tr = el('tr');
    tr.setAttribute('data-node', name);
    var cells = {};
    COLUMNS.forEach(function (c) {
      var td = el('td', c[0] + (c[2] ? ' num' : ''));
      td.setAttribute('data-label', c[1]);
      tr.appendChild(td);
      cells[c[0]] = td;
    });
    var link = el('a', null, name);
    link.href = '#node=' + encodeURIComponent(name);
    cells.name.appendChild(link);
    var r = { tr: tr, cells: cells, state: null, health: null, actions: actions.cell(cells.actions, name) };
    rows.set(name, r);
    charts.row(r, name);
    return r;
  }
  function exitNote(n) {
    if (n.state !== 'exited' && n.state !== 'backoff' && n.state !== 'fatal') return '';
    if (n.exitSignal) return n.exitSignal;
    return n.exitCode === null || n.exitCode === undefined ? '' : 'exit ' + n.exitCode;
  }
  function updateRow(r, n) {
    var c = r.cells;
    r.tr.setAttribute('data-state', n.state);
    if (r.state !== n.state + '|' + exitNote(n)) {
      r.state = n.state + '|' + exitNote(n);
      c.state.replaceChildren(badge('st', n.state, STATES));
      if (exitNote(n)) c.state.appendChild(el('span', 'note', exitNote(n)));
    }
    if (r.health !== n.health) {
      r.health = n.health;
      c.health.replaceChildren(badge('h', n.health, HEALTHS));
    }
    setText(c.pid, n.pid === null ? '\u2014' : String(n.pid));
    setText(c.restarts, num(n.restarts));
    var h = num(n.height);
    if (typeof n.referenceHeight === 'number' && n.referenceHeight !== n.height) h += ' / ' + num(n.referenceHeight);
    setText(c.height, h);
    setText(c.lag, num(n.lag));
    setText(c.version, n.version ? String(n.version) : '\u2014');
    var peerTitle = n.peerId ? 'peer id ' + n.peerId : '';
    if (c.version.title !== peerTitle) c.version.title = peerTitle;
    setText(c.peers, num(n.peers));
    setText(c.cpu, typeof n.cpuPercent === 'number' ? n.cpuPercent.toFixed(1) + '%' : '\u2014');
    setText(c.memory, bytes(n.rssBytes));
    setText(c.held, n.held ? 'held' : '\u2014');
    c.held.className = 'held' + (n.held ? ' is-held' : '');
    actions.update(r.actions, n);
  }
  function tickUptime() {
    if (!status) return;
    var elapsed = (Date.now() - receivedAt) / 1000;
    status.nodes.forEach(function (n) {
      var r = rows.get(n.name);
      if (!r) return;
      var up = LIVE[n.state] && typeof n.uptimeSeconds === 'number' ? n.uptimeSeconds + elapsed : null;
      setText(r.cells.uptime, duration(up));
    });
  }
  function renderCounts(msg) {
    var box = $('counts');
    box.replaceChildren();
    STATES.forEach(function (s) {
      if (msg.counts[s]) box.appendChild(badge('st', s, STATES)).textContent = msg.counts[s] + ' ' + s;
    });
    var held = msg.nodes.filter(function (n) { return n.held; }).length;
    if (held) box.appendChild(el('span', 'badge is-held', held + ' held'));
  }
  function renderStatus(msg) {
    status = msg;
    receivedAt = Date.now();
    setText($('host'), msg.host);
    setText($('version'), 'nodewarden ' + msg.version);
    document.title = msg.host + ' \u00b7 nodewarden';
    setText($('node-total'), '(' + msg.nodes.length + ')');
    renderCounts(msg);
    var body = $('nodes').tBodies[0];
    var seen = new Set();
    msg.nodes.forEach(function (n, i) {
      var r = rows.get(n.name) || makeRow(n.name);
      seen.add(n.name);
      updateRow(r, n);
      if (body.children[i] !== r.tr) body.insertBefore(r.tr, body.children[i] || null);
    });
    rows.forEach(function (r, name) {
      if (!seen.has(name)) { r.tr.remove(); rows.delete(name); actions.drop(r.actions); charts.drop(r, name); }
    });
    $('empty').hidden = msg.nodes.length > 0;
    renderTargets(msg.targets || []);
    tickUptime();
    charts.status(msg);
  }
  function makeTargetRow(name) {
    var tr = el('tr');
    tr.setAttribute('data-target', name);
    var cells = {};
    TARGET_COLUMNS.forEach(function (c) {
      var td = el('td', c[0] + (c[2] ? ' num' : ''));
      td.setAttribute('data-label', c[1]);
      tr.appendChild(td);
      cells[c[0]] = td;
    });
    cells.name.textContent = name;
    var r = { tr: tr, cells: cells, state: null };
    targetRows.set(name, r);
    return r;
  }
  function latency(s) {
    if (typeof s !== 'number' || !isFinite(s)) return '\u2014';
    return s < 1 ? Math.round(s * 1000) + ' ms' : s.toFixed(2) + ' s';
  }
  function updateTargetRow(r, t) {
    var c = r.cells;
    r.tr.setAttribute('data-state', t.state);
    if (r.state !== t.state) {
      r.state = t.state;
      c.state.replaceChildren(badge('st', t.state, TARGET_STATES));
    }
    var h = num(t.height);
    if (typeof t.referenceHeight === 'number' && t.referenceHeight !== t.height) h += ' / ' + num(t.referenceHeight);
    setText(c.height, h);
    setText(c.lag, num(t.lag));
    setText(c.version, t.version ? String(t.version) : '\u2014');
    var peerTitle = t.peerId ? 'peer id ' + t.peerId : '';
    if (c.version.title !== peerTitle) c.version.title = peerTitle;
    setText(c.peers, num(t.peers));
    setText(c.latency, latency(t.latencySeconds));
    setText(c.error, t.lastError ? String(t.lastError) : '\u2014');
  }
  function renderTargets(list) {
    var body = $('targets').tBodies[0];
    var seen = new Set();
    list.forEach(function (t, i) {
      var r = targetRows.get(t.name) || makeTargetRow(t.name);
      seen.add(t.name);
      updateTargetRow(r, t);
      if (body.children[i] !== r.tr) body.insertBefore(r.tr, body.children[i] || null);
    });
    targetRows.forEach(function (r, name) {
      if (!seen.has(name)) { r.tr.remove(); targetRows.delete(name); }
    });
    $('targets-section').hidden = list.length === 0;
    var up = list.filter(function (t) { return t.state === 'up'; }).length;
    setText($('target-total'), list.length ? '(' + up + '/' + list.length + ' up)' : '');
  }
  function details(e) {
    var keys = Object.keys(e.details || {});
    if (keys.length === 0) return '';
    var text = JSON.stringify(e.details);
    return text.length > 200 ? text.slice(0, 199) + '\u2026' : text;
  }
  function renderEvents(list) {
    for (var i = 0; i < list.length; i++) events.unshift(list[i]);
    events.length = Math.min(events.length, MAX_EVENTS);
    charts.events(list);
    var box = $('events');
    box.replaceChildren();
    events.forEach(function (e) {
      var li = el('li');
      li.setAttribute('data-type', e.type);
      li.appendChild(el('span', 'time', clock(e.ts)));
      li.appendChild(el('span', 'node', e.node === null ? 'nodewarden' : e.node));
      li.appendChild(el('span', 'badge sev-' + (['info', 'warning', 'critical'].indexOf(e.severity) >= 0 ? e.severity : 'info'), e.type));
      if (e.reason) li.appendChild(el('span', 'reason', e.reason));
      var d = details(e);
      if (d) li.appendChild(el('span', 'details', d));
      box.appendChild(li);
    });
  }
  function setConn(state, text) {
    var c = $('conn');
    c.setAttribute('data-conn', state);
    setText(c, text);
  }
  function connect() {
    setConn('connecting', 'connecting\u2026');
    source = new EventSource(streamUrl);
    source.onopen = function () { setConn('live', 'live'); };
    source.addEventListener('status', function (m) { renderStatus(JSON.parse(m.data)); });
    source.addEventListener('events', function (m) { renderEvents(JSON.parse(m.data).events); });
    source.onerror = function () {
      if (source.readyState === EventSource.CLOSED) {
        // refused (e.g. a wrong token) or the server went away for good: retry slowly
        setConn('closed', 'disconnected \u2014 retrying');
        source.close();
        setTimeout(connect, 10000);
      } else {
        setConn('connecting', 'reconnecting\u2026');
      }
    };
  }
  setInterval(tickUptime, 1000);
  connect();
})();
`;
