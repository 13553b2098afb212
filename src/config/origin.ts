/**
 * Which file an issue belongs to. A node's config is layered (template.json,
 * the node file, then the active profile from either); the layer that set a
 * key, or else its nearest parent, is the one the user has to edit.
 */

function has(obj: unknown, parts: readonly string[]): boolean {
  let v = obj;
  for (const k of parts) {
    if (typeof v !== 'object' || v === null || !Object.prototype.hasOwnProperty.call(v, k)) return false;
    v = (v as Record<string, unknown>)[k];
  }
  return true;
}

/** The layers of one node's config, as the loader read them (a node source is one). */
export interface ConfigLayers {
  readonly templateFile: string;
  readonly templateRaw: unknown;
  readonly file: string;
  readonly nodeRaw: unknown;
  /** The active profile, or null. */
  readonly profile: string | null;
}

/** The file that set `key` (the deepest layer that has it, or its nearest parent); else the node file. */
export function originOf(src: ConfigLayers, key: string): string {
  const layers: [string, unknown, string[]][] = [
    [src.templateFile, src.templateRaw, []],
    [src.file, src.nodeRaw, []],
  ];
  if (src.profile !== null) {
    layers.push([src.templateFile, src.templateRaw, ['profiles', src.profile]]);
    layers.push([src.file, src.nodeRaw, ['profiles', src.profile]]);
  }
  const parts = key === '' ? [] : key.split('.');
  for (let n = parts.length; n >= 1; n--) {
    for (let i = layers.length - 1; i >= 0; i--) {
      const [file, obj, prefix] = layers[i]!;
      if (has(obj, [...prefix, ...parts.slice(0, n)])) return file;
    }
  }
  return src.file;
}
