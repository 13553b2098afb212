import { sendTestAlerts } from '../../alerts/test-alert.js';
import { ConfigError } from '../../config/issues.js';
import { loadManagerConfig } from '../../config/manager.js';
import { ExitCode, type ExitCodeValue } from '../exit-codes.js';

/**
 * `nodewarden alert test`: send a test alert through every configured channel
 * directly from the config directory (no daemon needed) and print one line
 * per channel, `smtp 127.0.0.1:2525: OK (…)` or `…: FAILED (535 Authentication
 * failed)`. Exit 1 if any channel failed, 2 for a bad config.
 */
export async function alertTest(configDir: string, json: boolean): Promise<ExitCodeValue> {
  const { manager, issues } = loadManagerConfig(configDir);
  if (issues.length > 0) throw new ConfigError(configDir, issues);
  const report = await sendTestAlerts(manager);
  if (json) {
    process.stdout.write(JSON.stringify(report) + '\n');
  } else {
    for (const p of report.templateProblems) process.stderr.write(`template: ${p} (used the fallback)\n`);
    for (const r of report.results) {
      process.stdout.write(`${r.channel}: ${r.ok ? 'OK' : 'FAILED'} (${r.message})\n`);
    }
    if (report.results.length === 0) process.stdout.write('no alert channels configured\n');
  }
  return report.results.every((r) => r.ok) ? ExitCode.OK : ExitCode.FAILED;
}
