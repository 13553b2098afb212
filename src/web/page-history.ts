/**
 * The status page's history: a fragment of the page script (page-script.ts
 * inlines it in its closure and lends it `$`, `el`, `num`, `bytes`, `clock`,
 * `token` and `STATES`). Hand-drawn SVG, no chart library: per node row,
 * sparklines of height against the reference (lag shaded), CPU and memory
 * over the last hour and a state band (restarts as ticks); a node view
 * (`#node=<name>`) with the same charts larger, the node's recent events and
 * last log lines; a fleet view with uptime bars (24 h, 7 d, 30 d; sortable)
 * and nodes by state over time. Every chart shows the recorded values of
 * the point under the pointer in one tooltip (`#tip`).
 *
 * Data: `GET api/nodes/:name/history` (fetched for the rows on screen only,
 * a few at a time) and `GET api/uptime?timeline=1`; afterwards each status
 * message of the stream appends its figures, so the charts move live.
 */
export const HISTORY_SCRIPT = String.raw`
  var charts = (function () {
    // the SVG namespace is a name, never fetched (spelt in two parts: the page carries no URL at all)
    var SVGNS = 'http:' + '//www.w3.org/2000/svg';
    var HOUR = 3600000;
    var ROW_FIELDS = 'height,reference,cpu,rss';
    var SERIES = [
      ['height', 'Height vs reference', function (v) { return num(v); }],
      ['cpu', 'CPU', function (v) { return v.toFixed(1) + '%'; }],
      ['rss', 'Memory', function (v) { return bytes(v); }]
    ];
    var WINDOWS = { '1h': HOUR, '6h': 6 * HOUR, '24h': 24 * HOUR, '7d': 168 * HOUR };
    var rowData = new Map();   // name -> {since, until, step, series, loading, stale}
    var visible = new Set();
    var queue = [];
    var inFlight = 0;
    var fleet = { window: '24h', sort: 'name', desc: false, rows: new Map(), states: null, since: 0, until: 0 };
    var detail = { name: null, window: '1h', data: null, reqId: 0, drawnAt: 0 };
    var tip = $('tip');

    function headers() { return token ? { authorization: 'Bearer ' + token } : {}; }
    function getJson(url) {
      return fetch(url, { headers: headers(), cache: 'no-store', credentials: 'omit' }).then(function (res) {
        if (!res.ok) throw new Error('HTTP ' + res.status);
        return res.json();
      });
    }
    function svgEl(tag, attrs, cls) {
      var e = document.createElementNS(SVGNS, tag);
      for (var k in attrs) e.setAttribute(k, String(attrs[k]));
      if (cls) e.setAttribute('class', cls);
      return e;
    }

    // ---- tooltip ----
    function showTip(ev, text, anchor) {
      tip.textContent = text;
      tip.hidden = false;
      tip.setAttribute('data-for', anchor);
      var x = Math.min(ev.clientX + 12, window.innerWidth - tip.offsetWidth - 4);
      var y = ev.clientY + 16;
      if (y + tip.offsetHeight > window.innerHeight) y = ev.clientY - tip.offsetHeight - 8;
      tip.style.left = Math.max(4, x) + 'px';
      tip.style.top = Math.max(4, y) + 'px';
    }
    function hideTip() { tip.hidden = true; }
    function nearest(points, ts) {
      var lo = 0, hi = points.length - 1;
      if (hi < 0) return null;
      while (lo < hi) {
        var mid = (lo + hi) >> 1;
        if (points[mid][0] < ts) lo = mid + 1; else hi = mid;
      }
      if (lo > 0 && Math.abs(points[lo - 1][0] - ts) <= Math.abs(points[lo][0] - ts)) lo--;
      return points[lo];
    }
    function hover(svg, since, until, describe, anchor) {
      function at(ev) {
        var r = svg.getBoundingClientRect();
        if (r.width <= 0) return;
        var ts = since + ((ev.clientX - r.left) / r.width) * (until - since);
        var text = describe(ts);
        if (text) showTip(ev, text, anchor); else hideTip();
      }
      svg.addEventListener('pointermove', function (ev) { hovered = svg; at(ev); });
      svg.addEventListener('pointerdown', function (ev) { hovered = svg; at(ev); });
      svg.addEventListener('pointerleave', function () { hovered = null; hideTip(); });
    }
    // A chart under the pointer is not redrawn (it would vanish under the tooltip); the next update catches up.
    var hovered = null;
    function busy(box) { return hovered !== null && box.contains(hovered); }

    // ---- charts ----
    function gapOf(points, step) {
      var d = [];
      for (var i = 1; i < points.length; i++) d.push(points[i][0] - points[i - 1][0]);
      d.sort(function (a, b) { return a - b; });
      // live points arrive with the stream's status messages, up to 5 s apart: not a gap
      return Math.max(3 * step, 3 * (d.length ? d[d.length >> 1] : 0), 15000);
    }
    function pathOf(points, x, y, gap) {
      var p = '';
      for (var i = 0; i < points.length; i++) {
        var jump = i === 0 || points[i][0] - points[i - 1][0] > gap;
        p += (jump ? 'M' : 'L') + x(points[i][0]).toFixed(1) + ' ' + y(points[i][1]).toFixed(1);
      }
      return p;
    }
    /** A line chart of one value (or height with its reference, the lag between shaded). */
    function lineChart(field, d, w, h, big) {
      var main = (d.series[field] || []);
      var ref = field === 'height' ? (d.series.reference || []) : [];
      var svg = svgEl('svg', { viewBox: '0 0 ' + w + ' ' + h, preserveAspectRatio: 'none', role: 'img' }, 'chart c-' + field + (big ? ' big' : ' spark'));
      svg.setAttribute('data-field', field);
      var all = main.concat(ref);
      if (all.length === 0) {
        svg.setAttribute('aria-label', 'no data');
        svg.appendChild(svgEl('line', { x1: 0, y1: h - 1, x2: w, y2: h - 1 }, 'nodata'));
        return svg;
      }
      var lo = Infinity, hi = -Infinity;
      all.forEach(function (p) { if (p[1] < lo) lo = p[1]; if (p[1] > hi) hi = p[1]; });
      if (field !== 'height' && lo > 0) lo = 0;
      if (hi === lo) hi = lo + 1;
      var pad = big ? 4 : 1.5;
      // from the first recorded point on: a young node's chart fills its width
      var from = Math.min(d.until - 1000, Math.max(d.since, all.reduce(function (a, p) { return Math.min(a, p[0]); }, Infinity)));
      var x = function (t) { return ((t - from) / (d.until - from)) * w; };
      var y = function (v) { return h - pad - ((v - lo) / (hi - lo)) * (h - 2 * pad); };
      var gap = gapOf(main, d.step);
      if (ref.length) {
        // lag: the area between the reference (above) and the height
        var area = pathOf(ref, x, y, Infinity);
        for (var i = main.length - 1; i >= 0; i--) area += 'L' + x(main[i][0]).toFixed(1) + ' ' + y(main[i][1]).toFixed(1);
        svg.appendChild(svgEl('path', { d: area + 'Z' }, 'lag-area'));
        svg.appendChild(svgEl('path', { d: pathOf(ref, x, y, gap), 'vector-effect': 'non-scaling-stroke' }, 'line s-reference'));
      }
      svg.appendChild(svgEl('path', { d: pathOf(main, x, y, gap), 'vector-effect': 'non-scaling-stroke' }, 'line s-' + field));
      var fmt = SERIES.filter(function (s) { return s[0] === field; })[0][2];
      var last = main.length ? main[main.length - 1][1] : null;
      svg.setAttribute('aria-label', field + ' ' + (last === null ? 'no data' : fmt(last)));
      hover(svg, from, d.until, function (ts) {
        var p = nearest(main, ts);
        if (!p) return '';
        var text = clock(p[0]) + ' \u00b7 ' + (field === 'height' ? 'height ' : field === 'cpu' ? 'CPU ' : 'memory ') + fmt(p[1]);
        if (field === 'height') {
          var r = nearest(ref, p[0]);
          if (r && r[0] === p[0]) text += ' \u00b7 reference ' + num(r[1]) + ' \u00b7 lag ' + num(r[1] - p[1]);
        }
        return text;
      }, field);
      return svg;
    }
    /** A state band: one coloured rect per segment, a tick per restart. */
    function stateBand(tl, since, until, w, h) {
      var svg = svgEl('svg', { viewBox: '0 0 ' + w + ' ' + h, preserveAspectRatio: 'none', role: 'img' }, 'chart band');
      if (tl.segments.length) since = Math.min(until - 1000, Math.max(since, tl.segments[0][0]));
      var x = function (t) { return ((t - since) / (until - since)) * w; };
      svg.appendChild(svgEl('rect', { x: 0, y: 0, width: w, height: h }, 'band-bg'));
      tl.segments.forEach(function (s) {
        var r = svgEl('rect', { x: x(s[0]).toFixed(2), y: 2, width: Math.max(0.5, x(s[1]) - x(s[0])).toFixed(2), height: h - 4, fill: 'currentColor' }, 'seg st-' + (STATES.indexOf(s[2]) >= 0 ? s[2] : 'stopped'));
        r.setAttribute('data-state', s[2]);
        svg.appendChild(r);
      });
      tl.restarts.forEach(function (t) {
        svg.appendChild(svgEl('line', { x1: x(t[0]).toFixed(2), x2: x(t[0]).toFixed(2), y1: 0, y2: h, 'vector-effect': 'non-scaling-stroke' }, 'tick'));
      });
      var last = tl.segments.length ? tl.segments[tl.segments.length - 1][2] : 'no data';
      svg.setAttribute('aria-label', 'state ' + last + ', ' + tl.restarts.length + ' restarts');
      hover(svg, since, until, function (ts) {
        var seg = null;
        tl.segments.forEach(function (s) { if (s[0] <= ts && ts < s[1]) seg = s; });
        var near = tl.restarts.filter(function (t) { return Math.abs(t[0] - ts) <= (until - since) / w * 2; });
        var n = near.reduce(function (a, t) { return a + t[1]; }, 0);
        var text = seg ? seg[2] + ' ' + clock(seg[0]) + ' \u2013 ' + clock(seg[1]) : clock(ts) + ' \u00b7 nothing recorded';
        return text + (n ? ' \u00b7 ' + n + (n === 1 ? ' restart' : ' restarts') : '');
      }, 'state');
      return svg;
    }
    /** Nodes by state over time: stacked bars. */
    function countsChart(st, since, until, w, h) {
      var svg = svgEl('svg', { viewBox: '0 0 ' + w + ' ' + h, preserveAspectRatio: 'none', role: 'img' }, 'chart big counts-chart');
      var names = STATES.filter(function (s) { return st.counts[s]; });
      var max = 1, k0 = -1;
      st.ts.forEach(function (_, i) {
        var sum = names.reduce(function (a, s) { return a + st.counts[s][i]; }, 0);
        if (sum > max) max = sum;
        if (sum > 0 && k0 < 0) k0 = i;
      });
      // from the first bucket with a node in it: a young fleet's chart fills its width
      k0 = Math.max(0, k0);
      var n = Math.max(1, st.ts.length - k0);
      var bw = w / n;
      st.ts.forEach(function (t, k) {
        var i = k - k0, y0 = h;
        if (i < 0) return;
        names.forEach(function (s) {
          var v = st.counts[s][k];
          if (!v) return;
          var bh = (v / max) * (h - 2);
          svg.appendChild(svgEl('rect', { x: (i * bw).toFixed(2), y: (y0 - bh).toFixed(2), width: Math.max(0.5, bw - 0.3).toFixed(2), height: bh.toFixed(2), fill: 'currentColor' }, 'st-' + s));
          y0 -= bh;
        });
      });
      svg.setAttribute('aria-label', 'nodes by state');
      hover(svg, 0, n, function (x) {
        var i = Math.min(st.ts.length - 1, k0 + Math.max(0, Math.floor(x)));
        var parts = names.filter(function (s) { return st.counts[s][i]; }).map(function (s) { return st.counts[s][i] + ' ' + s; });
        return clock(st.ts[i]) + ' \u00b7 ' + (parts.join(', ') || 'no nodes');
      }, 'counts');
      return svg;
    }

    // ---- rows ----
    function rowCell(td, name) {
      if (busy(td)) return;
      td.replaceChildren();
      var d = rowData.get(name);
      var box = el('span', 'sparks');
      if (!d || !d.series) box.appendChild(el('span', 'muted', d && d.error ? d.error : '\u2026'));
      else SERIES.forEach(function (s) { box.appendChild(lineChart(s[0], d, 64, 16, false)); });
      var tl = fleet.rows.get(name);
      if (tl && tl.timeline) box.appendChild(stateBand(tl.timeline, fleet.since, fleet.until, 64, 16));
      td.appendChild(box);
    }
    function load(name) {
      var d = rowData.get(name);
      if (d && (d.series || d.loading)) return;
      rowData.set(name, { loading: true });
      queue.push(name);
      pump();
    }
    function pump() {
      while (inFlight < 3 && queue.length) {
        var name = queue.shift();
        if (!visible.has(name)) { rowData.delete(name); continue; }
        inFlight++;
        getJson('api/nodes/' + encodeURIComponent(name) + '/history?since=1h&points=60&fields=' + ROW_FIELDS)
          .then(function (name, h) {
            rowData.set(name, { since: h.fromMs, until: h.untilMs, step: h.step, series: h.series });
          }.bind(null, name), function (name, err) {
            rowData.set(name, { error: 'history: ' + err.message });
          }.bind(null, name))
          .then(function (name) {
            inFlight--;
            redrawRow(name);
            pump();
          }.bind(null, name));
      }
    }
    function redrawRow(name) {
      var r = rows.get(name);
      if (r) rowCell(r.cells.history, name);
    }
    var observer = 'IntersectionObserver' in window ? new IntersectionObserver(function (entries) {
      entries.forEach(function (e) {
        var name = e.target.getAttribute('data-node');
        if (e.isIntersecting) { visible.add(name); load(name); } else visible.delete(name);
      });
    }, { rootMargin: '200px' }) : null;

    /** Append the figures of one status message to every loaded series (the last hour, or the open window). */
    function appendPoint(d, n, ts, keepMs) {
      var v = { height: n.height, reference: typeof n.referenceHeight === 'number' && typeof n.height === 'number' ? Math.max(n.referenceHeight, n.height) : null, lag: n.lag, cpu: n.cpuPercent, rss: n.rssBytes };
      Object.keys(d.series).forEach(function (f) {
        var s = d.series[f];
        if (typeof v[f] !== 'number' || !isFinite(v[f])) return;
        if (s.length && s[s.length - 1][0] >= ts) return;
        if (s.length && ts - s[s.length - 1][0] < d.step) s[s.length - 1] = [ts, f === 'height' || f === 'reference' ? v[f] : Math.max(v[f], s[s.length - 1][1])];
        else s.push([ts, v[f]]);
        while (s.length && s[0][0] < ts - keepMs) s.shift();
        // a young node's fine buckets: keep the series small by dropping every other point of its older half
        if (s.length > 600) d.series[f] = s.filter(function (_, i) { return i >= 300 || i % 2 === 0; });
      });
      d.until = Math.max(d.until, ts);
      d.since = Math.max(d.since, d.until - keepMs);
    }
    function onStatus(msg) {
      msg.nodes.forEach(function (n) {
        var d = rowData.get(n.name);
        if (d && d.series && (n.pid !== null)) appendPoint(d, n, msg.ts, HOUR);
        var tl = fleet.rows.get(n.name);
        if (tl && tl.timeline) extendTimeline(tl.timeline, n.state, msg.ts);
        if (detail.data && detail.name === n.name && n.pid !== null) appendPoint(detail.data, n, msg.ts, WINDOWS[detail.window]);
      });
      if (fleet.until) fleet.until = Math.max(fleet.until, msg.ts);
      visible.forEach(redrawRow);
      if (detail.name && msg.ts - detail.drawnAt >= 2000) drawDetail();
    }
    function extendTimeline(tl, state, ts) {
      var last = tl.segments[tl.segments.length - 1];
      if (last && last[2] === state) last[1] = Math.max(last[1], ts);
      else if (last && ts > last[1]) {
        if (state === 'starting' && last[2] !== 'stopped') tl.restarts.push([ts, 1]);
        tl.segments.push([last[1], ts, state]);
      }
    }

    // ---- fleet ----
    function loadFleet() {
      var win = fleet.window;
      return Promise.all([
        getJson('api/uptime?since=' + win + '&timeline=1&points=150'),
        getJson('api/uptime?since=24h'),
        getJson('api/uptime?since=7d'),
        getJson('api/uptime?since=30d')
      ]).then(function (r) {
        if (win !== fleet.window) return;
        fleet.rows = new Map();
        r[0].nodes.forEach(function (n) { fleet.rows.set(n.node, { timeline: n.timeline }); });
        fleet.states = r[0].states;
        fleet.since = r[0].sinceMs;
        fleet.until = r[0].untilMs;
        fleet.uptime = { '24h': r[1].nodes, '7d': r[2].nodes, '30d': r[3].nodes };
        drawFleet();
        rows.forEach(function (_, name) { redrawRow(name); });
        if (detail.name) drawDetail();
      }, function (err) {
        $('fleet-msg').textContent = 'Could not load the fleet history: ' + err.message;
      });
    }
    function orLow(p) { return p === null ? -1 : p; }
    function pct(list, name) {
      for (var i = 0; i < list.length; i++) if (list[i].node === name) return list[i].uptimePercent;
      return null;
    }
    function drawFleet() {
      $('fleet-msg').textContent = '';
      var chart = $('fleet-states');
      if (busy(chart)) return;
      chart.replaceChildren();
      if (fleet.states) chart.appendChild(countsChart(fleet.states, fleet.since, fleet.until, 600, 80));
      var names = Array.from(fleet.rows.keys());
      var key = fleet.sort;
      names.sort(function (a, b) {
        var c = key === 'name' ? (a < b ? -1 : a > b ? 1 : 0) : (orLow(pct(fleet.uptime[key], a)) - orLow(pct(fleet.uptime[key], b))) || (a < b ? -1 : 1);
        return fleet.desc ? -c : c;
      });
      var body = $('uptime').tBodies[0];
      body.replaceChildren();
      names.forEach(function (name) {
        var tr = el('tr');
        tr.setAttribute('data-node', name);
        var a = el('a', null, name);
        a.href = '#node=' + encodeURIComponent(name);
        var td = el('td', 'name');
        td.appendChild(a);
        tr.appendChild(td);
        ['24h', '7d', '30d'].forEach(function (w) {
          var p = pct(fleet.uptime[w], name);
          var cell = el('td', 'bar up-' + w);
          cell.setAttribute('data-label', w);
          var svg = svgEl('svg', { viewBox: '0 0 100 10', preserveAspectRatio: 'none', role: 'img' }, 'upbar');
          svg.appendChild(svgEl('rect', { x: 0, y: 0, width: 100, height: 10 }, 'upbar-bg'));
          if (p !== null) svg.appendChild(svgEl('rect', { x: 0, y: 0, width: p.toFixed(2), height: 10, fill: 'currentColor' }, p >= 99 ? 'st-running' : p >= 90 ? 'st-backoff' : 'st-fatal'));
          svg.setAttribute('aria-label', name + ' uptime ' + w);
          cell.appendChild(svg);
          cell.appendChild(el('span', 'pct', p === null ? '\u2014' : p.toFixed(p === 100 ? 0 : 2) + '%'));
          tr.appendChild(cell);
        });
        body.appendChild(tr);
      });
      document.querySelectorAll('#uptime th button').forEach(function (b) {
        var k = b.getAttribute('data-sort');
        b.setAttribute('aria-sort', k === fleet.sort ? (fleet.desc ? 'descending' : 'ascending') : 'none');
      });
    }

    // ---- node view ----
    function openDetail(name) {
      detail.name = name;
      detail.data = null;
      $('detail').hidden = false;
      $('detail-name').textContent = name;
      $('detail-events').replaceChildren();
      $('detail-logs').textContent = '';
      loadDetail();
      var id = ++detail.reqId;
      getJson('api/events?node=' + encodeURIComponent(name) + '&limit=20').then(function (r) {
        if (id !== detail.reqId) return;
        r.events.slice().reverse().forEach(function (e) { addDetailEvent(e); });
      }, function (err) { $('detail-events').appendChild(el('li', 'muted', 'events: ' + err.message)); });
      getJson('api/logs/' + encodeURIComponent(name) + '?n=30').then(function (r) {
        if (id === detail.reqId) $('detail-logs').textContent = r.lines.join('\n') || '(no log lines yet)';
      }, function (err) { $('detail-logs').textContent = 'logs: ' + err.message; });
      $('detail').scrollIntoView({ block: 'start' });
    }
    function closeDetail() {
      detail.name = null;
      detail.reqId++;
      $('detail').hidden = true;
    }
    function loadDetail() {
      var name = detail.name, win = detail.window, id = detail.reqId;
      getJson('api/nodes/' + encodeURIComponent(name) + '/history?since=' + win + '&points=300').then(function (h) {
        if (name !== detail.name || win !== detail.window) return;
        detail.data = { since: h.fromMs, until: h.untilMs, step: h.step, series: h.series, source: h.source };
        drawDetail();
      }, function (err) {
        if (id === detail.reqId) $('detail-charts').textContent = 'history: ' + err.message;
      });
    }
    function addDetailEvent(e) {
      var li = el('li');
      li.setAttribute('data-type', e.type);
      li.appendChild(el('span', 'time', clock(e.ts)));
      li.appendChild(el('span', 'badge sev-' + (['info', 'warning', 'critical'].indexOf(e.severity) >= 0 ? e.severity : 'info'), e.type));
      if (e.reason) li.appendChild(el('span', 'reason', e.reason));
      var box = $('detail-events');
      box.insertBefore(li, box.firstChild);
      while (box.children.length > 20) box.lastChild.remove();
    }
    function drawDetail() {
      var box = $('detail-charts');
      if (busy(box)) return;
      detail.drawnAt = Date.now();
      box.replaceChildren();
      var d = detail.data;
      if (d) {
        SERIES.forEach(function (s) {
          var fig = el('figure', 'big-chart');
          fig.appendChild(el('figcaption', null, s[1] + (s[0] === 'height' ? ' (lag shaded)' : '')));
          fig.appendChild(lineChart(s[0], d, 600, 110, true));
          box.appendChild(fig);
        });
      }
      var tl = fleet.rows.get(detail.name);
      if (tl && tl.timeline) {
        var fig = el('figure', 'big-chart');
        fig.appendChild(el('figcaption', null, 'State, last ' + fleet.window + ' (restarts as ticks)'));
        fig.appendChild(stateBand(tl.timeline, fleet.since, fleet.until, 600, 26));
        box.appendChild(fig);
      }
    }
    function route() {
      var m = /^#node=(.+)$/.exec(location.hash);
      if (m) openDetail(decodeURIComponent(m[1])); else closeDetail();
    }

    // ---- wiring ----
    function windowButtons(boxId, list, current, pick) {
      var box = $(boxId);
      list.forEach(function (w) {
        var b = el('button', null, w);
        b.type = 'button';
        b.setAttribute('data-window', w);
        b.setAttribute('aria-pressed', String(w === current));
        b.addEventListener('click', function () {
          box.querySelectorAll('button').forEach(function (o) { o.setAttribute('aria-pressed', String(o === b)); });
          pick(w);
        });
        box.appendChild(b);
      });
    }
    $('detail-close').addEventListener('click', function () { location.hash = ''; });
    windowButtons('fleet-windows', ['24h', '7d'], fleet.window, function (w) { fleet.window = w; loadFleet(); });
    windowButtons('detail-windows', Object.keys(WINDOWS), detail.window, function (w) { detail.window = w; detail.data = null; drawDetail(); loadDetail(); });
    document.querySelectorAll('#uptime th button').forEach(function (b) {
      b.addEventListener('click', function () {
        var k = b.getAttribute('data-sort');
        fleet.desc = fleet.sort === k ? !fleet.desc : false;
        fleet.sort = k;
        drawFleet();
      });
    });
    window.addEventListener('hashchange', route);
    setInterval(loadFleet, 5 * 60000);
    var fleetLoaded = false;

    return {
      /** A new row: its history cell fills once the row is on screen. */
      row: function (r, name) {
        rowCell(r.cells.history, name);
        if (observer) observer.observe(r.tr); else { visible.add(name); load(name); }
      },
      drop: function (r, name) {
        if (observer) observer.unobserve(r.tr);
        visible.delete(name);
        rowData.delete(name);
      },
      status: function (msg) {
        if (!fleetLoaded) { fleetLoaded = true; loadFleet(); route(); }
        onStatus(msg);
      },
      events: function (list) {
        list.forEach(function (e) { if (detail.name && e.node === detail.name) addDetailEvent(e); });
      }
    };
  })();
`;

