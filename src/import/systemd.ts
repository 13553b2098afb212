/**
 * `nodewarden import systemd`: service units (and `name@.service` template
 * units with their instances) read the way systemd reads them: sections,
 * continuation lines, repeated keys, an empty assignment resetting a list,
 * drop-ins from `<unit>.d/*.conf` in name order, specifiers and ExecStart's
 * own word splitting (never a shell).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { literal, splitSystemd, SplitError } from './argv.js';
import { parseEnvFile } from './env-file.js';
import { instanceToken } from './instances.js';
import {
  badInput,
  nodeName,
  Notes,
  setIn,
  signalName,
  type Draft,
  type Imported,
  type Json,
} from './model.js';
import { expandVars, specifiers, type UnitContext } from './specifiers.js';
import { dropIns, lastOf, listOf, readEntries, timeSpanMs, unitParts, type Entry } from './unit-file.js';

/** Directives with no effect on how the process runs: read silently. */
const QUIET: Readonly<Record<string, readonly string[]>> = {
  Unit: ['Description', 'Documentation'],
  Install: ['WantedBy', 'RequiredBy', 'Alias', 'Also', 'DefaultInstance'],
  Service: ['RemainAfterExit', 'GuessMainPID'],
};

/** Splits a command value into prefix flags and argv. */
function command(e: Entry, ctx: UnitContext, env: Record<string, string>, user: string | null): string[] {
  const m = /^([-@:+!]*)(.*)$/s.exec(e.value)!;
  const flags = m[1]!;
  let words: string[];
  try {
    words = splitSystemd(m[2]!);
  } catch (err) {
    if (err instanceof SplitError) throw badInput(e.file, e.line, `${e.key}: ${err.message}`);
    throw err;
  }
  if (words.includes(';'))
    ctx.notes.unmapped(e.file, e.line, `${e.key}: several commands separated by ";": only the first is kept`);
  if (words.indexOf(';') >= 0) words = words.slice(0, words.indexOf(';'));
  if (flags.includes('-'))
    ctx.notes.unmapped(e.file, e.line, `${e.key}: prefix "-" (ignore the exit code) has no equivalent`);
  if (flags.includes('+') || flags.includes('!'))
    ctx.notes.unmapped(
      e.file,
      e.line,
      `${e.key}: privilege prefix "${flags.replace(/[-@:]/g, '')}" has no equivalent`,
    );
  const argv: string[] = [];
  for (const w of words) {
    // Specifiers are resolved when the unit is loaded, $VAR when it runs: a value's own % stays.
    const word = specifiers(w, e, ctx, user);
    argv.push(...(flags.includes(':') ? [word] : expandVars(word, env, e, ctx.notes)));
  }
  if (flags.includes('@') && argv.length >= 2) {
    ctx.notes.unmapped(
      e.file,
      e.line,
      `${e.key}: prefix "@" (own argv[0] ${JSON.stringify(argv[1])}) has no equivalent: dropped`,
    );
    argv.splice(1, 1);
  }
  if (argv.length === 0) throw badInput(e.file, e.line, `${e.key}: empty command`);
  return argv;
}

function restartPolicy(e: Entry, notes: Notes): string | null {
  switch (e.value) {
    case 'no':
      return 'never';
    case 'always':
      return 'always';
    case 'on-failure':
      return 'on-failure';
    case 'on-abnormal':
    case 'on-abort':
    case 'on-watchdog':
      notes.warn(e.file, e.line, `Restart=${e.value} imported as restart.policy "on-failure"`);
      return 'on-failure';
    default:
      notes.unmapped(e.file, e.line, `Restart=${e.value} has no equivalent`);
      return null;
  }
}

