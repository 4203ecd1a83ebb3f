// The operator CLI (`start`, `status`, `cancel`, `history`) against a listening API.
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../setup/cli';
import { startTestSystem, TOKENS, type TestSystem } from '../setup/system';

let system: TestSystem;
let server: Server;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  system = await startTestSystem();
  await system.seed({ districtId: '1001', students: 80 });
  server = system.app.listen(0);
  const address = server.address();
  env = { API_URL: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`, RESYNC_TOKEN: TOKENS.district1001 };
});

afterAll(async () => {
  server?.close();
  await system?.stop();
});

describe('npx resync start / status / history / cancel', () => {
  it('starts a resync, waits for it, and reads it back', async () => {
    const started = await runCli(['start', '--district', '1001', '--objects', 'School', '--check-dependencies', '--wait', '--json'], env);
    expect(started.stderr).toBe('');
    const batch = JSON.parse(started.stdout) as { batchId: string; status: string; objects: { object: string; colour: string }[] };
    expect(batch.status).toBe('completed');
    expect(batch.objects.map((o) => o.object)).toEqual(['District', 'School']);

    const status = await runCli(['status', batch.batchId], env);
    expect(status.stdout).toMatch(new RegExp(`batch ${batch.batchId}.*completed`));
    expect(status.stdout).toMatch(/School\s+completed\s+green/);

    const history = await runCli(['history', '--district', '1001', '--json'], env);
    expect((JSON.parse(history.stdout) as { batches: { batchId: string }[] }).batches[0]?.batchId).toBe(batch.batchId);

    const cancel = await runCli(['cancel', batch.batchId], env);
    expect(cancel.code).toBe(1);
    expect(cancel.stderr).toMatch(/409 Resync Not Running/);

    const foreign = await runCli(['history', '--district', '1002'], env);
    expect(foreign.code).toBe(1);
    expect(foreign.stderr).toMatch(/403/);
  });
});
