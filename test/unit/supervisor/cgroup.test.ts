/**
 * The pure parts of cgroup containment: finding the cgroup2 mount and this
 * process's cgroup in /proc texts, mapping a cgroup path to its directory,
 * the names of a manager's and a node's cgroups, and the reasons given when
 * cgroups cannot be used (the sweep is used then).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  cgroupDirOf,
  describeContainment,
  findCgroup2Mount,
  nodeCgroupName,
  nodesCgroupName,
  parseCgroupV2Path,
  setupNodeCgroups,
} from '../../../src/supervisor/cgroup.js';

const HYBRID = [
  '30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755',
  '31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu',
  '40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw',
].join('\n');
const UNIFIED =
  '26 21 0:23 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot';

describe('finding the cgroup v2 hierarchy', () => {
  test('the cgroup2 line of mountinfo, hybrid or unified, optional fields and escapes included', () => {
    assert.deepEqual(findCgroup2Mount(HYBRID), { root: '/', mountPoint: '/sys/fs/cgroup/unified' });
    assert.deepEqual(findCgroup2Mount(UNIFIED), { root: '/', mountPoint: '/sys/fs/cgroup' });
    assert.deepEqual(findCgroup2Mount('50 1 0:40 /sub /mnt/my\\040cg rw - cgroup2 none rw'), {
      root: '/sub',
      mountPoint: '/mnt/my cg',
    });
    assert.equal(findCgroup2Mount(HYBRID.split('\n').slice(0, 2).join('\n')), null, 'cgroup v1 only');
  });

  test("the process's cgroup is its 0:: line; none in a v1-only /proc/self/cgroup", () => {
    assert.equal(
      parseCgroupV2Path('9:name=systemd:/\n4:memory:/x\n0::/system.slice/nw.service\n'),
      '/system.slice/nw.service',
    );
    assert.equal(parseCgroupV2Path('0::/\n'), '/');
    assert.equal(parseCgroupV2Path('4:memory:/x\n1:cpu:/\n'), null);
  });

  test('a cgroup path maps to a directory of the mount; a mount of a sub-tree shows only that sub-tree', () => {
    const root = { root: '/', mountPoint: '/sys/fs/cgroup' };
    assert.equal(cgroupDirOf(root, '/'), '/sys/fs/cgroup');
    assert.equal(cgroupDirOf(root, '/system.slice/nw.service'), '/sys/fs/cgroup/system.slice/nw.service');
    const sub = { root: '/lxc/c1', mountPoint: '/sys/fs/cgroup' };
    assert.equal(cgroupDirOf(sub, '/lxc/c1/app'), '/sys/fs/cgroup/app');
    assert.equal(cgroupDirOf(sub, '/lxc/c10'), null);
  });

  test("a manager's cgroup is named after its stateDir (stable, distinct); a node's cannot clash with a cgroupfs file", () => {
    assert.match(nodesCgroupName('/var/lib/nodewarden'), /^nodewarden-[0-9a-f]{12}$/);
    assert.equal(nodesCgroupName('/var/lib/nodewarden'), nodesCgroupName('/var/lib/nodewarden/'));
    assert.notEqual(nodesCgroupName('/var/lib/nodewarden'), nodesCgroupName('/var/lib/other'));
    assert.equal(nodeCgroupName('cgroup.procs'), 'cgroup.procs.node');
  });

  test('the log line names the cgroup, or the sweep and its reason', () => {
    assert.equal(
      describeContainment({
        mode: 'cgroup',
        cgroup: '/nodewarden-abc',
        dir: '/sys/fs/cgroup/nodewarden-abc',
      }),
      'containment: cgroup /nodewarden-abc',
    );
    assert.equal(
      describeContainment({
        mode: 'sweep',
        reason: 'cgroup v2 not writable: no cgroup2 filesystem is mounted',
      }),
      'containment: process group + session sweep (cgroup v2 not writable: no cgroup2 filesystem is mounted)',
    );
  });
});

describe('why cgroups cannot be used', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nw-cg-'));
  const write = (name: string, text: string): string => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, text);
    return p;
  };
  const reason = (mountinfo: string, selfCgroup: string): string => {
    const r = setupNodeCgroups({
      stateDir: dir,
      mountinfoPath: write('mountinfo', mountinfo),
      selfCgroupPath: write('cgroup', selfCgroup),
    });
    assert.ok('reason' in r, 'no cgroups');
    return r.reason;
  };

  test('no cgroup2 mount, no 0:: line, an invisible cgroup, a hierarchy that cannot be written', () => {
    assert.equal(
      reason(HYBRID.split('\n')[1]!, '0::/\n'),
      'cgroup v2 not writable: no cgroup2 filesystem is mounted',
    );
    assert.equal(
      reason(HYBRID, '4:memory:/\n'),
      'cgroup v2 not writable: this process is in no cgroup v2 (no 0:: line)',
    );
    assert.equal(
      reason('50 1 0:40 /lxc/c1 /sys/fs/cgroup rw - cgroup2 none rw', '0::/other\n'),
      'cgroup v2 not writable: cgroup /other is not visible under /sys/fs/cgroup',
    );
    // A mount point below a regular file: no directory can be made there.
    const missing = path.join(write('a-file', ''), 'mnt');
    assert.match(
      reason(`50 1 0:40 / ${missing} rw - cgroup2 none rw`, '0::/system.slice/nw.service\n'),
      new RegExp(
        `^cgroup v2 not writable: mkdir ${missing}/system.slice/nw.service/manager: ENOTDIR; run nodewarden as root, or under systemd with Delegate=yes$`,
      ),
    );
    assert.equal(fs.existsSync(missing), false);
  });
});
