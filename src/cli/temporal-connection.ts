// One Temporal connection for the duration of a command (schedules, rollover). The Temporal
// client is loaded on demand: commands that never talk to Temporal (plan, --help) start faster.
import type { Client } from '@temporalio/client';
import type { Env } from '../config';

/** Connects from the environment, runs `use`, closes. @throws Error when Temporal does not answer. */
export async function withTemporal<T>(use: (client: Client, env: Env) => Promise<T>): Promise<T> {
  const [{ readEnv }, { connectClient }] = await Promise.all([import('../config'), import('../temporal/client')]);
  const env = readEnv();
  const { client, close } = await connectClient(env);
  try {
    return await use(client, env);
  } finally {
    await close();
  }
}
