import fs from 'node:fs';
import { issue } from '../config/issues.js';
import type { ConfigIssue, ManagerConfig } from '../config/types.js';
import { httpSettingsIssues, managerFile } from './auth.js';
import { tokenFileIssues } from './http-token.js';
import { MAX_SOCKET_PATH } from './socket.js';

/**
 * Everything about the control setup that would make `run` refuse, found
 * without a live daemon and without changing anything: an open non-loopback
 * listener without a token of its own, a socket path the kernel cannot take
 * or that a non-socket file occupies, an unusable `<stateDir>/http.token`.
 * `config check` reports these; prepareControl refuses with them.
 */
export function controlIssues(manager: ManagerConfig): ConfigIssue[] {
  const http = manager.control.http;
  const issues = httpSettingsIssues(http, managerFile(manager));
  const socket = manager.control.socket;
  const bytes = Buffer.byteLength(socket);
  if (bytes > MAX_SOCKET_PATH) {
    issues.push(
      issue(
        managerFile(manager),
        'control.socket',
        `${socket} is ${bytes} bytes long, more than the ${MAX_SOCKET_PATH} a Unix socket path may have (set control.socket to a shorter path)`,
      ),
    );
  } else {
    const st = fs.lstatSync(socket, { throwIfNoEntry: false });
    if (st && !st.isSocket()) {
      issues.push(
        issue(
          managerFile(manager),
          'control.socket',
          `${socket} exists and is not a socket (move that file away or set control.socket to another path)`,
        ),
      );
    }
  }
  if (http.port !== null && !http.token) issues.push(...tokenFileIssues(manager.stateDir));
  return issues;
}
