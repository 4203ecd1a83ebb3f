// postgres.js 3.4.9 (the latest release) may throw from a deferred socket write when the server
// has just closed the connection (porsager/postgres#1154, #1208): `Cannot read properties of null
// (reading 'write')`, thrown from a setImmediate, where no caller can catch it. The query itself
// fails with CONNECTION_CLOSED and the activity retries; only this stray exception must not take
// the whole process down when PostgreSQL restarts. Anything else still crashes, as Node would.
import type { Logger } from '../logging';

function isClosedSocketWrite(error: unknown): boolean {
  return error instanceof TypeError
    && /reading 'write'/.test(error.message)
    && /postgres[\\/]src[\\/]connection\.js/.test(error.stack ?? '');
}

export function tolerateClosedSocketWrites(log: Logger): void {
  process.on('uncaughtException', (error) => {
    if (isClosedSocketWrite(error)) {
      log.warn({ err: error }, 'PostgreSQL closed a connection during a write; the query fails and is retried');
      return;
    }
    console.error(error);
    process.exit(1);
  });
}