/** One unit (or one instance of a template) as a node config. */
function mapUnit(entries: readonly Entry[], ctx: UnitContext): Json {
  const { notes } = ctx;
  const service = entries.filter((e) => e.section === 'Service');
  const cfg: Json = {};
  const userEntry = lastOf(service, 'User');
  const user = userEntry && userEntry.value !== '' ? specifiers(userEntry.value, userEntry, ctx, null) : null;

  // Environment= first, then EnvironmentFile= on top (systemd's order).
  const env: Record<string, string> = {};
  for (const e of listOf(service, 'Environment')) {
    let words: string[];
    try {
      words = splitSystemd(e.value);
    } catch (err) {
      throw badInput(e.file, e.line, `Environment: ${(err as Error).message}`);
    }
    for (const w of words) {
      const eq = w.indexOf('=');
      if (eq <= 0) {
        notes.unmapped(e.file, e.line, `Environment: ${JSON.stringify(w)} is not NAME=value: skipped`);
        continue;
      }
      env[w.slice(0, eq)] = specifiers(w.slice(eq + 1), e, ctx, user);
    }
  }
  for (const e of listOf(service, 'EnvironmentFile')) {
    const optional = e.value.startsWith('-');
    const file = specifiers(e.value.replace(/^-/, ''), e, ctx, user);
    if (file.includes('{{')) {
      notes.unmapped(e.file, e.line, `EnvironmentFile=${e.value}: a per-instance file is not read`);
      continue;
    }
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      if (optional) continue;
      throw badInput(
        e.file,
        e.line,
        `EnvironmentFile ${file}: cannot read: ${(err as NodeJS.ErrnoException).code}`,
      );
    }
    for (const [k, v] of Object.entries(parseEnvFile(text))) env[k] = literal(v);
    notes.warn(e.file, e.line, `EnvironmentFile=${file} read now: its variables are written into env`);
  }

  const starts = listOf(service, 'ExecStart');
  if (starts.length === 0) {
    const at = entries[0];
    throw badInput(at?.file ?? ctx.unit, at?.line ?? null, `${ctx.unit} has no ExecStart=`);
  }
  if (starts.length > 1)
    notes.unmapped(
      starts[1]!.file,
      starts[1]!.line,
      'ExecStart: more than one command: only the first is kept',
    );
  const argv = command(starts[0]!, ctx, env, user);
  cfg.binary = argv[0];
  cfg.args = argv.slice(1);
  if (Object.keys(env).length > 0) cfg.env = env;

  const handled = new Set(['ExecStart', 'Environment', 'EnvironmentFile', 'User']);
  if (user !== null) cfg.user = user;
  cfg.restart = { policy: 'never' }; // systemd's default is Restart=no
  for (const e of service) {
    if (handled.has(e.key) || QUIET.Service!.includes(e.key)) continue;
    const v = e.value;
    switch (e.key) {
      case 'WorkingDirectory': {
        const dir = specifiers(v.replace(/^-/, ''), e, ctx, user);
        if (dir === '~') cfg.cwd = os.homedir();
        else if (dir !== '') cfg.cwd = dir;
        break;
      }
      case 'Type':
        if (v === 'forking' || v === 'oneshot')
          notes.unmapped(
            e.file,
            e.line,
            `Type=${v}: nodewarden runs a node's process in the foreground and watches it; tell the program not to fork or exit`,
          );
        else if (v.startsWith('notify') || v === 'dbus')
          notes.warn(
            e.file,
            e.line,
            `Type=${v}: readiness is not signalled; restart.startSeconds decides when it started`,
          );
        break;
      case 'Group':
        if (v !== '') cfg.group = specifiers(v, e, ctx, user);
        break;
      case 'Restart': {
        const p = restartPolicy(e, notes);
        if (p !== null) setIn(cfg, 'restart', 'policy', p);
        break;
      }
      case 'RestartSec': {
        const ms = timeSpanMs(v);
        if (ms === null || ms < 1)
          notes.unmapped(e.file, e.line, `RestartSec=${v}: not a positive time span`);
        else setIn(cfg, 'restart', 'backoffMs', ms);
        break;
      }
      case 'KillSignal': {
        const sig = signalName(v);
        if (sig === null) notes.unmapped(e.file, e.line, `KillSignal=${v}: unknown signal`);
        else setIn(cfg, 'stop', 'signal', sig);
        break;
      }
      case 'TimeoutStopSec':
      case 'TimeoutSec': {
        const ms = timeSpanMs(v);
        if (ms === null || ms < 1)
          notes.unmapped(
            e.file,
            e.line,
            `${e.key}=${v}: no finite stop timeout in nodewarden (default kept)`,
          );
        else setIn(cfg, 'stop', 'graceMs', ms);
        break;
      }
      case 'LimitNOFILE': {
        const [soft, hard] = v.split(':');
        const n = Number(soft);
        if (!/^\d+$/.test(soft ?? '') || n < 1)
          notes.unmapped(e.file, e.line, `LimitNOFILE=${v}: only a number maps to limits.nofile`);
        else {
          setIn(cfg, 'limits', 'nofile', n);
          if (hard !== undefined && hard !== soft)
            notes.warn(e.file, e.line, `LimitNOFILE=${v}: the soft limit ${soft} is used`);
        }
        break;
      }
      case 'KillMode':
        if (v !== 'control-group' && v !== 'mixed')
          notes.unmapped(e.file, e.line, `KillMode=${v}: nodewarden always stops the whole process tree`);
        break;
      case 'ExecStartPre':
      case 'ExecStartPost':
      case 'ExecStopPost': {
        const list = listOf(service, e.key);
        const hook = { ExecStartPre: 'preStart', ExecStartPost: 'postStart', ExecStopPost: 'postStop' }[
          e.key
        ];
        if (list.length > 1 && e !== list[0]) {
          notes.unmapped(e.file, e.line, `${e.key}: only one command maps to hooks.${hook}`);
        } else if (e === list[0]) {
          setIn(cfg, 'hooks', hook!, command(e, ctx, env, user));
        }
        break;
      }
      default:
        notes.unmapped(e.file, e.line, `${e.key}=${v}: no nodewarden setting`);
    }
  }
  for (const e of entries) {
    if (e.section === 'Service') continue;
    if (QUIET[e.section]?.includes(e.key)) continue;
    // Ordering against targets (network-online.target …) has no meaning for a manager already running.
    if (
      ['After', 'Wants', 'Before'].includes(e.key) &&
      e.value.split(/\s+/).every((u) => u.endsWith('.target'))
    )
      continue;
    notes.unmapped(e.file, e.line, `[${e.section}] ${e.key}=${e.value}: no nodewarden setting`);
  }
  return cfg;
}

