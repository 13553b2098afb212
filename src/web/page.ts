import { createHash } from 'node:crypto';
import { PAGE_SCRIPT } from './page-script.js';
import { PAGE_STYLE } from './page-style.js';

/**
 * The status page (`GET /`): one static, self-contained HTML document. It
 * carries no data of its own; everything arrives over `api/stream`, so the
 * page never interpolates a node name or an event into HTML.
 */
export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>nodewarden</title>
<style>${PAGE_STYLE}</style>
</head>
<body>
<header>
  <div class="title"><h1>nodewarden</h1><span id="host" class="muted"></span></div>
  <div class="meta"><span id="version"></span><span id="conn" class="conn" data-conn="connecting">connecting…</span></div>
  <div id="counts" class="counts" aria-label="nodes by state"></div>
  <form id="token-form" class="token" autocomplete="off">
    <label for="token-input">Control token</label>
    <input id="token-input" type="password" autocomplete="off" spellcheck="false" size="24">
    <button type="submit">Unlock actions</button>
  </form>
  <div id="token-set" class="token" hidden><span>Actions unlocked for this tab.</span><button type="button" id="token-forget">Forget token</button></div>
  <div id="token-msg" class="result" role="status"></div>
</header>
<main>
  <section>
    <h2>Nodes <span id="node-total" class="muted"></span></h2>
    <div class="table-wrap">
      <table id="nodes">
        <thead><tr><th>Node</th><th>State</th><th>Health</th><th class="num">PID</th><th class="num">Uptime</th><th class="num">Restarts</th><th class="num">Height</th><th class="num">Lag</th><th>Version</th><th class="num">Peers</th><th class="num">CPU</th><th class="num">Memory</th><th>Held</th><th>History</th><th>Actions</th></tr></thead>
        <tbody></tbody>
      </table>
    </div>
    <p id="empty" class="muted" hidden>No nodes configured.</p>
  </section>
  <section id="targets-section" hidden>
    <h2>Targets <span id="target-total" class="muted"></span></h2>
    <div class="table-wrap">
      <table id="targets">
        <thead><tr><th>Target</th><th>State</th><th class="num">Height</th><th class="num">Lag</th><th>Version</th><th class="num">Peers</th><th class="num">Latency</th><th>Last error</th></tr></thead>
        <tbody></tbody>
      </table>
    </div>
  </section>
  <section id="detail" hidden>
    <h2><button type="button" id="detail-close" aria-label="close the node view">← Nodes</button> <span id="detail-name"></span><span id="detail-windows" class="windows" aria-label="window"></span></h2>
    <div id="detail-charts" class="charts"></div>
    <h3>Recent events</h3>
    <ol id="detail-events" class="events"></ol>
    <h3>Last log lines</h3>
    <pre id="detail-logs" class="logs"></pre>
  </section>
  <section id="fleet">
    <h2>Fleet<span id="fleet-windows" class="windows" aria-label="window"></span></h2>
    <p id="fleet-msg" class="result err"></p>
    <div id="fleet-states"></div>
    <div class="table-wrap">
      <table id="uptime">
        <thead><tr><th><button type="button" data-sort="name">Node</button></th><th><button type="button" data-sort="24h">Uptime 24h</button></th><th><button type="button" data-sort="7d">7d</button></th><th><button type="button" data-sort="30d">30d</button></th></tr></thead>
        <tbody></tbody>
      </table>
    </div>
  </section>
  <section>
    <h2>Recent events</h2>
    <ol id="events" class="events"></ol>
  </section>
</main>
<dialog id="confirm" aria-labelledby="confirm-title">
  <h3 id="confirm-title"></h3>
  <p id="confirm-text"></p>
  <div class="dialog-buttons"><button type="button" id="confirm-cancel">Cancel</button><button type="button" id="confirm-ok" class="danger"></button></div>
</dialog>
<div id="tip" class="tip" role="tooltip" hidden></div>
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;

const sha256 = (text: string): string =>
  `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/**
 * Headers for the page: a Content-Security-Policy that allows exactly the
 * inline style and script above (by hash) and connections to this origin.
 */
export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'content-security-policy': [
    "default-src 'none'",
    `style-src ${sha256(PAGE_STYLE)}`,
    `script-src ${sha256(PAGE_SCRIPT)}`,
    "connect-src 'self'",
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; '),
};
