/**
 * The headless Chromium the web suites drive the status page with: a fresh
 * profile dir per launch, no network of its own beyond what the page asks
 * for, removed again by `close()`.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

export interface Browser {
  readonly context: BrowserContext;
  /** The context's first page. */
  readonly page: Page;
  /** Closes the browser and removes its profile dir. */
  close(): Promise<void>;
}

/** Fail early, with what to install, when there is no Chromium. */
export function requireChromium(): void {
  assert.ok(fs.existsSync(CHROMIUM), `${CHROMIUM} is required (apt-get install chromium)`);
}

/** Launch Chromium headless on a fresh profile, `width`×800, with `args` after the fixed flags. */
export async function launchChromium(opts: { width: number; args?: readonly string[] }): Promise<Browser> {
  const profileDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nw-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        ...(opts.args ?? []),
      ],
      viewport: { width: opts.width, height: 800 },
    });
  } catch (err) {
    fs.rmSync(profileDir, { recursive: true, force: true });
    throw err;
  }
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    async close() {
      await context.close();
      fs.rmSync(profileDir, { recursive: true, force: true });
    },
  };
}
