/**
 * systemd's expansions in a unit: specifiers (`%i`, `%n`, `%h` …) when the
 * unit is loaded, and `$VAR` / `${VAR}` in command lines from the unit's
 * environment. An instance becomes the node config's index expression.
 */
import os from 'node:os';
import { literal } from './argv.js';
import type { Notes } from './model.js';
import type { Entry } from './unit-file.js';

export interface UnitContext {
  readonly unit: string;
  readonly prefix: string;
  /** The instance as written (`3`), or null for a plain unit. */
  readonly instance: string | null;
  /** What `%i` becomes in the node config (`{{index}}`, or the instance itself). */
  readonly token: string | null;
  readonly notes: Notes;
}

/** Expands the specifiers of one value; literal text is escaped for the node config's templating. */
export function specifiers(value: string, e: Entry, ctx: UnitContext, user: string | null): string {
  let out = '';
  let text = '';
  const flush = (): void => {
    out += literal(text);
    text = '';
  };
  const inst = (): string => {
    if (ctx.token === null) {
      ctx.notes.unmapped(e.file, e.line, `${e.key}: %i in a unit that is not a template`);
      return '';
    }
    flush();
    return ctx.token;
  };
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (c !== '%' || i + 1 >= value.length) {
      text += c;
      continue;
    }
    const s = value[++i]!;
    switch (s) {
      case '%':
        text += '%';
        break;
      case 'i':
      case 'I': {
        const t = inst();
        out += t;
        break;
      }
      case 'n':
        if (ctx.token === null) text += `${ctx.prefix}.service`;
        else {
          text += `${ctx.prefix}@`;
          flush();
          out += ctx.token;
          text += '.service';
        }
        break;
      case 'N': {
        text += ctx.prefix;
        if (ctx.token !== null) {
          text += '@';
          flush();
          out += ctx.token;
        }
        break;
      }
      case 'p':
      case 'P':
        text += ctx.prefix;
        break;
      case 'j':
      case 'J':
        text += ctx.prefix.slice(ctx.prefix.lastIndexOf('-') + 1);
        break;
      case 'h':
        text += os.homedir();
        break;
      case 'u':
        text += user ?? os.userInfo().username;
        break;
      case 'H':
        text += os.hostname();
        break;
      case 'l':
        text += os.hostname().split('.')[0];
        break;
      case 't':
        text += '/run';
        break;
      case 'S':
        text += '/var/lib';
        break;
      case 'C':
        text += '/var/cache';
        break;
      case 'L':
        text += '/var/log';
        break;
      case 'E':
        text += '/etc';
        break;
      case 'T':
        text += '/tmp';
        break;
      case 'V':
        text += '/var/tmp';
        break;
      default:
        ctx.notes.unmapped(
          e.file,
          e.line,
          `${e.key}: specifier %${s} has no nodewarden equivalent (left as is)`,
        );
        text += `%${s}`;
    }
  }
  flush();
  return out;
}

/** `$VAR` and `${VAR}` of ExecStart, replaced by the unit's environment (systemd's own expansion). */
export function expandVars(
  word: string,
  env: Readonly<Record<string, string>>,
  e: Entry,
  notes: Notes,
): string[] {
  const lone = /^\$([A-Za-z_][A-Za-z0-9_]*)$/.exec(word);
  const lookup = (name: string): string => {
    if (Object.hasOwn(env, name)) {
      notes.warn(e.file, e.line, `${e.key}: $${name} replaced by its value from the unit's environment`);
      return env[name]!;
    }
    notes.unmapped(e.file, e.line, `${e.key}: $${name} is not set in the unit's environment (left empty)`);
    return '';
  };
  // A lone $VAR is split into words at whitespace; ${VAR} and $VAR inside a word stay one word.
  if (lone) {
    const value = lookup(lone[1]!);
    // A value holding an instance expression stays one word (its spaces are the expression's).
    return value.includes('{{') ? [value] : value.split(/\s+/).filter((w) => w !== '');
  }
  return [
    word.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_, a, b) => lookup(a ?? b)),
  ];
}
