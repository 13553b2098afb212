/**
 * The Ansible role deploy/ansible/roles/nodewarden applied for real: Debian's
 * `ansible-playbook` against localhost (`-c local`) in supervisord mode, with
 * a private supervisord on a temp socket that the test starts and ends by pid.
 * The role writes the configs from its variables, checks them with
 * `nodewarden config check`, installs the supervisord program made from
 * deploy/supervisord-nodewarden.conf and has supervisord start nodewarden. A
 * changed node is applied by `nodewarden reload` (the manager keeps its pid,
 * only that node restarts); a third run changes nothing; a bad config stops the
 * play before anything in the config dir changes. nodewarden itself is this
 * checkout's build (`nodewarden_install: none`, `nodewarden_bin`): the test
 * cannot install the npm package's dependencies. Fails (never skips) when
 * ansible-playbook or supervisord is missing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { CLI, DIST, SIM, useFleets, waitGone, waitUntil, type Fleet } from '../core/harness.js';

const ANSIBLE_PLAYBOOK = '/usr/bin/ansible-playbook';
const SUPERVISORD = '/usr/bin/supervisord';
const SUPERVISORCTL = '/usr/bin/supervisorctl';
const ROLE = path.join(DIST, '..', 'deploy', 'ansible', 'roles', 'nodewarden');
/** Only a failure bound: one ansible-playbook run takes from 10 s to minutes on a loaded machine. */
const PLAY_MS = 600_000;
const BOUND_MS = 60_000;

const fleet = useFleets();

type Yaml = string | number | boolean | null | Yaml[] | { [key: string]: Yaml };

/**
 * A value as YAML flow text. Strings holding `{{` are nodewarden's Handlebars,
 * not Jinja: they are tagged `!unsafe` so Ansible leaves them as they are.
 */
