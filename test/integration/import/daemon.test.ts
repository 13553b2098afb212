/**
 * An import run for real: a supervisord program with numprocs, imported
 * through the CLI into the config dir of a running daemon, then
 * `nodewarden reload`; each instance runs with the command line supervisord
 * would have given it (read back from /proc) and the program's environment.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { SIM, startTestDaemon } from '../../helpers/daemon.js';

function procList(pid: number, file: 'cmdline' | 'environ'): string[] {
  return fs.readFileSync(`/proc/${pid}/${file}`, 'utf8').split('\0').slice(0, -1);
}

describe('import, then reload', { timeout: 600_000 }, () => {
  test('the imported instances run with the original command line and environment', async () => {
    const t = await startTestDaemon();
    try {
      const conf = path.join(t.dir, 'sim.conf');
      fs.writeFileSync(
        conf,
        [
          '[program:sim]',
          `command=${process.execPath} ${SIM} --name sim_%(process_num)d --block-ms 1000`,
          'process_name=%(program_name)s_%(process_num)d',
          'numprocs=2',
          'environment=SIM_GREETING="hello, world"',
          'stopwaitsecs=5',
          '',
        ].join('\n'),
      );
      const imported = await t.cli(['import', 'supervisord', conf]);
      assert.equal(imported.code, 0, imported.stderr);
      assert.match(imported.stdout, /created nodes\/sim\.json \(nodes sim-1, sim-2\)/);
      const reload = await t.cli(['reload']);
      assert.equal(reload.code, 0, reload.stderr);
      const pids = await t.waitRunning(['sim-1', 'sim-2']);
      for (const i of [1, 2]) {
        const pid = pids[`sim-${i}`]!;
        assert.deepEqual(procList(pid, 'cmdline'), [
          process.execPath,
          SIM,
          '--name',
          `sim_${i - 1}`,
          '--block-ms',
          '1000',
        ]);
        assert.ok(procList(pid, 'environ').includes('SIM_GREETING=hello, world'));
      }
    } finally {
      await t.close();
    }
  });
});
