/**
 * README's command list shows every verb, sub-verb and flag the CLI has: the
 * list is read from the program's own `--help`, so a verb or flag added
 * without its README line fails here.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { CLI } from '../../helpers/daemon.js';

const README = path.resolve(import.meta.dirname, '..', '..', '..', '..', 'README.md');

function help(words: string[]): string {
  const r = spawnSync(process.execPath, [CLI, ...words, '--help'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

/** The commands a help text lists (without `help` itself). */
function commandsOf(text: string): string[] {
  const section = text.split(/^Commands:$/m)[1];
  if (section === undefined) return [];
  return section
    .split(/^\S/m)[0]!
    .split('\n')
    .map((l) => /^ {2}([a-z][a-z-]*)/.exec(l)?.[1])
    .filter((v): v is string => v !== undefined && v !== 'help');
}

/** A command's own options (not the global ones): each one's short and long forms. */
function flagsOf(text: string): string[][] {
  const own = text.split(/^Options:$/m)[1]?.split(/^\S/m)[0] ?? '';
  return [...own.matchAll(/^ {2}(?:(-\w), )?(--[a-z][a-z-]*)/gm)]
    .filter((m) => m[2] !== '--help')
    .map((m) => (m[1] ? [m[2]!, m[1]] : [m[2]!]));
}

describe('README command list', () => {
  test('every verb, sub-verb and flag of the CLI is in README', () => {
    const readme = fs.readFileSync(README, 'utf8');
    const block = readme.split('## Commands')[1]!.split(/^```$/m)[1]!;
    const missing: string[] = [];
    const visit = (words: string[]): void => {
      const text = help(words);
      const subs = commandsOf(text);
      if (words.length > 0) {
        const line = block
          .split('\n')
          .find((l) => new RegExp(`^nodewarden ${words.join(' ')}\\b|\\|${words.at(-1)}\\b`).test(l));
        if (line === undefined) missing.push(`nodewarden ${words.join(' ')}`);
        if (subs.length === 0) {
          // the verb's lines: its own line and the continuation lines under it
          const at = block.indexOf(line ?? '\u0000');
          const rest = at < 0 ? '' : block.slice(at).split(/\nnodewarden /)[0]!;
          for (const forms of flagsOf(text)) {
            if (!forms.some((f) => new RegExp(`${f}\\b`).test(rest)))
              missing.push(`nodewarden ${words.join(' ')} ${forms[0]}`);
          }
        }
      }
      for (const sub of subs) visit([...words, sub]);
    };
    visit([]);
    assert.deepEqual(missing, []);
    assert.match(readme, /--config DIR/);
    assert.match(readme, /NODEWARDEN_CONFIG/);
  });
});
