/**
 * What every importer (systemd, supervisord, PM2) hands to the layout step:
 * one draft per program or unit, its instances' node configs, and the notes
 * on what could not be carried over, each with the file and line it came from.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NodewardenError } from '../errors.js';

export type Json = Record<string, unknown>;

/** A directive nodewarden has no setting for (`unmapped`), or one mapped with a caveat (`warning`). */
export interface Note {
  readonly kind: 'unmapped' | 'warning';
  readonly file: string;
  readonly line: number;
  readonly message: string;
}

/** One `key=value` of a unit, drop-in or INI section, where it was written. */
export interface Entry {
  readonly section: string;
  readonly key: string;
  readonly value: string;
  readonly file: string;
  readonly line: number;
}

/** One program or unit, as node configs (strings may hold `{{index}}`). */
export interface Draft {
  /** The node file's base name: `nodes/<name>.json`. */
  readonly name: string;
  readonly file: string;
  readonly line: number;
  /** One config per instance, index 1 first; a plain program has one. */
  readonly configs: Json[];
  /** The source defines instances: the node file gets `instances`, even if 1. */
  readonly instanced: boolean;
}

/** What one importer found. */
export interface Imported {
  readonly drafts: Draft[];
  readonly notes: Note[];
}

/** Collects notes once each (every instance of a unit reads the same lines). */
export class Notes {
  private readonly seen = new Set<string>();
  readonly list: Note[] = [];

  add(kind: Note['kind'], file: string, line: number, message: string): void {
    const id = `${kind}\0${file}\0${line}\0${message}`;
    if (this.seen.has(id)) return;
    this.seen.add(id);
    this.list.push({ kind, file, line, message });
  }

  unmapped(file: string, line: number, message: string): void {
    this.add('unmapped', file, line, message);
  }

  warn(file: string, line: number, message: string): void {
    this.add('warning', file, line, message);
  }
}

/** A definition that cannot be imported at all: `file:line: message`, exit 2. */
export function badInput(file: string, line: number | null, message: string): NodewardenError {
  const at = line === null ? file : `${file}:${line}`;
  return new NodewardenError('E_BAD_REQUEST', `import: ${at}: ${message}`);
}

/** The text of a definition file, or an import error naming the file and why it cannot be read. */
export function readInput(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw badInput(file, null, `cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

/** A node file name from a program or unit name: lower case, other characters as `-`. */
export function nodeName(raw: string): string {
  const name = raw
    .toLowerCase()
    .replace(/[^a-z0-9_.-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .slice(0, 58);
  return name === '' ? 'node' : name;
}

/** A signal name as nodewarden writes it: `TERM`, `sigterm`, `15` → `SIGTERM`. */
export function signalName(raw: string): string | null {
  const v = raw.trim().toUpperCase();
  const byNumber: Record<string, string> = {
    '1': 'SIGHUP',
    '2': 'SIGINT',
    '3': 'SIGQUIT',
    '9': 'SIGKILL',
    '10': 'SIGUSR1',
    '12': 'SIGUSR2',
    '15': 'SIGTERM',
  };
  if (byNumber[v]) return byNumber[v];
  const name = v.startsWith('SIG') ? v : `SIG${v}`;
  return Object.hasOwn(os.constants.signals, name) ? name : null;
}

/** The part of `file` worth showing: relative to the working directory when under it. */
export function shown(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel !== '' && !rel.startsWith('..') ? rel : file;
}

/** Sets `obj[group][key]`, creating the group. */
export function setIn(obj: Json, group: string, key: string, value: unknown): void {
  const g = (obj[group] ?? {}) as Json;
  g[key] = value;
  obj[group] = g;
}