function yaml(v: Yaml): string {
  if (typeof v === 'string') return v.includes('{{') ? `!unsafe ${JSON.stringify(v)}` : JSON.stringify(v);
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(yaml).join(', ')}]`;
  return `{${Object.entries(v)
    .map(([k, x]) => `${JSON.stringify(k)}: ${yaml(x)}`)
    .join(', ')}}`;
}

interface Host {
  readonly f: Fleet;
  readonly conf: string;
  readonly varsFile: string;
  readonly playbook: string;
  readonly env: NodeJS.ProcessEnv;
}

/** The role's variables for this test: everything in the fleet's temp dir. */
function roleVars(h: Host, nodes: Record<string, Yaml>): Record<string, Yaml> {
  const d = h.f.dir;
  return {
    nodewarden_install: 'none',
    nodewarden_bin: path.join(d, 'bin', 'nodewarden'),
    nodewarden_install_node: 'never',
    nodewarden_service_manager: 'supervisord',
    nodewarden_supervisorctl: [SUPERVISORCTL, '-c', h.conf],
    nodewarden_supervisord_conf_dir: path.join(d, 'supervisor.d'),
    nodewarden_config_dir: h.f.configDir,
    nodewarden_staging_dir: path.join(d, 'staging'),
    nodewarden_state_dir: h.f.stateDir,
    nodewarden_log_dir: h.f.logDir,
    nodewarden_manager: { startup: { concurrency: 0, intervalMs: 0 }, pressure: { samples: 1000 } },
    nodewarden_template: {
      binary: process.execPath,
      args: [SIM, '--name', '{{name}}'],
      env: { SIM_PORT: '0' },
      dataDir: path.join(d, 'data', '{{name}}'),
      restart: { startSeconds: 1, backoffMs: 100, backoffMaxMs: 1000 },
      stop: { graceMs: 3000 },
    },
    nodewarden_nodes: nodes,
  };
}

function setUp(): Host {
  const f = fleet({ nodes: {} });
  const d = f.dir;
  const conf = path.join(d, 'supervisord.conf');
  fs.mkdirSync(path.join(d, 'bin'));
  fs.mkdirSync(path.join(d, 'supervisor.d'));
  fs.mkdirSync(path.join(d, 'ansible', 'tmp'), { recursive: true });
  // The `nodewarden` command the role runs and puts in the supervisord program.
  fs.writeFileSync(
    path.join(d, 'bin', 'nodewarden'),
    `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} "$@"\n`,
    { mode: 0o755 },
  );
  fs.writeFileSync(
    conf,
    [
      '[unix_http_server]',
      `file=${path.join(d, 'supervisor.sock')}`,
      'chmod=0700',
      '[supervisord]',
      'nodaemon=true',
      `logfile=${path.join(d, 'supervisord.log')}`,
      `pidfile=${path.join(d, 'supervisord.pid')}`,
      `childlogdir=${d}`,
      '[rpcinterface:supervisor]',
      'supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface',
      '[supervisorctl]',
      `serverurl=unix://${path.join(d, 'supervisor.sock')}`,
      '[include]',
      `files=${path.join(d, 'supervisor.d', '*.conf')}`,
      '',
    ].join('\n'),
  );
  const varsFile = path.join(d, 'vars.yml');
  const playbook = path.join(d, 'site.yml');
  fs.writeFileSync(
    playbook,
    [
      '- hosts: all',
      '  gather_facts: false',
      `  vars_files: [${JSON.stringify(varsFile)}]`,
      `  roles: [${JSON.stringify(ROLE)}]`,
      '',
    ].join('\n'),
  );
  // Ansible keeps its own files in the temp dir too, and reads no ansible.cfg of this machine.
  const ansible = path.join(d, 'ansible');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ANSIBLE_CONFIG: path.join(ansible, 'ansible.cfg'),
    ANSIBLE_HOME: ansible,
    ANSIBLE_LOCAL_TEMP: path.join(ansible, 'tmp'),
    ANSIBLE_REMOTE_TEMP: path.join(ansible, 'tmp'),
    ANSIBLE_NOCOLOR: '1',
    ANSIBLE_RETRY_FILES_ENABLED: 'false',
    ANSIBLE_LOCALHOST_WARNING: 'false',
    // Ordinary speed settings: modules piped to the one known Python, no temp files per task.
    ANSIBLE_PIPELINING: 'true',
    ANSIBLE_PYTHON_INTERPRETER: '/usr/bin/python3',
  };
  delete env.NODEWARDEN_CONFIG;
  delete env.ANSIBLE_FORCE_COLOR;
  return { f, conf, varsFile, playbook, env };
}

interface Recap {
  ok: number;
  changed: number;
  failed: number;
  out: string;
}

/** One `ansible-playbook` run with these nodes; its PLAY RECAP line for localhost. */
async function apply(h: Host, nodes: Record<string, Yaml>): Promise<Recap> {
  const vars = roleVars(h, nodes);
  fs.writeFileSync(
    h.varsFile,
    Object.entries(vars)
      .map(([k, v]) => `${k}: ${yaml(v)}`)
      .join('\n') + '\n',
  );
  const r = await execa(ANSIBLE_PLAYBOOK, ['-i', 'localhost,', '-c', 'local', h.playbook], {
    cwd: h.f.dir,
    env: h.env,
    extendEnv: false,
    reject: false,
    timeout: PLAY_MS,
  });
  const out = `${r.stdout}\n${r.stderr}`;
  const m = /^localhost\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=\d+\s+failed=(\d+)/m.exec(r.stdout);
  assert.ok(m, `ansible-playbook printed a play recap (exit ${r.exitCode}):\n${out}`);
  return { ok: Number(m[1]), changed: Number(m[2]), failed: Number(m[3]), out };
}

/** The task's or handler's result lines in a run's output, e.g. `changed: [localhost]`. */
function resultOf(out: string, task: string): string {
  const at = out.indexOf(`: ${task}] *`);
  assert.ok(at >= 0, `the run shows "${task}":\n${out}`);
  return out.slice(at).split('\n').slice(1, 3).join('\n');
}

