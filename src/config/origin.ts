/**
 * Which file an issue belongs to. A node's config is layered (template.json,
 * the node file, the node file's `overrides.<index>`, then the active profile
 * from either); the layer that set a key, or else its nearest parent, is the
 * one the user has to edit.
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
  /** The instance index: the node file's `overrides.<index>` is a layer of its own. */
  readonly index?: number;
  /** The active profile, or null. */
  readonly profile: string | null;
}

/**
 * Where `key` was set: the file of the deepest layer that has it (or its
 * nearest parent), else the node file; and the key as written there (under
 * `overrides.<index>.` when an instance override set it).
 */
export function locate(src: ConfigLayers, key: string): { file: string; key: string } {
  // [file, object, path of the layer inside it, whether keys are shown under that path]
  const layers: [string, unknown, string[], boolean][] = [
    [src.templateFile, src.templateRaw, [], false],
    [src.file, src.nodeRaw, [], false],
  ];
  if (src.index !== undefined) layers.push([src.file, src.nodeRaw, ['overrides', String(src.index)], true]);
  if (src.profile !== null) {
    layers.push([src.templateFile, src.templateRaw, ['profiles', src.profile], false]);
    layers.push([src.file, src.nodeRaw, ['profiles', src.profile], false]);
  }
  const parts = key === '' ? [] : key.split('.');
  for (let n = parts.length; n >= 1; n--) {
    for (let i = layers.length - 1; i >= 0; i--) {
      const [file, obj, prefix, shown] = layers[i]!;
      if (has(obj, [...prefix, ...parts.slice(0, n)]))
        return { file, key: shown ? [...prefix, key].join('.') : key };
    }
  }
  return { file: src.file, key };
}
