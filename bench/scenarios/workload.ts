import fs from 'node:fs';
import path from 'node:path';
import type { StartPath, Workload, WriterMode } from '../managers/types.js';

/** A fresh directory layout for one launch: `<root>/<label>/{stamps,logs}`. */
export function makeWorkload(
  root: string,
  label: string,
  child: string,
  opts: {
    sleepers: number;
    spew?: { seconds: number; onSignal?: boolean };
    writers?: WriterMode;
    logMaxBytes?: number;
    startPath?: StartPath;
  },
): Workload {
  const dir = path.join(root, label);
  fs.rmSync(dir, { recursive: true, force: true });
  const stampDir = path.join(dir, 'stamps');
  const logDir = path.join(dir, 'logs');
  fs.mkdirSync(stampDir, { recursive: true });
  fs.mkdirSync(logDir, { recursive: true });
  return {
    dir,
    child,
    stampDir,
    logDir,
    sleepers: opts.sleepers,
    ...(opts.spew
      ? {
          spew: {
            countFile: path.join(dir, 'spew.count'),
            seconds: opts.spew.seconds,
            onSignal: opts.spew.onSignal ?? false,
          },
        }
      : {}),
    ...(opts.writers ? { writers: opts.writers } : {}),
    ...(opts.logMaxBytes ? { logMaxBytes: opts.logMaxBytes } : {}),
    ...(opts.startPath ? { startPath: opts.startPath } : {}),
  };
}
