// The state database for the duration of a command (the rollover's precondition check): the
// configured server, or the embedded one `npm start` runs (started for the command if it is not).
import type { Sql } from '../data/db';

/** Opens the state database, runs `use`, closes it. */
export async function withStateDatabase<T>(use: (state: Sql) => Promise<T>): Promise<T> {
  const [{ readEnv }, { createSql }, { openDatabases }] = await Promise.all([
    import('../config'), import('../data/db'), import('../services/databases'),
  ]);
  const databases = await openDatabases(readEnv());
  const state = createSql(databases.urls.state, { max: 2 });
  try {
    return await use(state);
  } finally {
    await state.end({ timeout: 5 });
    await databases.release();
  }
}
