/**
 * `nodewarden import supervisord`: `[program:x]` sections of supervisord
 * configuration files, read as supervisord reads them (INI with `;`
 * comments and indented continuation lines, `%(name)s` expansions, the
 * command split like POSIX shlex, `numprocs` instances).
 */
import os from 'node:os';
import path from 'node:path';
import { literal, needsShell, splitShlex, SplitError } from './argv.js';
import { indexExpression } from './instances.js';
import {
  badInput,
  nodeName,
  Notes,
  readInput,
  setIn,
  signalName,
  type Draft,
  type Imported,
  type Json,
} from './model.js';
import { bool, byteSize, parseEnvironment, parseIni, type Entry, type Section } from './supervisord-ini.js';

interface ProgramContext {
  readonly program: string;
  readonly file: string;
  /** What `%(process_num)d` becomes: `{{index}}`-based when numprocs > 1. */
  readonly processNum: (width: number | null) => string;
  readonly numprocs: number;
  readonly notes: Notes;
}

/** supervisord's `%(name)s` expansions of one value; literal text is escaped for templating. */
function expand(value: string, e: Entry, ctx: ProgramContext): string {
  let out = '';
  let pos = 0;
  const re = /%%|%\(([^)]+)\)([-#0 +]*)(\d*)([sd])/g;
  for (let m = re.exec(value); m !== null; m = re.exec(value)) {
    out += literal(value.slice(pos, m.index));
    pos = m.index + m[0].length;
    if (m[0] === '%%') {
      out += '%';
      continue;
    }
    const [, name, flags, width] = m as unknown as [string, string, string, string];
    const w = width === '' ? null : Number(width);
    const pad = (s: string): string =>
      literal(w === null ? s : s.padStart(w, flags.includes('0') ? '0' : ' '));
    if (name === 'process_num') out += ctx.processNum(flags.includes('0') ? w : null);
    else if (name === 'program_name' || name === 'group_name') out += pad(ctx.program);
    else if (name === 'numprocs') out += pad(String(ctx.numprocs));
    else if (name === 'here') out += pad(path.dirname(e.file));
    else if (name === 'host_node_name') out += pad(os.hostname());
    else if (name.startsWith('ENV_') && /^[A-Za-z_][A-Za-z0-9_]*$/.test(name.slice(4))) {
      // supervisord's own environment becomes the manager's: {{env.X}} is read when nodewarden loads the config.
      out += `{{env.${name.slice(4)}}}`;
    } else {
      ctx.notes.unmapped(e.file, e.line, `${e.key}: %(${name})s has no nodewarden equivalent (left as is)`);
      out += literal(m[0]);
    }
  }
  return out + literal(value.slice(pos));
}

function positiveInt(e: Entry, notes: Notes): number | null {
  if (/^\d+$/.test(e.value) && Number(e.value) > 0) return Number(e.value);
  notes.unmapped(e.file, e.line, `${e.key}=${e.value}: not a positive whole number`);
  return null;
}

/** What `[supervisord]` gives every program: its environment and open-files minimum. */
interface Globals {
  readonly env: [string, string, Entry][];
  readonly minfds: Entry | null;
}

function mapProgram(sec: Section, program: string, file: string, globals: Globals, notes: Notes): Draft {
  const get = (k: string): Entry | undefined => sec.entries.filter((e) => e.key === k).at(-1);
  const numEntry = get('numprocs');
  const numprocs = numEntry ? (positiveInt(numEntry, notes) ?? 1) : 1;
  const startEntry = get('numprocs_start');
  const start = startEntry && /^\d+$/.test(startEntry.value) ? Number(startEntry.value) : 0;
  const ctx: ProgramContext = {
    program,
    file,
    numprocs,
    notes,
    processNum: (w) =>
      numprocs > 1
        ? indexExpression(start - 1, w)
        : literal(w === null ? String(start) : String(start).padStart(w, '0')),
  };
  const cfg: Json = {};
  const cmd = get('command');
  if (!cmd) throw badInput(file, sec.line, `[${sec.name}] has no command`);
  const shell = needsShell(cmd.value);
  if (shell !== null) {
    cfg.binary = '/bin/sh';
    cfg.args = ['-c', expand(cmd.value, cmd, ctx)];
    notes.warn(file, cmd.line, `command needs a shell (${shell}): imported as /bin/sh -c "…"`);
  } else {
    let words: string[];
    try {
      words = splitShlex(cmd.value);
    } catch (err) {
      if (err instanceof SplitError) throw badInput(file, cmd.line, `command: ${err.message}`);
      throw err;
    }
    if (words.length === 0) throw badInput(file, cmd.line, 'command is empty');
    const argv = words.map((w) => expand(w, cmd, ctx));
    cfg.binary = argv[0];
    cfg.args = argv.slice(1);
  }
  const env: Record<string, string> = {};
  for (const [k, v, e] of globals.env) env[k] = expand(v, e, ctx);
  const envEntry = get('environment');
  if (envEntry)
    for (const [k, v] of parseEnvironment(envEntry.value, envEntry)) env[k] = expand(v, envEntry, ctx);
  if (Object.keys(env).length > 0) cfg.env = env;
  cfg.restart = { policy: 'on-failure' }; // supervisord's default autorestart=unexpected
  if (globals.minfds) {
    const n = positiveInt(globals.minfds, notes);
    if (n !== null) setIn(cfg, 'limits', 'nofile', n);
  }

  const seen = new Set<string>();
  for (const e of [...sec.entries].reverse()) {
    // The last of a repeated key wins; earlier ones are not reported again.
    if (seen.has(e.key)) continue;
    seen.add(e.key);
    const v = e.value;
    switch (e.key) {
      case 'command':
      case 'environment':
      case 'numprocs':
      case 'numprocs_start':
        break;
      case 'process_name':
        if (numprocs > 1)
          notes.warn(
            file,
            e.line,
            `process_name=${v}: the instances are named ${nodeName(program)}-1 … ${nodeName(program)}-${numprocs}`,
          );
        break;
      case 'directory':
        cfg.cwd = expand(v, e, ctx);
        break;
      case 'user':
        cfg.user = expand(v, e, ctx);
        break;
      case 'autostart': {
        const b = bool(v);
        if (b === null) notes.unmapped(file, e.line, `autostart=${v}: not true or false`);
        else cfg.autostart = b;
        break;
      }
      case 'autorestart': {
        const p = { true: 'always', false: 'never', unexpected: 'on-failure' }[
          String(bool(v) ?? v.toLowerCase())
        ];
        if (p === undefined) notes.unmapped(file, e.line, `autorestart=${v}: not true, false or unexpected`);
        else setIn(cfg, 'restart', 'policy', p);
        break;
      }
      case 'exitcodes':
        if (v.replace(/\s/g, '') !== '0')
          notes.unmapped(file, e.line, `exitcodes=${v}: nodewarden counts only exit code 0 as expected`);
        break;
      case 'startsecs':
        if (/^\d+$/.test(v) && Number(v) > 0) setIn(cfg, 'restart', 'startSeconds', Number(v));
        else notes.unmapped(file, e.line, `startsecs=${v}: restart.startSeconds must be above 0`);
        break;
      case 'startretries':
        if (/^\d+$/.test(v)) setIn(cfg, 'restart', 'maxRetries', Number(v));
        else notes.unmapped(file, e.line, `startretries=${v}: not a whole number`);
        break;
      case 'stopsignal': {
        const sig = signalName(v);
        if (sig === null) notes.unmapped(file, e.line, `stopsignal=${v}: unknown signal`);
        else setIn(cfg, 'stop', 'signal', sig);
        break;
      }
      case 'stopwaitsecs': {
        const n = positiveInt(e, notes);
        if (n !== null) setIn(cfg, 'stop', 'graceMs', n * 1000);
        break;
      }
      case 'stopasgroup':
      case 'killasgroup':
        if (bool(v) === false)
          notes.warn(
            file,
            e.line,
            `${e.key}=${v}: nodewarden always signals and kills the whole process group`,
          );
        break;
      case 'stdout_logfile_maxbytes':
      case 'logfile_maxbytes': {
        const n = byteSize(v);
        if (n === null || n < 1)
          notes.unmapped(file, e.line, `${e.key}=${v}: no rotation-off setting; logs.maxBytes kept`);
        else setIn(cfg, 'logs', 'maxBytes', n);
        break;
      }
      case 'stdout_logfile_backups':
        if (/^\d+$/.test(v)) setIn(cfg, 'logs', 'backups', Number(v));
        else notes.unmapped(file, e.line, `${e.key}=${v}: not a whole number`);
        break;
      case 'redirect_stderr':
        break; // nodewarden writes stdout and stderr into one log either way
      case 'stdout_logfile':
      case 'stderr_logfile':
        notes.unmapped(file, e.line, `${e.key}=${v}: node logs go to <logDir>/<node>.log`);
        break;
      default:
        notes.unmapped(file, e.line, `${e.key}=${v}: no nodewarden setting`);
    }
  }
  const configs = Array.from({ length: numprocs }, () => structuredClone(cfg));
  return { name: nodeName(program), file, line: sec.line, configs, instanced: numprocs > 1 };
}

/** Imports every `[program:x]` of the given supervisord configuration files. */
export function importSupervisord(files: readonly string[]): Imported {
  const notes = new Notes();
  const drafts: Draft[] = [];
  const parsed = files.map((f) => {
    const file = path.resolve(f);
    const text = readInput(file);
    return { file, sections: parseIni(text, file) };
  });
  const globals: { env: [string, string, Entry][]; minfds: Entry | null } = { env: [], minfds: null };
  for (const { sections } of parsed) {
    for (const sec of sections.filter((s) => s.name === 'supervisord')) {
      for (const e of sec.entries) {
        if (e.key === 'environment') globals.env = parseEnvironment(e.value, e).map(([k, v]) => [k, v, e]);
        if (e.key === 'minfds') globals.minfds = e;
      }
    }
  }
  for (const { file, sections } of parsed) {
    for (const sec of sections) {
      const [kind, name] = sec.name.split(':', 2) as [string, string | undefined];
      if (kind === 'program' && name) drafts.push(mapProgram(sec, name.trim(), file, globals, notes));
      else if (['group', 'eventlistener', 'fcgi-program', 'include'].includes(kind))
        notes.unmapped(file, sec.line, `[${sec.name}]: no nodewarden equivalent`);
    }
  }
  if (drafts.length === 0) throw badInput(files.join(', '), null, 'no [program:x] section found');
  return { drafts, notes: notes.list };
}
