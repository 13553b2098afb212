import { HISTORY_STYLE } from './page-history.js';

/**
 * The status page's stylesheet (inlined: hosts are offline, so no CDN and no
 * web fonts). A table on wide screens; under 600px each row becomes a card
 * whose cells carry their column name (`data-label`).
 */
export const PAGE_STYLE =
  String.raw`
:root {
  color-scheme: light dark;
  --bg: #f6f8fa; --fg: #1f2328; --muted: #59636e; --card: #ffffff; --line: #d1d9e0;
  --green: #1a7f37; --blue: #0969da; --amber: #9a6700; --red: #cf222e; --gray: #6e7781; --purple: #8250df;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0d1117; --fg: #e6edf3; --muted: #9198a1; --card: #151b23; --line: #30363d;
    --green: #3fb950; --blue: #4493f8; --amber: #d29922; --red: #f85149; --gray: #9198a1; --purple: #ab7df8;
  }
}
* { box-sizing: border-box; }
[hidden] { display: none !important; }
body {
  margin: 0; background: var(--bg); color: var(--fg);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
}
header { padding: 12px 16px; background: var(--card); border-bottom: 1px solid var(--line); }
.title { display: flex; flex-wrap: wrap; align-items: baseline; gap: 4px 10px; }
h1 { margin: 0; font-size: 18px; }
h2 { font-size: 15px; margin: 18px 0 8px; }
.muted { color: var(--muted); }
.meta { display: flex; flex-wrap: wrap; gap: 4px 12px; margin-top: 2px; color: var(--muted); font-size: 13px; }
.conn::before { content: "\25CF\00A0"; }
.conn[data-conn="live"] { color: var(--green); }
.conn[data-conn="connecting"] { color: var(--amber); }
.conn[data-conn="closed"] { color: var(--red); }
.counts { display: flex; flex-wrap: wrap; gap: 6px; margin-top: 8px; }
main { padding: 0 16px 24px; max-width: 1400px; }
.mono, td.pid, td.height, td.lag, td.restarts, td.cpu, td.memory, td.uptime, td.peers { font-variant-numeric: tabular-nums; }
.badge {
  display: inline-block; padding: 1px 8px; border-radius: 999px; font-size: 12px; font-weight: 600;
  border: 1px solid currentColor; white-space: nowrap; color: var(--gray);
}
.st-up, .st-running, .h-in_sync, .sev-info { color: var(--green); }
.st-starting, .st-queued, .st-stopping, .h-syncing { color: var(--blue); }
.st-backoff, .st-exited, .h-out_of_sync, .sev-warning { color: var(--amber); }
.st-down, .st-fatal, .h-unreachable, .sev-critical { color: var(--red); }
.st-paused { color: var(--purple); }
.st-stopped, .st-unknown, .h-unknown { color: var(--gray); }
.is-held { color: var(--purple); }
.note { color: var(--muted); font-size: 12px; margin-left: 6px; }
.table-wrap { overflow-x: auto; background: var(--card); border: 1px solid var(--line); border-radius: 8px; }
table { border-collapse: collapse; width: 100%; }
th, td { padding: 6px 10px; text-align: left; border-bottom: 1px solid var(--line); white-space: nowrap; }
th { font-size: 12px; color: var(--muted); font-weight: 600; background: var(--bg); }
tbody tr:last-child td { border-bottom: 0; }
td.error { white-space: normal; max-width: 32em; overflow-wrap: anywhere; }
td.num, th.num { text-align: right; }
td.name { font-weight: 600; }
tr[data-state="fatal"] td.name, tr[data-state="backoff"] td.name { color: var(--red); }
.events { list-style: none; margin: 0; padding: 0; background: var(--card); border: 1px solid var(--line); border-radius: 8px; }
.events li { display: flex; flex-wrap: wrap; gap: 2px 10px; padding: 6px 10px; border-bottom: 1px solid var(--line); }
.events li:last-child { border-bottom: 0; }
.events .time { color: var(--muted); font-variant-numeric: tabular-nums; }
.events .node { font-weight: 600; }
.events .details { color: var(--muted); font-size: 12px; overflow-wrap: anywhere; flex-basis: 100%; }
.events:empty::after { content: "No events yet."; display: block; padding: 8px 10px; color: var(--muted); }
.token { display: flex; flex-wrap: wrap; align-items: center; gap: 6px 8px; margin-top: 8px; font-size: 13px; }
.token input { font: inherit; padding: 2px 6px; max-width: 100%; }
button {
  font: inherit; font-size: 12px; padding: 2px 8px; border-radius: 6px; cursor: pointer;
  color: var(--fg); background: var(--bg); border: 1px solid var(--line);
}
button:disabled { cursor: default; opacity: 0.4; }
button.danger { color: var(--red); border-color: var(--red); }
td.actions .buttons { display: inline-flex; flex-wrap: wrap; gap: 4px; margin-right: 8px; }
.result { font-size: 12px; overflow-wrap: anywhere; }
.result.ok { color: var(--green); }
.result.err { color: var(--red); }
.result.pending { color: var(--muted); }
#token-msg:empty { display: none; }
#token-msg { margin-top: 4px; }
dialog { background: var(--card); color: var(--fg); border: 1px solid var(--line); border-radius: 8px; max-width: 420px; }
dialog::backdrop { background: rgba(0, 0, 0, 0.4); }
dialog h3 { margin: 0 0 8px; font-size: 16px; }
.dialog-buttons { display: flex; justify-content: flex-end; gap: 8px; }
.dialog-buttons button { font-size: 14px; padding: 4px 12px; }
@media (max-width: 600px) {
  main { padding: 0 10px 20px; }
  .table-wrap { overflow: visible; background: none; border: 0; }
  table, tbody, tr, td { display: block; }
  thead { display: none; }
  tbody tr {
    display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap: 4px 10px; padding: 10px 12px; margin-bottom: 10px;
    background: var(--card); border: 1px solid var(--line); border-radius: 8px;
  }
  tbody td { padding: 0; border: 0; white-space: normal; text-align: left; }
  td.num { text-align: left; }
  tbody td::before { content: attr(data-label); display: block; font-size: 11px; color: var(--muted); }
  td.name { grid-column: 1 / -1; font-size: 15px; padding-bottom: 4px; }
  td.name::before { display: none; }
  td.held:not(.is-held) { display: none; }
  td.actions, td.error { grid-column: 1 / -1; white-space: normal; }
  td.actions::before { display: none; }
  td.actions .buttons button { font-size: 13px; padding: 4px 10px; }
}
` + HISTORY_STYLE;
