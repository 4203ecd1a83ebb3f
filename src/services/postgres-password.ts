// The embedded PostgreSQL's superuser password: random per install, kept beside the server's data
// (<data dir>/postgres-password, mode 0600) and reused on later starts, so that no two installs
// share a password and nothing but the owner of the data directory can read it.
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** The password every install used before it had its own; clusters made then are moved off it. */
export const LEGACY_PASSWORD = 'postgres';

export function passwordFile(dataDir: string): string {
  return path.join(dataDir, 'postgres-password');
}

async function readPassword(file: string): Promise<string | null> {
  try {
    const password = (await readFile(file, 'utf8')).trim();
    if (!/^[0-9a-f]{32,}$/.test(password)) throw new Error(`${file} does not hold a password this system wrote (32+ hex digits); delete it only together with the postgres directory beside it`);
    // Someone loosened it: only the owner may read the password.
    if (((await stat(file)).mode & 0o077) !== 0) await chmod(file, 0o600);
    return password;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/**
 * The superuser password of the embedded server whose data lives in `dataDir`: read from
 * `<dataDir>/postgres-password`, or generated (64 hex digits) and written there with mode 0600 on
 * first use. Two processes racing on a fresh directory agree: the second reads the first's.
 */
export async function embeddedPassword(dataDir: string): Promise<string> {
  const file = passwordFile(dataDir);
  const existing = await readPassword(file);
  if (existing) return existing;
  await mkdir(dataDir, { recursive: true });
  const generated = randomBytes(32).toString('hex');
  try {
    await writeFile(file, `${generated}\n`, { mode: 0o600, flag: 'wx' });
    return generated;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const written = await readPassword(file);
    if (!written) throw error;
    return written;
  }
}
