import path from 'node:path';

/** `--config DIR`, else `$NODEWARDEN_CONFIG`, else `./configs` (DESIGN §1), made absolute. */
export function resolveConfigDir(flag: string | undefined): string {
  return path.resolve(flag ?? process.env.NODEWARDEN_CONFIG ?? 'configs');
}
