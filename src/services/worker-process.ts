// The environment a worker process starts with. Used by everything that starts one (`npm start`,
// the bench, the tests); `npm run worker` sets the same in package.json.

/**
 * glibc's malloc arenas a worker may use, unless the environment sets MALLOC_ARENA_MAX itself.
 * By default glibc gives each thread that allocates its own arena, up to 8 per core; the worker's
 * native threads (the Temporal SDK's Rust runtime, libuv's pool) each keep one, and freed memory
 * stays in them. Measured on a year-end run of 50 districts at once (2 cores): worker peak RSS
 * 515 MB with the default, 457 MB with 2 arenas, at the same speed (18.7 s / 18.3 s, worker CPU
 * 7.4 s both). Read by glibc when the process starts: it has to be in the environment it is
 * started with, not set from inside.
 */
export const WORKER_MALLOC_ARENAS = '2';

/** `env` with MALLOC_ARENA_MAX set to WORKER_MALLOC_ARENAS where it is not set (or set empty,
 *  as `npm run worker`'s `${MALLOC_ARENA_MAX:-2}` reads it). */
export function workerProcessEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...env, MALLOC_ARENA_MAX: env.MALLOC_ARENA_MAX || WORKER_MALLOC_ARENAS };
}
