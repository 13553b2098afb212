import fs from 'node:fs';

/** The mode of stateDir: it holds the database (secrets), the control socket and the node pipes. */
const STATE_DIR_MODE = 0o700;

/**
 * Create stateDir with mode 0700, or tighten an existing one that is open to
 * group or others when nodewarden owns it. Returns a warning to log when the
 * directory stays open to others (owned by someone else, or chmod refused);
 * throws only when it cannot be created at all.
 */
export function ensureStateDir(dir: string): string | null {
  fs.mkdirSync(dir, { recursive: true, mode: STATE_DIR_MODE });
  const st = fs.statSync(dir);
  if ((st.mode & 0o077) === 0) return null;
  const shown = (st.mode & 0o777).toString(8).padStart(4, '0');
  if (st.uid !== process.getuid?.()) {
    return `stateDir ${dir} has mode ${shown} and belongs to uid ${st.uid}: other users may read its files; make it 0700`;
  }
  try {
    fs.chmodSync(dir, STATE_DIR_MODE);
    return null;
  } catch (err) {
    return `stateDir ${dir} has mode ${shown} and could not be made 0700 (${(err as NodeJS.ErrnoException).code ?? String(err)})`;
  }
}