/** Styles of the history charts (appended to the page's stylesheet). */
export const HISTORY_STYLE = String.raw`
.sparks { display: inline-grid; grid-template-columns: 64px 64px; gap: 3px 6px; vertical-align: middle; }
svg.chart { display: block; overflow: visible; }
svg.spark, svg.band { width: 64px; height: 16px; }
svg.big, .big-chart svg.band { width: 100%; }
svg.big { height: 110px; }
.big-chart svg.band { height: 26px; }
svg.counts-chart { height: 80px; }
.chart .line { fill: none; stroke-width: 1.5; }
.s-height { stroke: var(--blue); }
.s-reference { stroke: var(--muted); stroke-dasharray: 3 2; }
.s-cpu { stroke: var(--purple); }
.s-rss { stroke: var(--green); }
.lag-area { fill: var(--amber); opacity: 0.35; }
.nodata { stroke: var(--line); }
.band-bg, .upbar-bg { fill: var(--line); opacity: 0.35; }
.chart .tick { stroke: var(--red); stroke-width: 1.5; }
.tip {
  position: fixed; z-index: 10; pointer-events: none; max-width: 90vw; padding: 4px 8px; border-radius: 6px;
  background: var(--fg); color: var(--bg); font-size: 12px; font-variant-numeric: tabular-nums;
}
#detail .charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(280px, 1fr)); gap: 10px; }
.big-chart { margin: 0; padding: 8px 10px; background: var(--card); border: 1px solid var(--line); border-radius: 8px; min-width: 0; }
.big-chart figcaption { font-size: 12px; color: var(--muted); margin-bottom: 4px; }
.windows { display: inline-flex; gap: 4px; margin-left: 8px; vertical-align: middle; }
.windows button[aria-pressed="true"] { border-color: var(--blue); color: var(--blue); }
.logs {
  background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 8px 10px; margin: 0;
  font-size: 12px; max-height: 300px; overflow: auto; white-space: pre-wrap; overflow-wrap: anywhere;
}
#fleet-states { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 8px 10px; margin-bottom: 10px; }
#uptime td.bar { min-width: 120px; }
#uptime svg.upbar { display: inline-block; width: 100px; height: 10px; vertical-align: middle; margin-right: 6px; }
#uptime th button { font-size: 12px; }
#uptime th button[aria-sort="ascending"]::after { content: " \25B2"; }
#uptime th button[aria-sort="descending"]::after { content: " \25BC"; }
h3 { font-size: 14px; margin: 14px 0 6px; }
@media (max-width: 600px) {
  td.history { grid-column: 1 / -1; }
  td.history::before { display: none; }
  #uptime td.bar { min-width: 0; }
  #uptime svg.upbar { width: 60px; }
}
`;