/** One template unit and the instances asked of it. */
interface Template {
  readonly file: string;
  readonly prefix: string;
  readonly instances: string[];
  readonly line: number;
}

/** `1..20` or `1,2,5` → instance strings. */
export function instanceList(raw: string): string[] {
  const range = /^(\d+)\.\.(\d+)$/.exec(raw.trim());
  if (range) {
    const [a, b] = [Number(range[1]), Number(range[2])];
    if (b < a || b - a >= 1000) throw badInput('--instances', null, `bad range ${JSON.stringify(raw)}`);
    return Array.from({ length: b - a + 1 }, (_, i) => String(a + i));
  }
  const list = raw.split(',').map((s) => s.trim());
  if (list.some((s) => s === ''))
    throw badInput(
      '--instances',
      null,
      `expected a range such as 1..20 or a list 1,2,5, got ${JSON.stringify(raw)}`,
    );
  return list;
}

/**
 * Imports unit files. `antnode@3.service` (which need not exist) names
 * instance 3 of `antnode@.service` in the same directory; a template unit
 * named itself takes its instances from `--instances`.
 */
export function importSystemd(files: readonly string[], opts: { instances?: string }): Imported {
  const notes = new Notes();
  const drafts: Draft[] = [];
  const templates = new Map<string, Template>();
  const plain: string[] = [];
  for (const arg of files) {
    const file = path.resolve(arg);
    const parts = unitParts(path.basename(file));
    if (parts === null)
      throw badInput(file, null, 'not a service unit (expected <name>.service or <name>@.service)');
    if (parts.instance === null) {
      plain.push(file);
      continue;
    }
    const tfile = path.join(path.dirname(file), `${parts.prefix}@.service`);
    if (!fs.existsSync(tfile)) throw badInput(file, null, `no template unit ${tfile} next to it`);
    const t = templates.get(tfile) ?? { file: tfile, prefix: parts.prefix, instances: [], line: 1 };
    templates.set(tfile, t);
    if (parts.instance !== '') t.instances.push(parts.instance);
    else if (opts.instances !== undefined) t.instances.push(...instanceList(opts.instances));
  }
  for (const file of plain) {
    const base = path.basename(file);
    const prefix = base.replace(/\.service$/, '');
    const entries = [...readEntries(file), ...dropIns(path.dirname(file), [base]).flatMap(readEntries)];
    const ctx = { unit: base, prefix, instance: null, token: null, notes };
    drafts.push({
      name: nodeName(prefix),
      file,
      line: 1,
      configs: [mapUnit(entries, ctx)],
      instanced: false,
    });
  }
  for (const t of templates.values()) {
    const unique = [...new Set(t.instances)];
    if (unique.length === 0)
      throw badInput(
        t.file,
        null,
        `a template unit: name its instances (${t.prefix}@1.service …) or pass --instances 1..N`,
      );
    const dir = path.dirname(t.file);
    const mainEntries = readEntries(t.file);
    const tokens = instanceToken(unique);
    const configFor = (inst: string, token: string): Json => {
      const unit = `${t.prefix}@${inst}.service`;
      const entries = [...mainEntries, ...dropIns(dir, [`${t.prefix}@.service`, unit]).flatMap(readEntries)];
      return mapUnit(entries, { unit, prefix: t.prefix, instance: inst, token, notes });
    };
    if (tokens !== null) {
      drafts.push({
        name: nodeName(t.prefix),
        file: t.file,
        line: 1,
        configs: tokens.ordered.map((inst) => configFor(inst, tokens.token)),
        instanced: true,
      });
    } else {
      notes.warn(
        t.file,
        1,
        `instances ${unique.join(', ')} are not a range 1..N: each is imported as its own node file`,
      );
      for (const inst of unique)
        drafts.push({
          name: nodeName(`${t.prefix}-${inst}`),
          file: t.file,
          line: 1,
          configs: [configFor(inst, literal(inst))],
          instanced: false,
        });
    }
  }
  return { drafts, notes: notes.list };
}
