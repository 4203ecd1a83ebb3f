// A Temporal client from the environment, for operator commands.
import { Client, Connection } from '@temporalio/client';
import type { Env } from '../config';
import { connectionOptions, temporalSettings } from './connection';

export async function connectClient(env: Env): Promise<{ client: Client; close: () => Promise<void> }> {
  const settings = temporalSettings(env);
  let connection: Connection;
  try {
    connection = await Connection.connect({ ...connectionOptions(settings), connectTimeout: 5000 });
  } catch {
    throw new Error(`Temporal at ${settings.address} does not answer (is npm start running? set TEMPORAL_ADDRESS otherwise)`);
  }
  return { client: new Client({ connection, namespace: settings.namespace }), close: () => connection.close() };
}
