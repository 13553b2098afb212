/**
 * The status page's node actions (start, stop, restart, hold, release): a
 * fragment of the page script (page-script.ts inlines it in its closure and
 * lends it `$` and `el`). They call `POST api/nodes/:name/:verb`, the route
 * `nodewarden start|stop|…` uses, with `Authorization: Bearer`.
 *
 * The token is asked for once, checked against `GET api/hello`, and kept in
 * sessionStorage: it lives as long as the tab, is never sent without being
 * asked for (no cookie, so a page of another site gets no ambient
 * authority) and never goes into a URL. A refused token (401) is forgotten
 * and said so on the page. Stop and restart are confirmed in a `<dialog>`
 * naming the node; the answer of the API shows next to the node, while its
 * row keeps following the stream.
 */
export const ACTIONS_SCRIPT = String.raw`
  var actions = (function () {
    var TOKEN_KEY = 'nodewarden.token';
    var VERBS = [['start', 'Start'], ['stop', 'Stop'], ['restart', 'Restart'], ['hold', 'Hold'], ['release', 'Release']];
    var PENDING = { start: 'starting\u2026', stop: 'stopping\u2026', restart: 'restarting\u2026', hold: 'holding\u2026', release: 'releasing\u2026' };
    var CONFIRM = {
      stop: ['Stop ', 'Its process is stopped and it stays down until someone starts it.'],
      restart: ['Restart ', 'Its process is stopped and started again; it is down meanwhile.']
    };
    var memoryToken = null;
    var onConfirm = null;
    var all = [];

    function readToken() {
      try { return sessionStorage.getItem(TOKEN_KEY); } catch (e) { return memoryToken; }
    }
    function writeToken(t) {
      memoryToken = t;
      try {
        if (t === null) sessionStorage.removeItem(TOKEN_KEY); else sessionStorage.setItem(TOKEN_KEY, t);
      } catch (e) { /* storage disabled: the token lives in memory until the page is left */ }
      showTokenState();
      all.forEach(refresh);
    }
    function tokenMessage(kind, text) {
      var m = $('token-msg');
      m.className = 'result' + (kind ? ' ' + kind : '');
      m.textContent = text;
    }
    function showTokenState() {
      var has = readToken() !== null;
      $('token-form').hidden = has;
      $('token-set').hidden = !has;
    }

    function allowed(verb, n) {
      switch (verb) {
        case 'start': return n.state !== 'running' && n.state !== 'starting' && n.state !== 'stopping';
        case 'stop': return n.state !== 'stopped' && n.state !== 'stopping';
        case 'restart': return n.state === 'running' || n.state === 'starting' || n.state === 'backoff';
        case 'hold': return !n.held;
        case 'release': return !!n.held;
      }
      return false;
    }
    function refresh(a) {
      var locked = readToken() === null;
      VERBS.forEach(function (v) {
        var b = a.buttons[v[0]];
        b.disabled = locked || a.busy || !a.node || !allowed(v[0], a.node);
        b.title = locked ? 'enter the control token first' : '';
      });
    }
    function show(a, kind, text) {
      a.result.className = 'result ' + kind;
      a.result.textContent = text;
    }

    function errorText(res, body) {
      var e = body && body.error;
      if (e && e.message) return e.message + (e.hint ? ' (' + e.hint + ')' : '');
      return 'HTTP ' + res.status;
    }
    function run(a, verb) {
      var token = readToken();
      if (token === null) { show(a, 'err', 'enter the control token first'); return; }
      a.busy = true;
      refresh(a);
      show(a, 'pending', PENDING[verb]);
      fetch('api/nodes/' + encodeURIComponent(a.name) + '/' + verb, {
        method: 'POST',
        headers: { authorization: 'Bearer ' + token, 'content-type': 'application/json' },
        body: JSON.stringify({ wait: true }),
        cache: 'no-store',
        credentials: 'omit',
        // Under the page's no-referrer policy the fetch standard has a POST carry 'Origin: null', which the
        // API refuses; this sends the origin alone (never the page's URL, whose query may hold the token).
        referrerPolicy: 'strict-origin'
      }).then(function (res) {
        return res.json().catch(function () { return null; }).then(function (body) {
          if (res.status === 401) {
            writeToken(null);
            tokenMessage('err', 'The control token was refused (401 ' + errorText(res, body) + '): enter it again.');
            show(a, 'err', 'wrong token (401): nothing was done');
          } else if (!res.ok) {
            show(a, 'err', errorText(res, body));
          } else {
            var r = body && body.results && body.results[0];
            if (r) show(a, r.ok ? 'ok' : 'err', r.message); else show(a, 'err', 'no answer for ' + a.name);
          }
        });
      }, function (err) {
        show(a, 'err', 'could not reach nodewarden: ' + err.message);
      }).then(function () {
        a.busy = false;
        refresh(a);
      });
    }
    function ask(a, verb) {
      var c = CONFIRM[verb];
      if (!c) { run(a, verb); return; }
      var d = $('confirm');
      setTextOf($('confirm-title'), c[0] + a.name + '?');
      setTextOf($('confirm-text'), c[1]);
      setTextOf($('confirm-ok'), c[0] + a.name);
      d.setAttribute('data-node', a.name);
      d.setAttribute('data-action', verb);
      d.returnValue = '';
      onConfirm = function () { run(a, verb); };
      d.showModal();
      $('confirm-cancel').focus();
    }
    function setTextOf(e, t) { e.textContent = t; }

    function checkToken(t) {
      tokenMessage('pending', 'checking\u2026');
      fetch('api/hello', { headers: { authorization: 'Bearer ' + t }, cache: 'no-store', credentials: 'omit' })
        .then(function (res) {
          if (res.ok) {
            $('token-input').value = '';
            tokenMessage('', '');
            writeToken(t);
          } else if (res.status === 401) {
            tokenMessage('err', 'Wrong token: nodewarden refused it (401). Nothing was saved.');
          } else {
            tokenMessage('err', 'Could not check the token: HTTP ' + res.status);
          }
        }, function (err) {
          tokenMessage('err', 'Could not reach nodewarden: ' + err.message);
        });
    }

    $('token-form').addEventListener('submit', function (ev) {
      ev.preventDefault();
      var t = $('token-input').value.trim();
      if (t === '') tokenMessage('err', 'Enter the control token (control.http.token, or http.token in stateDir).');
      else checkToken(t);
    });
    $('token-forget').addEventListener('click', function () {
      tokenMessage('', '');
      writeToken(null);
    });
    $('confirm-ok').addEventListener('click', function () { $('confirm').close('ok'); });
    $('confirm-cancel').addEventListener('click', function () { $('confirm').close('cancel'); });
    $('confirm').addEventListener('close', function () {
      var go = $('confirm').returnValue === 'ok' ? onConfirm : null;
      onConfirm = null;
      if (go) go();
    });
    showTokenState();

    return {
      /** Fill a row's actions cell; returns the row's action state. */
      cell: function (td, name) {
        var a = { name: name, node: null, busy: false, buttons: {}, result: el('span', 'result') };
        var box = el('span', 'buttons');
        VERBS.forEach(function (v) {
          var b = el('button', 'act act-' + v[0], v[1]);
          b.type = 'button';
          b.setAttribute('data-action', v[0]);
          b.addEventListener('click', function () { ask(a, v[0]); });
          a.buttons[v[0]] = b;
          box.appendChild(b);
        });
        a.result.setAttribute('role', 'status');
        td.appendChild(box);
        td.appendChild(a.result);
        all.push(a);
        refresh(a);
        return a;
      },
      /** The node's latest status: which actions make sense now. */
      update: function (a, n) {
        a.node = n;
        refresh(a);
      },
      drop: function (a) {
        var i = all.indexOf(a);
        if (i >= 0) all.splice(i, 1);
      }
    };
  })();
`;