async function ctl(h: Host, ...args: string[]): Promise<string> {
  const r = await execa(SUPERVISORCTL, ['-c', h.conf, ...args], { reject: false, timeout: BOUND_MS });
  return `${r.stdout}${r.stderr}`;
}

interface NodeRow {
  name: string;
  state: string;
  pid: number | null;
}

async function status(h: Host): Promise<Map<string, NodeRow>> {
  const r = await h.f.ctl(['status', '--json']);
  assert.equal(r.code, 0, r.stderr);
  return new Map((JSON.parse(r.stdout) as NodeRow[]).map((n) => [n.name, n]));
}

/** Polls `nodewarden status` until every named node is running (and `ok` holds); their pids. */
async function running(
  h: Host,
  names: string[],
  ok: (pids: Record<string, number>) => boolean = () => true,
): Promise<Record<string, number>> {
  return waitUntil(
    async () => {
      const rows = await status(h);
      const pids: Record<string, number> = {};
      for (const n of names) {
        const row = rows.get(n);
        if (row?.state !== 'running' || row.pid === null) return null;
        pids[n] = row.pid;
      }
      return ok(pids) ? pids : null;
    },
    `${names.join(', ')} are running`,
    BOUND_MS,
  );
}

interface EventRow {
  type: string;
  details: { changed?: string[]; unchanged?: string[] } | null;
}

