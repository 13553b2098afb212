import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import Fastify from 'fastify';
import type { NodewardenEvent } from '../../../src/events/types.js';
import { registerWebRoutes } from '../../../src/web/routes.js';
import type { EventsMessage, StatusMessage } from '../../../src/web/snapshot.js';
import { StreamFeed } from '../../../src/web/stream-feed.js';
import { waitUntil } from '../../helpers/wait.js';
import { startFleet, waitState, type Fleet } from './fleet.js';
import { openSse, type Frame } from './sse-client.js';

const isStatus = (f: Frame): boolean => f.event === 'status';
const events = (frames: Frame[]): NodewardenEvent[] =>
  frames.filter((f) => f.event === 'events').flatMap((f) => (JSON.parse(f.data) as EventsMessage).events);

describe('GET /api/stream (Server-Sent Events)', () => {
  let fleet: Fleet;
  let feed: StreamFeed;
  let server: http.Server;
  let url: string;

  before(async () => {
    fleet = await startFleet(['solo']);
    feed = new StreamFeed(fleet.daemon, { minIntervalMs: 200, heartbeatMs: 100, refreshMs: 60_000 });
    server = http.createServer((req, res) => feed.attach(req, res));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/stream`;
    await waitState(fleet.daemon, ['solo'], 'running');
  });
  after(async () => {
    feed?.close();
    server?.closeAllConnections();
    await new Promise((r) => server?.close(r));
    await fleet?.close();
  });

  test('sends a full status and the recent stored events on connect', async () => {
    const sse = await openSse(url);
    try {
      assert.equal(sse.status, 200);
      assert.equal(sse.headers['content-type'], 'text/event-stream; charset=utf-8');
      assert.equal(sse.headers['cache-control'], 'no-cache, no-store');
      const first = await sse.next(isStatus);
      const status = JSON.parse(first.data) as StatusMessage;
      assert.equal(status.host, os.hostname());
      assert.equal(status.counts.running, 1);
      assert.equal(status.counts.stopped, 0);
      assert.equal(status.nodes.length, 1);
      const solo = status.nodes[0]!;
      assert.equal(solo.name, 'solo');
      assert.equal(solo.state, 'running');
      assert.equal(typeof solo.pid, 'number');
      for (const key of [
        'health',
        'uptimeSeconds',
        'restarts',
        'height',
        'lag',
        'cpuPercent',
        'rssBytes',
        'held',
      ]) {
        assert.ok(key in solo, `status node has ${key}`);
      }
      await sse.next((f) => f.event === 'events');
      const types = events(sse.frames).map((e) => e.type);
      assert.ok(types.includes('manager_started'), `recent events: ${types.join(', ')}`);
      assert.ok(types.includes('started'), `recent events: ${types.join(', ')}`);
    } finally {
      sse.close();
    }
  });

  test('sends heartbeat comments', async () => {
    const sse = await openSse(url);
    try {
      const ping = await sse.next((f) => f.event === 'comment');
      assert.equal(ping.data, 'ping');
    } finally {
      sse.close();
    }
  });

  test('coalesces a burst of bus changes into few updates carrying every new event in order', async () => {
    const sse = await openSse(url);
    try {
      await sse.next((f) => f.event === 'events');
      const from = sse.frames.length;
      const { supervisor } = fleet.daemon;
      for (let i = 0; i < 10; i++) {
        supervisor.hold(['solo']);
        supervisor.release(['solo']);
      }
      await waitUntil(() => events(sse.frames.slice(from)).length >= 20, '20 new events on the stream');
      const fresh = events(sse.frames.slice(from));
      assert.deepEqual(
        fresh.map((e) => e.type),
        Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? 'held' : 'released')),
      );
      const updates = sse.frames.slice(from).filter(isStatus).length;
      assert.ok(updates <= 2, `40 bus changes gave ${updates} status frames`);
      const last = JSON.parse(sse.frames.slice(from).filter(isStatus).at(-1)!.data) as StatusMessage;
      assert.equal(last.nodes[0]!.held, false);
    } finally {
      sse.close();
    }
  });

  test('a stopped node shows up as stopped without reconnecting', async () => {
    const sse = await openSse(url);
    try {
      const from = (await sse.next(isStatus), sse.frames.length);
      await fleet.daemon.supervisor.stop(['solo']);
      const f = await sse.next(
        (x) => isStatus(x) && (JSON.parse(x.data) as StatusMessage).nodes[0]!.state === 'stopped',
        { from },
      );
      assert.equal((JSON.parse(f.data) as StatusMessage).counts.stopped, 1);
      await waitUntil(
        () => events(sse.frames.slice(from)).some((e) => e.type === 'stopped'),
        'the stopped event',
      );
    } finally {
      sse.close();
    }
  });

  test('forgets a reader that disconnects, and close() ends every stream', async () => {
    await waitUntil(() => feed.size === 0, 'no readers left from earlier tests');
    const a = await openSse(url);
    const b = await openSse(url);
    await waitUntil(() => feed.size === 2, 'two readers');
    a.close();
    await waitUntil(() => feed.size === 1, 'one reader');
    feed.close();
    await b.ended;
    assert.equal(feed.size, 0);
    const late = await openSse(url);
    assert.equal(late.status, 503);
    late.close();
  });
});

describe('registerWebRoutes', () => {
  test('serves a self-contained status page with a strict CSP and ends streams on close', async () => {
    const fleet = await startFleet([]);
    const app = Fastify();
    try {
      registerWebRoutes(app, fleet.daemon);
      const page = await app.inject('/');
      assert.equal(page.statusCode, 200);
      assert.equal(page.headers['content-type'], 'text/html; charset=utf-8');
      const csp = String(page.headers['content-security-policy']);
      assert.match(csp, /default-src 'none'/);
      assert.match(csp, /script-src 'sha256-[A-Za-z0-9+/=]+'/);
      // offline hosts: nothing may be fetched from elsewhere
      assert.doesNotMatch(page.body, /\b(src|href)\s*=\s*"(?!data:)|@import|url\(|https?:\/\//i);
      assert.doesNotMatch(page.body, /innerHTML|outerHTML|insertAdjacentHTML|document\.write/);

      await app.listen({ host: '127.0.0.1', port: 0 });
      const port = (app.server.address() as AddressInfo).port;
      const sse = await openSse(`http://127.0.0.1:${port}/api/stream`);
      const status = JSON.parse((await sse.next(isStatus)).data) as StatusMessage;
      assert.deepEqual(status.nodes, []);
      await app.close();
      await sse.ended;
    } finally {
      await app.close();
      await fleet.close();
    }
  });
});
