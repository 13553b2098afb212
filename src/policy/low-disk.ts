import type { DiskReading } from '../monitoring/disks.js';

/**
 * Low free space on a filesystem holding node data (`pressure.diskLowPercent`):
 * raises one `low_disk` per crossing below the mark, not one per sample. A
 * filesystem that is back at or above the mark (or no longer holds any
 * dataDir) is re-armed. Pure: fed readings, returns the alerts to emit.
 */

/** Details of one `low_disk` event. */
export interface LowDiskAlert {
  readonly filesystem: string;
  readonly freePercent: number;
  readonly freeBytes: number;
  readonly totalBytes: number;
  readonly lowPercent: number;
  readonly dataDirs: readonly string[];
}

export class LowDiskWatch {
  /** Filesystems currently below the mark (already alerted). */
  private readonly below = new Set<string>();

  constructor(private lowPercent: number) {}

  /** New mark after a reload. */
  setLowPercent(p: number): void {
    this.lowPercent = p;
  }

  evaluate(disks: readonly DiskReading[]): LowDiskAlert[] {
    const out: LowDiskAlert[] = [];
    const present = new Set<string>();
    for (const d of disks) {
      present.add(d.filesystem);
      if (d.freePercent >= this.lowPercent) {
        this.below.delete(d.filesystem);
        continue;
      }
      if (this.below.has(d.filesystem)) continue;
      this.below.add(d.filesystem);
      out.push({
        filesystem: d.filesystem,
        freePercent: d.freePercent,
        freeBytes: d.freeBytes,
        totalBytes: d.totalBytes,
        lowPercent: this.lowPercent,
        dataDirs: [...d.dataDirs],
      });
    }
    for (const fs of [...this.below]) if (!present.has(fs)) this.below.delete(fs);
    return out;
  }

  /** Filesystems below the mark right now. */
  lowFilesystems(): string[] {
    return [...this.below];
  }
}
