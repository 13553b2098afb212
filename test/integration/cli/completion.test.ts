/**
 * `nodewarden completion bash|zsh` run under a real bash (the script sourced,
 * the completion function called as bash calls it), every verb's `--help`,
 * and the `config check` hint. No daemon: all of it works offline.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { CLI, runCli, tmpDir, writeConfig, writeNode } from '../../helpers/daemon.js';

let dir: string;
let configDir: string;
let bin: string;

/** The verbs `nodewarden --help` lists (the commander program's own list). */
function helpVerbs(help: string): string[] {
  const section = help.split(/^Commands:$/m)[1]!.split(/^\S/m)[0]!;
  return section
    .split('\n')
    .map((l) => /^ {2}([a-z][a-z-]*)/.exec(l)?.[1])
    .filter((v): v is string => v !== undefined);
}

/** Source the bash script, set COMP_WORDS/COMP_CWORD as bash would, call the function, return COMPREPLY. */
function complete(words: string[], env: NodeJS.ProcessEnv = {}, cwd: string = dir): string[] {
  const quoted = words.map((w) => `'${w.replace(/'/g, `'\\''`)}'`).join(' ');
  const script = [
    'source <(nodewarden completion bash) || exit 9',
    `COMP_WORDS=(${quoted})`,
    `COMP_CWORD=${words.length - 1}`,
    '_nodewarden',
    'printf "%s\\n" "${COMPREPLY[@]}"',
  ].join('\n');
  const base: NodeJS.ProcessEnv = { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` };
  delete base.NODEWARDEN_CONFIG;
  delete base.NODEWARDEN_SYSTEM_CONFIG;
  const r = spawnSync('bash', ['-c', script], { encoding: 'utf8', env: { ...base, ...env }, cwd });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '', 'the script runs without a shell error');
  return r.stdout.split('\n').filter(Boolean);
}

