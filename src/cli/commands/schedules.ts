// `npx resync schedules apply|list|pause|unpause|trigger`: the year-end and year-start schedules.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PROJECT_ROOT, readEnv } from '../../config';
import { applySchedules, SCHEDULE_PREFIX, triggerSchedule } from '../../schedules/apply';
import { readSchedulesFile } from '../../schedules/config';
import { connectClient } from '../../temporal/client';
import { UsageError } from '../usage-error';

const HELP = `usage: npx resync schedules apply [--file temporal/schedules.json]
       npx resync schedules list [--json]
       npx resync schedules pause <id> [--note text] | unpause <id> | trigger <id>`;

const fullId = (id: string) => (id.startsWith(SCHEDULE_PREFIX) ? id : `${SCHEDULE_PREFIX}${id}`);

export async function run(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args, strict: true, allowPositionals: true,
    options: { file: { type: 'string' }, json: { type: 'boolean', default: false }, note: { type: 'string' }, help: { type: 'boolean', default: false } },
  });
  const [action, id] = positionals;
  if (values.help || !action) return void process.stdout.write(`${HELP}\n`);
  if (!['apply', 'list', 'pause', 'unpause', 'trigger'].includes(action)) throw new UsageError(`unknown schedules action "${action}"; ${HELP.split('\n')[0]}`);
  if (['pause', 'unpause', 'trigger'].includes(action) && !id) throw new UsageError(`usage: npx resync schedules ${action} <id>`);
  const env = readEnv();
  const entries = action === 'apply' ? await readSchedulesFile(values.file ?? path.join(PROJECT_ROOT, 'temporal', 'schedules.json')) : [];
  const { client, close } = await connectClient(env);
  try {
    if (action === 'apply') {
      const results = await applySchedules(client, entries, env.TEMPORAL_TASK_QUEUE);
      if (values.json) return void process.stdout.write(`${JSON.stringify({ schedules: results })}\n`);
      for (const { id: scheduleId, outcome } of results) process.stdout.write(`${outcome.padEnd(10)} ${scheduleId}\n`);
      return;
    }
    if (action === 'list') {
      const rows: { id: string; paused: boolean; note: string | undefined; nextRuns: string[]; recentRuns: string[] }[] = [];
      for await (const summary of client.schedule.list()) {
        if (!summary.scheduleId.startsWith(SCHEDULE_PREFIX)) continue;
        const description = await client.schedule.getHandle(summary.scheduleId).describe();
        rows.push({
          id: summary.scheduleId, paused: description.state.paused, note: description.state.note,
          nextRuns: description.info.nextActionTimes.slice(0, 2).map((date) => date.toISOString()),
          recentRuns: description.info.recentActions.slice(-2).map((run) => run.takenAt.toISOString()),
        });
      }
      rows.sort((a, b) => a.id.localeCompare(b.id));
      if (values.json) return void process.stdout.write(`${JSON.stringify({ schedules: rows })}\n`);
      for (const row of rows) process.stdout.write(`${row.id.padEnd(44)} ${row.paused ? 'paused ' : 'active '} next ${row.nextRuns[0] ?? '-'}\n`);
      return;
    }
    const handle = client.schedule.getHandle(fullId(id ?? ''));
    if (action === 'pause') await handle.pause(values.note ?? 'paused with npx resync schedules pause');
    if (action === 'unpause') await handle.unpause(values.note ?? 'unpaused with npx resync schedules unpause');
    if (action === 'trigger') await triggerSchedule(client, fullId(id ?? ''));
    process.stdout.write(`${action === 'trigger' ? 'triggered' : `${action}d`} ${fullId(id ?? '')}\n`);
  } finally {
    await close();
  }
}
