// `npx resync rollover start|status|signal`: the year-end → year-start rollover of a district.
import { parseArgs } from 'node:util';
import { readEnv } from '../../config';
import { rolloverWorkflowId, startYearRollover } from '../../client/lifecycle';
import { createSql } from '../../data/db';
import { openDatabases } from '../../services/databases';
import { connectClient } from '../../temporal/client';
import { enrollmentsRolledForwardSignal, operatorDecisionSignal, rolloverQuery } from '../../workflows/year-rollover';
import { UsageError } from '../usage-error';

const HELP = `usage: npx resync rollover start  --district <id> --ending-year <yyyy> [--reminder-every "7 days"]
       npx resync rollover status --district <id> --ending-year <yyyy> [--json]
       npx resync rollover signal --district <id> --ending-year <yyyy> (enrollments-rolled-forward | retry | override)`;

export async function run(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args, strict: true, allowPositionals: true,
    options: { district: { type: 'string' }, 'ending-year': { type: 'string' }, 'reminder-every': { type: 'string' }, json: { type: 'boolean', default: false } },
  });
  const [action, signal] = positionals;
  if (!action || !['start', 'status', 'signal'].includes(action)) throw new UsageError(HELP.split('\n')[0] ?? HELP);
  if (!values.district || !values['ending-year'] || !/^\d{4}$/.test(values['ending-year'])) throw new UsageError('--district <id> and --ending-year <yyyy> are required');
  const districtId = values.district.toLowerCase();
  const endingYear = Number(values['ending-year']);
  const env = readEnv();
  const { client, close } = await connectClient(env);
  try {
    const handle = client.workflow.getHandle(rolloverWorkflowId(districtId, endingYear));
    if (action === 'start') {
      const databases = await openDatabases(env);
      const state = createSql(databases.urls.state, { max: 2 });
      try {
        const workflowId = await startYearRollover(client, env.TEMPORAL_TASK_QUEUE, {
          districtId, endingYear, ...(values['reminder-every'] ? { reminderEvery: values['reminder-every'] } : {}),
        }, state);
        process.stdout.write(`rollover started: ${workflowId}\n`);
      } finally {
        await state.end({ timeout: 5 });
        await databases.release();
      }
    } else if (action === 'status') {
      const state = await handle.query(rolloverQuery);
      process.stdout.write(values.json ? `${JSON.stringify(state)}\n` : `${state.phase}; year-end batches: ${state.yearEndBatches.join(', ') || '-'}; year-start batch: ${state.yearStartBatch ?? '-'}${state.blockedBy.length ? `; blocked by ${state.blockedBy.join(', ')}` : ''}\n`);
    } else if (signal === 'enrollments-rolled-forward') {
      await handle.signal(enrollmentsRolledForwardSignal);
      process.stdout.write('signalled: enrollments rolled forward\n');
    } else if (signal === 'retry' || signal === 'override') {
      await handle.signal(operatorDecisionSignal, signal);
      process.stdout.write(`signalled: ${signal}\n`);
    } else {
      throw new UsageError('signal one of: enrollments-rolled-forward, retry, override');
    }
  } finally {
    await close();
  }
}