async function reloads(h: Host): Promise<EventRow[]> {
  const r = await h.f.ctl(['events', '--json', '--type', 'config_reloaded']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as EventRow[];
}

/** The manager's pid as supervisord reports it, once supervisord counts it as RUNNING (after startsecs). */
async function managerPid(h: Host): Promise<number> {
  const m = await waitUntil(
    async () => /^nodewarden\s+RUNNING\s+pid (\d+),/m.exec(await ctl(h, 'status', 'nodewarden')),
    'supervisord reports nodewarden RUNNING',
    BOUND_MS,
  );
  return Number(m[1]);
}

test('Ansible role, supervisord mode: apply; a changed node is reloaded (only it restarts); a third run changes nothing; a bad config changes nothing', async () => {
  for (const bin of [ANSIBLE_PLAYBOOK, SUPERVISORD, SUPERVISORCTL])
    assert.ok(fs.existsSync(bin), `${bin} is installed (Debian packages "ansible", "supervisor")`);
  const h = setUp();
  const { f } = h;

  const sd = spawn(SUPERVISORD, ['-c', h.conf], { cwd: f.dir, detached: true, stdio: 'ignore' });
  assert.ok(sd.pid !== undefined, 'supervisord spawned');
  f.track(sd.pid);
  const sdExited = new Promise<number | null>((resolve) => sd.once('exit', (code) => resolve(code)));
  await waitUntil(
    async () => /no such process/.test(await ctl(h, 'status', 'nodewarden')),
    'supervisord answers',
    BOUND_MS,
  );

  // 1. First apply: configs written, program installed, supervisord starts nodewarden.
  const nodes: Record<string, Yaml> = { alpha: {}, beta: {}, gamma: { 'args+': ['--block-ms', '1000'] } };
  const first = await apply(h, nodes);
  assert.equal(first.failed, 0, first.out);
  assert.ok(first.changed > 0, first.out);
  assert.match(resultOf(first.out, 'Check the staged configs'), /^ok: \[localhost\]/);
  assert.match(resultOf(first.out, 'Load the program into supervisord'), /^changed: \[localhost\]/);
  // The manager started by this play read the new configs already: no reload.
  assert.match(resultOf(first.out, 'Reload nodewarden'), /^skipping: \[localhost\]/);
  const program = fs.readFileSync(path.join(f.dir, 'supervisor.d', 'nodewarden.conf'), 'utf8');
  assert.match(program, /^\[program:nodewarden\]$/m);
  assert.match(
    program,
    new RegExp(`^command=/usr/bin/env ${f.dir}/bin/nodewarden run --config ${f.configDir}$`, 'm'),
  );
  assert.match(program, /^stopasgroup=false$/m, 'the shipped program section, not a fork of it');
  const staged = JSON.parse(fs.readFileSync(path.join(f.configDir, 'template.json'), 'utf8')) as {
    args: string[];
    dataDir: string;
  };
  assert.deepEqual(staged.args, [SIM, '--name', '{{name}}'], "nodewarden's Handlebars is left as it is");
  const manager = await managerPid(h);
  f.track(manager);
  const before = await running(h, ['alpha', 'beta', 'gamma']);
  f.track(...Object.values(before));
  assert.deepEqual(await reloads(h), []);

  // 2. One node changes: the play reloads nodewarden; only that node restarts.
  const changedNodes = { ...nodes, beta: { 'args+': ['--block-ms', '500'] } };
  const second = await apply(h, changedNodes);
  assert.equal(second.failed, 0, second.out);
  assert.match(resultOf(second.out, 'Put the checked configs in place'), /^changed: \[localhost\]/);
  assert.match(resultOf(second.out, 'Reload nodewarden'), /^changed: \[localhost\]/);
  assert.match(resultOf(second.out, 'Load the program into supervisord'), /^skipping: \[localhost\]/);
  assert.deepEqual(
    (
      JSON.parse(fs.readFileSync(path.join(f.configDir, 'nodes', 'beta.json'), 'utf8')) as Record<
        string,
        unknown
      >
    )['args+'],
    ['--block-ms', '500'],
  );
  const [reload] = await reloads(h);
  assert.ok(reload, 'a config_reloaded event was recorded');
  assert.deepEqual(reload.details?.changed, ['beta']);
  assert.deepEqual([...(reload.details?.unchanged ?? [])].sort(), ['alpha', 'gamma']);
  const afterReload = await running(h, ['alpha', 'beta', 'gamma'], (p) => p['beta'] !== before['beta']);
  f.track(afterReload['beta']!);
  assert.equal(afterReload['alpha'], before['alpha'], 'alpha kept its process');
  assert.equal(afterReload['gamma'], before['gamma'], 'gamma kept its process');
  await waitGone([before['beta']!], "beta's old process");
  assert.equal(await managerPid(h), manager, 'nodewarden was reloaded, not restarted');

  // 3. Nothing changed: the play reports no change and touches nothing.
  const third = await apply(h, changedNodes);
  assert.equal(third.failed, 0, third.out);
  assert.equal(third.changed, 0, third.out);
  assert.doesNotMatch(third.out, /RUNNING HANDLER/);
  assert.equal((await reloads(h)).length, 1, 'no second reload');
  assert.deepEqual(await running(h, ['alpha', 'beta', 'gamma']), afterReload);

  // 4. A bad config: `nodewarden config check` stops the play before the config dir changes.
  const live = fs.readFileSync(path.join(f.configDir, 'nodes', 'beta.json'), 'utf8');
  const bad = await apply(h, { ...changedNodes, beta: { restart: { policy: 'sometimes' } } });
  assert.equal(bad.failed, 1, bad.out);
  assert.match(resultOf(bad.out, 'Check the staged configs'), /^fatal: \[localhost\]/);
  assert.match(bad.out, /beta\.json: restart\.policy/);
  assert.doesNotMatch(bad.out, /Put the checked configs in place/);
  assert.equal(fs.readFileSync(path.join(f.configDir, 'nodes', 'beta.json'), 'utf8'), live);
  assert.equal((await reloads(h)).length, 1, 'no reload');
  assert.deepEqual(await running(h, ['alpha', 'beta', 'gamma']), afterReload);
  assert.equal(await managerPid(h), manager);

  // supervisord stops nodewarden (which stops its nodes), then itself.
  assert.match(await ctl(h, 'stop', 'nodewarden'), /nodewarden: stopped/);
  await waitGone([manager, ...Object.values(afterReload)], 'nodewarden and its nodes', BOUND_MS);
  assert.match(await ctl(h, 'shutdown'), /Shut down/);
  await waitGone([sd.pid], 'supervisord', BOUND_MS);
  assert.equal(await sdExited, 0);
  assert.deepEqual(f.ownedPids(), []);
});
