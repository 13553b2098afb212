import { ConfigError } from '../config/issues.js';
import { loadManagerConfig } from '../config/manager.js';
import type { ManagerConfig } from '../config/types.js';
import { ControlClient } from '../protocol/client.js';

/** Keys of nodewarden.json the CLI needs to find the daemon's socket and the logs. */
const NEEDED = ['', 'stateDir', 'logDir', 'control', 'control.socket'];

/**
 * nodewarden.json as far as the CLI needs it. A problem in some other key
 * (an alert setting, say) does not stop the CLI from reaching the daemon, so
 * that `nodewarden reload` can still report it; a problem in a key it needs does.
 */
export function managerSettings(configDir: string): ManagerConfig {
  const { manager, issues } = loadManagerConfig(configDir);
  const blocking = issues.filter((i) => NEEDED.includes(i.key));
  if (blocking.length > 0) throw new ConfigError(configDir, blocking);
  return manager;
}

/**
 * A client for the daemon of one config dir, on its Unix socket. It knows the
 * config dir and its settings, so the read verbs can fall back to the state
 * database when that daemon is down (see ./offline.ts).
 */
export class DaemonClient extends ControlClient {
  constructor(
    readonly configDir: string,
    readonly manager: ManagerConfig,
  ) {
    super(
      { socketPath: manager.control.socket },
      {
        unreachableHint: `start it with \`nodewarden run --config ${configDir}\` (or your systemd/supervisord service)`,
      },
    );
  }
}

/** A client for the daemon of this config dir, on its Unix socket. */
export function connect(configDir: string): DaemonClient {
  return new DaemonClient(configDir, managerSettings(configDir));
}
