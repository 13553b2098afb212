import fs from 'node:fs';
import { gzipTo, ignoreMissing, JobQueue, logFilePath, rotatingPath, shiftBackups } from './rotate.js';

/**
 * The background half of log rotation for one node. Renames (shifting the
 * backups, `.rotating` → `.1`) run in one queue and are quick; the writer
 * waits for them only before its next rotation. Gzip runs in a second queue
 * and never holds up a rotation: it works on a private hard link of the
 * rotated file, then, back in the rename queue, finds the file by inode
 * wherever shifting has moved it (`.k`) and swaps in `.k.gz`. A file shifted
 * out meanwhile is simply not compressed; a failed gzip leaves the plain file.
 */
export class Rotator {
  private readonly renames: JobQueue;
  private readonly gzips: JobQueue;
  private readonly base: string;

  constructor(
    private readonly logDir: string,
    private readonly name: string,
    private readonly backups: number,
    private readonly compress: boolean,
    onError: (err: unknown) => void,
  ) {
    this.base = logFilePath(logDir, name);
    this.renames = new JobQueue(onError);
    this.gzips = new JobQueue(onError);
  }

  /** After the writer renamed the current file to `.rotating`: shift it in as `.1`. */
  rotated(): void {
    this.renames.push(async () => {
      await shiftBackups(this.logDir, this.name, this.backups);
      await fs.promises.rename(rotatingPath(this.logDir, this.name), `${this.base}.1`);
      if (this.compress) this.compressLater((await fs.promises.stat(`${this.base}.1`)).ino);
    });
  }

  /** On open: finish an interrupted rotation, drop a crash's temp files, compress plain backups. */
  recover(): void {
    this.renames.push(async () => {
      const leftover = new RegExp(`^${this.name.replace(/[.]/g, '\\.')}\\.log\\.gzsrc-\\d+(\\.gz\\.tmp)?$`);
      for (const f of await fs.promises.readdir(this.logDir)) {
        if (leftover.test(f)) {
          await ignoreMissing(fs.promises.unlink(`${this.logDir}/${f}`));
        }
      }
    });
    if (fs.existsSync(rotatingPath(this.logDir, this.name))) this.rotated();
    if (!this.compress) return;
    this.renames.push(async () => {
      for (let k = 1; k <= this.backups; k++) {
        const st = await fs.promises.stat(`${this.base}.${k}`).catch(() => null);
        if (st) this.compressLater(st.ino);
      }
    });
  }

  /** The renames are done: the writer may rotate again. */
  renamesIdle(): Promise<void> {
    return this.renames.idle();
  }

  /** Everything is done (close). */
  async idle(): Promise<void> {
    await this.renames.idle();
    await this.gzips.idle();
    await this.renames.idle();
  }

  private compressLater(ino: number): void {
    this.gzips.push(async () => {
      const src = `${this.base}.gzsrc-${ino}`;
      const linked = await this.renames.run(async () => {
        const at = await this.find(ino);
        if (at === null) return false; // shifted out before its turn
        await fs.promises.link(`${this.base}.${at}`, src);
        return true;
      });
      if (!linked) return;
      try {
        await gzipTo(src, `${src}.gz.tmp`);
        await this.renames.run(async () => {
          const at = await this.find(ino);
          if (at === null) return;
          await fs.promises.rename(`${src}.gz.tmp`, `${this.base}.${at}.gz`);
          await fs.promises.unlink(`${this.base}.${at}`);
        });
      } finally {
        await ignoreMissing(fs.promises.unlink(src));
        await ignoreMissing(fs.promises.unlink(`${src}.gz.tmp`));
      }
    });
  }

  /** The number k with `<name>.log.k` being this inode, or null. */
  private async find(ino: number): Promise<number | null> {
    for (let k = 1; k <= this.backups; k++) {
      const st = await fs.promises.stat(`${this.base}.${k}`).catch(() => null);
      if (st?.ino === ino) return k;
    }
    return null;
  }
}
