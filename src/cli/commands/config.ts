import fs from 'node:fs';
import path from 'node:path';
import { controlIssues } from '../../api/preflight.js';
import { ignoredNodeFiles } from '../../config/ignored.js';
import { configSchema, SCHEMA_KINDS, type SchemaKind } from '../../config/config-schemas.js';
import { FIX_HINT, formatIssue } from '../../config/issues.js';
import { toJson } from '../../config/json-schema.js';
import { ConfigError, loadConfig } from '../../config/load.js';
import { loadManagerConfig } from '../../config/manager.js';
import type { ConfigIssue, LoadedConfig } from '../../config/types.js';
import { MaskedSecrets } from '../../config/secrets.js';
import { showNode } from '../../config/show.js';
import { NodewardenError } from '../../errors.js';
import { ExitCode, type ExitCodeValue } from '../exit-codes.js';

/**
 * `nodewarden config check`: validate every file without starting anything;
 * every problem listed, including what `run` would refuse before touching a
 * node (the control listener, socket and token file), as one ConfigError.
 * Files in nodes/ the loader skips are warnings: on stderr (or under
 * `warnings` with --json), never a failure on their own.
 */
export function configCheck(configDir: string, json: boolean): ExitCodeValue {
  const dir = path.resolve(configDir);
  const issues: ConfigIssue[] = [];
  let loaded: LoadedConfig | null = null;
  try {
    loaded = loadConfig(dir, { secrets: new MaskedSecrets() });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    issues.push(...err.issues);
  }
  // A config dir that does not exist has nothing more to say.
  if (fs.existsSync(dir)) {
    issues.push(...controlIssues(loaded?.manager ?? loadManagerConfig(dir).manager));
  }
  const warnings = loaded?.warnings ?? ignoredNodeFiles(path.join(dir, 'nodes'));
  if (json && (issues.length > 0 || loaded === null)) {
    process.stdout.write(JSON.stringify({ ok: false, issues, warnings }) + '\n');
    return ExitCode.USAGE;
  }
  if (!json) for (const w of warnings) process.stderr.write(`nodewarden: warning: ${formatIssue(w, dir)}\n`);
  if (issues.length > 0 || loaded === null) throw new ConfigError(dir, issues, FIX_HINT);
  if (json) {
    const nodes = loaded.nodes.map((n) => n.name);
    const targets = (loaded.targets ?? []).map((t) => t.name);
    process.stdout.write(JSON.stringify({ ok: true, nodes, targets, warnings }) + '\n');
  } else {
    const targets = loaded.targets?.length ?? 0;
    const also = targets > 0 ? `, ${targets} watch-only target(s)` : '';
    process.stdout.write(`config ${configDir} is valid: ${loaded.nodes.length} node(s)${also}\n`);
  }
  return ExitCode.OK;
}

/** `nodewarden config show <node>`: the merged, interpolated config (secrets masked). */
export function configShow(configDir: string, name: string): ExitCodeValue {
  const loaded = loadConfig(configDir, { secrets: new MaskedSecrets() });
  process.stdout.write(JSON.stringify(showNode(loaded, name), null, 2) + '\n');
  return ExitCode.OK;
}

/**
 * `nodewarden config schema [nodewarden|template|node|target]`: one file kind's JSON
 * Schema, or all of them as one object keyed by kind. The same text as schema/.
 */
export function configSchemaCommand(kind: string | undefined): ExitCodeValue {
  if (kind !== undefined && !(SCHEMA_KINDS as readonly string[]).includes(kind)) {
    throw new NodewardenError(
      'E_BAD_REQUEST',
      `config schema: unknown file kind ${JSON.stringify(kind)} (expected ${SCHEMA_KINDS.join(', ')})`,
    );
  }
  const out =
    kind === undefined
      ? Object.fromEntries(SCHEMA_KINDS.map((k) => [k, toJson(configSchema(k))]))
      : toJson(configSchema(kind as SchemaKind));
  process.stdout.write(JSON.stringify(out, null, 2) + '\n');
  return ExitCode.OK;
}
