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

/**
 * V8's old-generation limit for a worker, in MB (`--max-old-space-size`), unless NODE_OPTIONS
 * sets one. Without it V8 sizes the limit from the machine's memory (4 GB on 24 GB) and lets the
 * heap grow far past what is live before it collects: on a year-end run of 50 districts at once
 * the heap grew to 180 MB while ~90 MB was live. With 512 MB it stays near 150 MB: worker peak
 * RSS 490 → 433 MB, the run's time and the worker's CPU unchanged (17.4–18.3 s, 8.2–8.7 s; 384 MB
 * did no better). Records stream through a worker a page at a time, so its live heap does not
 * grow with a district's size; a worker running far more activities at once than the default
 * (WORKER_MAX_CONCURRENT_ACTIVITIES) may want more.
 */
export const WORKER_OLD_SPACE_MB = 512;

const HEAP_LIMIT_FLAG = '--max-old-space-size';

/** `env` with MALLOC_ARENA_MAX set to WORKER_MALLOC_ARENAS where it is not set (or set empty,
 *  as `npm run worker`'s `${MALLOC_ARENA_MAX:-2}` reads it), and NODE_OPTIONS given the heap
 *  limit WORKER_OLD_SPACE_MB where it names none. */
export function workerProcessEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const nodeOptions = env.NODE_OPTIONS?.trim() ?? '';
  return {
    ...env,
    MALLOC_ARENA_MAX: env.MALLOC_ARENA_MAX || WORKER_MALLOC_ARENAS,
    NODE_OPTIONS: nodeOptions.includes(HEAP_LIMIT_FLAG) ? nodeOptions : `${HEAP_LIMIT_FLAG}=${WORKER_OLD_SPACE_MB} ${nodeOptions}`.trim(),
  };
}
