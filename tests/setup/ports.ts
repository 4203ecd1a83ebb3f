import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** Linux's range for ephemeral ports (outgoing connections and `listen(0)`), or its default. */
function ephemeralRange(): { low: number; high: number } {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (low && high) return { low, high };
  } catch {
    // not Linux: the IANA range
  }
  return { low: 49152, high: 65535 };
}

/** Whether a port is free on loopback right now. */
function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

const LOW = 20_000;
const HIGH = Math.max(LOW + 1000, ephemeralRange().low);
/** The next port this process tries: a random start, then one after another, so two processes
 *  (vitest runs test files side by side) only meet if their runs of ports overlap in time. */
let next = LOW + Math.floor(Math.random() * (HIGH - LOW));

/**
 * A TCP port that is free on loopback right now, below the ephemeral range. A port from
 * `listen(0)` lies inside that range, where any process's next outgoing connection (a worker
 * opening a pool to PostgreSQL, say) may take it before the server meant for it binds: a worker
 * then failed with its metrics port "in use". The kernel never hands out ports from 20000 up to
 * the range's start on its own.
 */
export async function freePort(): Promise<number> {
  for (let tries = 0; tries < 500; tries++) {
    const port = next;
    next = next + 1 >= HIGH ? LOW : next + 1;
    if (await isFree(port)) return port;
  }
  throw new Error(`no free port found between ${LOW} and ${HIGH}`);
}