before(() => {
  dir = tmpDir();
  configDir = writeConfig(dir, { nodes: { ant: { instances: 3 }, geth: {} } });
  // An installed `nodewarden` on PATH, as the script calls back into whatever completes.
  bin = path.join(dir, 'bin');
  fs.mkdirSync(bin);
  fs.writeFileSync(
    path.join(bin, 'nodewarden'),
    `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} "$@"\n`,
    { mode: 0o755 },
  );
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('nodewarden completion bash', () => {
  test('every verb the program registers is offered; a prefix narrows them', async () => {
    const help = await runCli(configDir, ['--help']);
    const verbs = helpVerbs(help.stdout);
    assert.ok(verbs.includes('status') && verbs.includes('completion'), help.stdout);
    const offered = complete(['nodewarden', '']);
    for (const v of verbs) assert.ok(offered.includes(v), `${v} is offered: ${offered.join(' ')}`);
    assert.ok(!offered.includes('__complete'), 'the hidden verb is not offered');
    assert.deepEqual(complete(['nodewarden', 'st']), ['status', 'start', 'stop']);
  });

  test('sub-verbs: config, alert, export, completion', () => {
    assert.deepEqual(
      complete(['nodewarden', 'config', '']).filter((w) => w !== 'help'),
      ['check', 'schema', 'show'],
    );
    assert.deepEqual(
      complete(['nodewarden', 'alert', '']).filter((w) => w !== 'help'),
      ['test'],
    );
    assert.deepEqual(complete(['nodewarden', 'export', '']), ['events', 'uptime', 'samples']);
    assert.deepEqual(complete(['nodewarden', 'completion', '']), ['bash', 'zsh']);
    assert.deepEqual(complete(['nodewarden', 'config', 'schema', '']), [
      'nodewarden',
      'template',
      'node',
      'target',
    ]);
    assert.deepEqual(complete(['nodewarden', 'export', 'events', '']), [], 'one kind only');
  });

  test('flags per verb, the global ones too', () => {
    const events = complete(['nodewarden', 'events', '--']);
    for (const f of ['--node', '--type', '--since', '--limit', '--json', '--config', '--help']) {
      assert.ok(events.includes(f), `events ${f}: ${events.join(' ')}`);
    }
    assert.ok(!events.includes('--wait'));
    assert.ok(complete(['nodewarden', 'start', '--']).includes('--wait'));
    assert.deepEqual(complete(['nodewarden', 'export', 'events', '--f']), ['--format']);
    assert.deepEqual(complete(['nodewarden', 'config', 'check', '--j']), ['--json']);
    // A flag's value is not completed as a verb or a node.
    assert.deepEqual(complete(['nodewarden', 'events', '--limit', '']), []);
  });

  test('node names come from the config of the line being completed (or $NODEWARDEN_CONFIG)', () => {
    const names = ['ant-1', 'ant-2', 'ant-3', 'geth'];
    assert.deepEqual(complete(['nodewarden', '--config', configDir, 'start', '']), [...names, 'all']);
    assert.deepEqual(complete(['nodewarden', '-c', configDir, 'status', 'ant-1', 'a']), [
      'ant-1',
      'ant-2',
      'ant-3',
    ]);
    assert.deepEqual(complete(['nodewarden', `--config=${configDir}`, 'logs', 'g']), ['geth']);
    assert.deepEqual(complete(['nodewarden', 'uptime', '--config', configDir, 'a']), [
      'ant-1',
      'ant-2',
      'ant-3',
    ]);
    assert.deepEqual(complete(['nodewarden', 'config', 'show', ''], { NODEWARDEN_CONFIG: configDir }), names);
    assert.deepEqual(complete(['nodewarden', 'events', '--config', configDir, '--node', '']), names);
    assert.deepEqual(complete(['nodewarden', '--config', '~/configs', 'start', 'g'], { HOME: dir }), [
      'geth',
    ]);
    assert.deepEqual(complete(['nodewarden', '--config=~/configs', 'start', 'g'], { HOME: dir }), ['geth']);
    assert.deepEqual(
      complete(['nodewarden', '--config', configDir, 'config', 'show', 'geth', '']),
      [],
      'config show takes one node',
    );
    // A node added to the config is offered at once: nothing is cached.
    writeNode(configDir, 'monero', {});
    assert.ok(complete(['nodewarden', '--config', configDir, 'stop', 'm']).includes('monero'));
    fs.rmSync(path.join(configDir, 'nodes', 'monero.json'));
  });

  test('without --config or $NODEWARDEN_CONFIG, node names come from ./configs, else the system directory', () => {
    const names = ['ant-1', 'ant-2', 'ant-3', 'geth'];
    // `dir` holds configs/: found from there, as every verb finds it.
    assert.deepEqual(complete(['nodewarden', 'start', '']), [...names, 'all']);
    assert.deepEqual(complete(['nodewarden', 'logs', 'ant-1', '']), [...names, 'all'], 'logs takes several');
    assert.deepEqual(complete(['nodewarden', 'logs', '-f', 'g']), ['geth']);
    // Elsewhere, the system directory (its location overridable for this test).
    const elsewhere = path.join(dir, 'elsewhere');
    fs.mkdirSync(elsewhere, { recursive: true });
    assert.deepEqual(
      complete(['nodewarden', 'stop', 'an'], { NODEWARDEN_SYSTEM_CONFIG: configDir }, elsewhere),
      ['ant-1', 'ant-2', 'ant-3'],
    );
    // Neither: nothing to offer, and no error in the middle of the line.
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NODEWARDEN_SYSTEM_CONFIG: path.join(dir, 'no-such-dir'),
    };
    delete env.NODEWARDEN_CONFIG;
    const quiet = spawnSync(process.execPath, [CLI, '__complete', 'nodes'], {
      encoding: 'utf8',
      env,
      cwd: elsewhere,
    });
    assert.deepEqual([quiet.status, quiet.stdout, quiet.stderr], [0, '', '']);
    const missing = path.join(dir, 'no-such-dir');
    assert.deepEqual(complete(['nodewarden', 'stop', ''], { NODEWARDEN_SYSTEM_CONFIG: missing }, elsewhere), [
      'all',
    ]);
  });

  test('__complete nodes works on a config that config check refuses, without a daemon', async () => {
    const bad = path.join(dir, 'bad');
    fs.mkdirSync(path.join(bad, 'nodes'), { recursive: true });
    fs.writeFileSync(path.join(bad, 'template.json'), '{"instances": 2}');
    fs.writeFileSync(path.join(bad, 'nodes', 'ant.json'), '{"binary": 42}');
    fs.writeFileSync(path.join(bad, 'nodes', 'solo.json'), '{"instances": null}');
    fs.writeFileSync(path.join(bad, 'nodes', 'broken.json'), '{');
    const r = await runCli(bad, ['__complete', 'nodes']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n'), ['ant-1', 'ant-2', 'broken-1', 'broken-2', 'solo']);
    assert.equal((await runCli(bad, ['config', 'check'])).code, 2);
  });
});

/**
 * Run the zsh script under a real zsh as its completion system would call it:
 * `words` and `CURRENT` set, `compadd` recording what it is given (zsh's own
 * compadd filters by the typed prefix itself, so every candidate is offered).
 */
function completeZsh(words: string[]): string[] {
  const quoted = words.map((w) => `'${w.replace(/'/g, `'\\''`)}'`).join(' ');
  const script = [
    'compdef() { :; }',
    '_files() { print -- "<files>"; }',
    'compadd() { [[ "$1" == -- ]] && shift; print -l -- "$@"; }',
    'source <(nodewarden completion zsh) || exit 9',
    `words=(${quoted})`,
    `CURRENT=${words.length}`,
    '_nodewarden',
  ].join('\n');
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` };
  delete env.NODEWARDEN_CONFIG;
  delete env.NODEWARDEN_SYSTEM_CONFIG;
  const r = spawnSync('zsh', ['-f', '-c', script], { encoding: 'utf8', env, cwd: dir });
  assert.equal(r.error, undefined, 'zsh is installed (npm test provisions it)');
  assert.equal(r.stderr, '', 'the script runs without a shell error');
  return r.stdout.split('\n').filter(Boolean);
}

describe('nodewarden completion zsh', () => {
  test("under a real zsh: verbs, sub-verbs, flags one by one, node names from the line's config", async () => {
    const r = await runCli(configDir, ['completion', 'zsh']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^compdef _nodewarden nodewarden$/m);
    const file = path.join(dir, '_nodewarden.zsh');
    fs.writeFileSync(file, r.stdout);
    const syntax = spawnSync('zsh', ['-n', file], { encoding: 'utf8' });
    assert.equal(syntax.status, 0, syntax.stderr);

    const verbs = completeZsh(['nodewarden', '']);
    for (const v of ['run', 'status', 'start', 'logs', 'config', 'completion'])
      assert.ok(verbs.includes(v), v);
    assert.deepEqual(
      completeZsh(['nodewarden', 'config', '']).filter((w) => w !== 'help'),
      ['check', 'schema', 'show'],
    );
    const flags = completeZsh(['nodewarden', 'logs', '-']);
    for (const f of ['--follow', '-f', '--lines', '--prefix', '--json', '--config'])
      assert.ok(flags.includes(f), f);
    assert.deepEqual(completeZsh(['nodewarden', '--config', configDir, 'start', '']).sort(), [
      'all',
      'ant-1',
      'ant-2',
      'ant-3',
      'geth',
    ]);
    assert.deepEqual(completeZsh(['nodewarden', '--config', configDir, 'status', '']).sort(), [
      'ant-1',
      'ant-2',
      'ant-3',
      'geth',
    ]);
    assert.deepEqual(completeZsh(['nodewarden', '--config', configDir, 'events', '--node', '']).sort(), [
      'ant-1',
      'ant-2',
      'ant-3',
      'geth',
    ]);
    assert.deepEqual(completeZsh(['nodewarden', 'export', '']), ['events', 'uptime', 'samples']);
    assert.deepEqual(completeZsh(['nodewarden', '--config', '']), ['<files>']);

    const bad = await runCli(configDir, ['completion', 'fish']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /bash, zsh/);
  });
});

describe('--help of every verb', () => {
  test('names --config and NODEWARDEN_CONFIG', async () => {
    const top = await runCli(configDir, ['--help']);
    const verbs = helpVerbs(top.stdout).filter((v) => v !== 'help');
    const paths = verbs.flatMap((v) =>
      v === 'config'
        ? [['config'], ['config', 'check'], ['config', 'show']]
        : v === 'alert'
          ? [['alert'], ['alert', 'test']]
          : [[v]],
    );
    assert.ok(paths.length >= 18, paths.join(' '));
    const results = await Promise.all(paths.map((p) => runCli(configDir, [...p, '--help'])));
    paths.forEach((p, i) => {
      const r = results[i]!;
      assert.equal(r.code, 0, `${p.join(' ')}: ${r.stderr}`);
      assert.match(r.stdout, /--config <dir>/, `${p.join(' ')} --help names --config`);
      assert.match(r.stdout, /NODEWARDEN_CONFIG/, `${p.join(' ')} --help names NODEWARDEN_CONFIG`);
      assert.match(r.stdout, /NO_COLOR/, `${p.join(' ')} --help names NO_COLOR`);
    });
  });
});

describe('the hint of a refused config fits the verb', () => {
  test('config check does not send the user to config check; run and config show do', async () => {
    const bad = path.join(dir, 'hint');
    writeConfig(bad, { nodes: { ant: { restart: { maxRetries: -1 } } } });
    const cfg = path.join(bad, 'configs');
    const check = await runCli(cfg, ['config', 'check']);
    assert.equal(check.code, 2);
    assert.match(check.stderr, /maxRetries/);
    assert.match(check.stderr, /^hint: /m);
    assert.doesNotMatch(check.stderr, /nodewarden config check/);
    for (const args of [['run'], ['config', 'show', 'ant']]) {
      const r = await runCli(cfg, args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /hint: run `nodewarden config check`/, args.join(' '));
    }
  });
});
