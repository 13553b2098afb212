import type { LoadedConfig, ManagerConfig, NodeSpec, ProbeSpec } from './types.js';
import { isSecretFlag, looksSecretName, secretsByShape } from './redact.js';

/**
 * The secret values a loaded configuration holds, for the redactor: node
 * `env` values under secret-looking names, the values of secret-named flags
 * in `args` and probe commands, probe `auth.pass`, passwords and secret query
 * parameters inside URLs, the SMTP password, the control token and
 * secret-named webhook headers. `{{secret}}` values come from the store, not
 * from here. Short or plain values are filtered by the Redactor itself.
 */
export function sensitiveValues(config: LoadedConfig): string[] {
  const out: string[] = [];
  for (const spec of config.nodes) nodeValues(spec, out);
  managerValues(config.manager, out);
  return out;
}

function nodeValues(spec: NodeSpec, out: string[]): void {
  for (const [k, v] of Object.entries(spec.env)) {
    if (looksSecretName(k)) out.push(v);
    else urlValues(v, out);
  }
  argvValues(spec.args, out);
  for (const p of Object.values(spec.probes)) probeValues(p, out);
  for (const p of spec.sync.reference) probeValues(p, out);
}

function probeValues(p: ProbeSpec, out: string[]): void {
  if (p.auth?.pass) out.push(p.auth.pass);
  if (p.url) urlValues(p.url, out);
  for (const r of p.reads ?? []) urlValues(r.url, out);
  if (p.command) argvValues(p.command, out);
}

function managerValues(m: ManagerConfig, out: string[]): void {
  const smtpPass = m.alerts.email.smtp?.auth?.pass;
  if (smtpPass) out.push(smtpPass);
  if (m.control.http.token) out.push(m.control.http.token);
  for (const w of m.alerts.webhooks) {
    urlValues(w.url, out);
    for (const [name, value] of Object.entries(w.headers)) {
      if (!looksSecretName(name)) continue;
      out.push(value);
      // `Authorization: Bearer <token>`: the token alone shows up too (in errors, in a copy of the header).
      const scheme = /^\s*\S+\s+(\S+)\s*$/.exec(value);
      if (scheme) out.push(scheme[1]!);
    }
  }
}

function argvValues(args: readonly string[], out: string[]): void {
  args.forEach((a, i) => {
    if (i > 0 && isSecretFlag(args[i - 1]!)) out.push(a);
    const eq = /^--?([A-Za-z][\w.-]*)=(.+)$/.exec(a);
    if (eq && looksSecretName(eq[1]!)) out.push(eq[2]!);
    urlValues(a, out);
  });
}

function urlValues(s: string, out: string[]): void {
  if (s.includes('://')) out.push(...secretsByShape(s));
}
