// `npx resync schedules apply|list|pause|unpause|trigger`: the year-end and year-start schedules.
// Talks to Temporal directly.
import { fileURLToPath } from 'node:url';
import { Option, type Command } from '@commander-js/extra-typings';
import type { Client } from '@temporalio/client';
import { jsonOption } from '../options';
import { withTemporal } from '../temporal-connection';

const SCHEDULES_FILE = fileURLToPath(new URL('../../../temporal/schedules.json', import.meta.url));
const out = (text: string): void => void process.stdout.write(`${text}\n`);

/** A schedule id as given ("year-end/1001") → its full id in Temporal. */
async function fullId(id: string): Promise<string> {
  const { SCHEDULE_PREFIX } = await import('../../schedules/apply');
  return id.startsWith(SCHEDULE_PREFIX) ? id : `${SCHEDULE_PREFIX}${id}`;
}

interface ScheduleRow { id: string; paused: boolean; note: string | undefined; nextRuns: string[]; recentRuns: string[] }

async function listSchedules(client: Client): Promise<ScheduleRow[]> {
  const { SCHEDULE_PREFIX } = await import('../../schedules/apply');
  const rows: ScheduleRow[] = [];
  for await (const summary of client.schedule.list()) {
    if (!summary.scheduleId.startsWith(SCHEDULE_PREFIX)) continue;
    const description = await client.schedule.getHandle(summary.scheduleId).describe();
    rows.push({
      id: summary.scheduleId, paused: description.state.paused, note: description.state.note,
      nextRuns: description.info.nextActionTimes.slice(0, 2).map((date) => date.toISOString()),
      recentRuns: description.info.recentActions.slice(-2).map((run) => run.takenAt.toISOString()),
    });
  }
  return rows.sort((a, b) => a.id.localeCompare(b.id));
}

export function registerSchedules(program: Command): void {
  const schedules = program.command('schedules')
    .summary('apply, list, pause, unpause or trigger the year-end/year-start schedules')
    .description('The Temporal Schedules that run the mandatory year-end and year-start full resyncs, managed from temporal/schedules.json. A schedule id may be written without its "resync-schedule/" prefix, e.g. year-end/1001.')
    .addHelpText('after', `
Examples:
  npx resync schedules apply
  npx resync schedules list
  npx resync schedules pause year-end/1001 --note "district asked to wait"`);

  schedules.command('apply')
    .description('Create or update the schedules of temporal/schedules.json (or --file) in Temporal')
    .addOption(new Option('--file <path>', 'the schedules file').default(SCHEDULES_FILE, 'temporal/schedules.json'))
    .addOption(jsonOption())
    .action(async (options) => {
      const [{ readSchedulesFile }, { applySchedules }] = await Promise.all([import('../../schedules/config'), import('../../schedules/apply')]);
      const entries = await readSchedulesFile(options.file);
      await withTemporal(async (client, env) => {
        const results = await applySchedules(client, entries, env.TEMPORAL_TASK_QUEUE);
        if (options.json) return out(JSON.stringify({ schedules: results }));
        for (const { id, outcome } of results) out(`${outcome.padEnd(10)} ${id}`);
      });
    });

  schedules.command('list')
    .description('List the schedules: paused or active, next and recent runs')
    .addOption(jsonOption())
    .action(async (options) => {
      await withTemporal(async (client, env) => {
        const rows = await listSchedules(client);
        if (options.json) return out(JSON.stringify({ schedules: rows }));
        if (rows.length === 0) return out(`no schedules in Temporal namespace ${env.TEMPORAL_NAMESPACE}: npx resync schedules apply creates those of temporal/schedules.json`);
        for (const row of rows) out(`${row.id.padEnd(44)} ${row.paused ? 'paused ' : 'active '} next ${row.nextRuns[0] ?? '-'}`);
      });
    });

  const pausing = [
    { action: 'pause', description: 'Pause a schedule (its runs are skipped until unpaused)' },
    { action: 'unpause', description: 'Unpause a schedule' },
  ] as const;
  for (const { action, description } of pausing) {
    schedules.command(action)
      .description(description)
      .argument('<id>', 'the schedule id, e.g. year-end/1001')
      .option('--note <text>', 'why, shown in Temporal')
      .addOption(jsonOption())
      .action(async (id, options) => {
        await withTemporal(async (client) => {
          const scheduleId = await fullId(id);
          await client.schedule.getHandle(scheduleId)[action](options.note ?? `${action}d with npx resync schedules ${action}`);
          out(options.json ? JSON.stringify({ scheduleId, action }) : `${action}d ${scheduleId}`);
        });
      });
  }

  schedules.command('trigger')
    .description('Run a schedule\'s action now')
    .argument('<id>', 'the schedule id, e.g. year-start/1001')
    .addOption(jsonOption())
    .action(async (id, options) => {
      await withTemporal(async (client) => {
        const scheduleId = await fullId(id);
        const { triggerSchedule } = await import('../../schedules/apply');
        await triggerSchedule(client, scheduleId);
        out(options.json ? JSON.stringify({ scheduleId, action: 'trigger' }) : `triggered ${scheduleId}`);
      });
    });
}
