/**
 * `npm start` builds before it runs; with dist/ up to date the build writes
 * nothing (an incremental build), so starting the demo costs no recompile.
 * And the package ships only what an operator runs.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';

const REPO = path.resolve(import.meta.dirname, '..', '..', '..', '..');

/** Every file under dist/ with its modification time. */
function distTimes(): Map<string, number> {
  const out = new Map<string, number>();
  for (const f of fs.readdirSync(path.join(REPO, 'dist'), { recursive: true, encoding: 'utf8' })) {
    const st = fs.statSync(path.join(REPO, 'dist', f));
    if (st.isFile()) out.set(f, st.mtimeMs);
  }
  return out;
}

describe('building', () => {
  test('a build with dist/ up to date writes nothing', async () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    assert.match(pkg.scripts.start!, /^npm run build && node dist\/src\/cli\/index\.js run/);
    const before = distTimes();
    const r = await execa(
      process.execPath,
      [path.join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'],
      {
        cwd: REPO,
        reject: false,
      },
    );
    assert.equal(r.exitCode, 0, r.stdout + r.stderr);
    const after = distTimes();
    const rewritten = [...after].filter(([f, t]) => before.get(f) !== t).map(([f]) => f);
    assert.deepEqual(rewritten, []);
  });

  test('the package ships the manager, configs, templates and deploy files, not tests or the benchmark', async () => {
    const r = await execa('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: REPO });
    const [info] = JSON.parse(r.stdout) as [{ files: { path: string }[] }];
    const files = info.files.map((f) => f.path);
    assert.ok(files.includes('dist/src/cli/index.js'));
    assert.ok(files.some((f) => f.startsWith('configs/')));
    assert.ok(files.some((f) => f.startsWith('templates/')));
    assert.deepEqual(
      files.filter((f) => /^(dist\/)?(test|bench)\//.test(f) || f.startsWith('src/')),
      [],
    );
  });
});
