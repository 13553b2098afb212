/**
 * nodewarden under a real supervisord (Debian's `supervisor`), with the stop
 * settings of the shipped deploy/supervisord-nodewarden.conf:
 * `supervisorctl stop nodewarden` must end every node and grandchild, and
 * nodewarden must exit 0. Fails (never skips) when supervisord is missing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { alive, CLI, DIST, pidOf, simArgs, useFleets, waitGone, waitUntil, type Fleet } from './harness.js';

const run = promisify(execFile);
const SUPERVISORD = '/usr/bin/supervisord';
const SUPERVISORCTL = '/usr/bin/supervisorctl';
const DEPLOY = path.join(DIST, '..', 'deploy', 'supervisord-nodewarden.conf');
const BOUND_MS = 15_000;

const fleet = useFleets();

/**
 * The shipped `[program:nodewarden]` section with only what must differ here
 * replaced: the command (this build, this config dir) and the output file.
 */
function programSection(command: string, outFile: string): string {
  const lines = fs.readFileSync(DEPLOY, 'utf8').split('\n');
  const start = lines.findIndex((l) => l.trim() === '[program:nodewarden]');
  assert.ok(start >= 0, `${DEPLOY} has a [program:nodewarden] section`);
  const out: string[] = [];
  for (const line of lines.slice(start)) {
    const l = line.trim();
    if (out.length > 0 && l.startsWith('[')) break;
    if (l === '' || l.startsWith(';')) continue;
    if (l.startsWith('command=')) out.push(`command=${command}`);
    else if (l.startsWith('stdout_logfile=')) out.push(`stdout_logfile=${outFile}`);
    else out.push(l);
  }
  return out.join('\n');
}

function supervisordConf(f: Fleet): string {
  const p = (name: string): string => path.join(f.dir, name);
  return [
    '[unix_http_server]',
    `file=${p('supervisor.sock')}`,
    'chmod=0700',
    '[supervisord]',
    'nodaemon=true',
    `logfile=${p('supervisord.log')}`,
    `pidfile=${p('supervisord.pid')}`,
    `childlogdir=${f.dir}`,
    '[rpcinterface:supervisor]',
    'supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface',
    '[supervisorctl]',
    `serverurl=unix://${p('supervisor.sock')}`,
    programSection(`${process.execPath} ${CLI} run --config ${f.configDir}`, p('manager.out')),
    '',
  ].join('\n');
}

async function ctl(conf: string, ...args: string[]): Promise<{ code: number; out: string }> {
  try {
    const r = await run(SUPERVISORCTL, ['-c', conf, ...args], { timeout: BOUND_MS });
    return { code: 0, out: r.stdout + r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

test('under supervisord: `supervisorctl stop nodewarden` ends every node and grandchild; nodewarden exits 0', async () => {
  assert.ok(fs.existsSync(SUPERVISORD), `${SUPERVISORD} is installed (Debian package "supervisor")`);
  assert.ok(fs.existsSync(SUPERVISORCTL), `${SUPERVISORCTL} is installed`);
  const f = fleet({ nodes: { plain: {}, parent: { args: simArgs('--spawn-child') } } });
  const conf = path.join(f.dir, 'supervisord.conf');
  fs.writeFileSync(conf, supervisordConf(f));

  const sd = spawn(SUPERVISORD, ['-c', conf], { cwd: f.dir, detached: true, stdio: 'ignore' });
  assert.ok(sd.pid !== undefined, 'supervisord spawned');
  f.track(sd.pid);
  const sdExited = new Promise<number | null>((resolve) => sd.once('exit', (code) => resolve(code)));

  const manager = pidOf(
    await f.log.waitFor((e) => e.message === 'nodewarden: manager_started', { timeoutMs: BOUND_MS }),
  );
  const nodes = (await Promise.all(['plain', 'parent'].map((n) => f.log.waitEvent(n, 'started')))).map(pidOf);
  const grandchild = Number((await f.waitNodeLine('parent', /^GRANDCHILD pid=(\d+)$/))[1]);
  f.track(manager, ...nodes, grandchild);
  const pidFile = Number(fs.readFileSync(path.join(f.dir, 'supervisord.pid'), 'utf8').trim());
  assert.equal(pidFile, sd.pid);
  assert.match(
    (await ctl(conf, 'status', 'nodewarden')).out,
    new RegExp(`nodewarden\\s+(STARTING|RUNNING)\\b.*`),
  );

  const stop = await ctl(conf, 'stop', 'nodewarden');
  assert.equal(stop.code, 0, stop.out);
  assert.match(stop.out, /nodewarden: stopped/);
  await waitGone([manager, ...nodes, grandchild], 'nodewarden, its nodes and the grandchild', 5000);
  assert.match((await ctl(conf, 'status', 'nodewarden')).out, /nodewarden\s+STOPPED\b/);
  const sdLog = await waitUntil(() => {
    const text = fs.readFileSync(path.join(f.dir, 'supervisord.log'), 'utf8');
    return /stopped: nodewarden \(/.test(text) ? text : null;
  }, 'supervisord logged the stop');
  assert.match(sdLog, /stopped: nodewarden \(exit status 0\)/, 'nodewarden exited 0 on its own');
  assert.ok(f.log.entries().some((e) => e.message === 'nodewarden: manager_stopped'));

  const down = await ctl(conf, 'shutdown');
  assert.equal(down.code, 0, down.out);
  await waitGone([pidFile], 'supervisord');
  assert.equal(await sdExited, 0);
  assert.ok(!alive(pidFile));
  assert.deepEqual(f.ownedPids(), []);
});
