// `npx resync rollover start|status|signal`: the year-end → year-start rollover of a district.
// Talks to Temporal directly (the rollover is a workflow per district and ending year).
import { Argument, Option, type Command } from '@commander-js/extra-typings';
import type { WorkflowHandle } from '@temporalio/client';
import { schoolYearLabel } from '../../domain';
import { EXIT } from '../exit-codes';
import { jsonOption, schoolYearLabelParser } from '../options';
import { withStateDatabase } from '../state-database';
import { withTemporal } from '../temporal-connection';
import { UsageError } from '../usage-error';

const SIGNALS = ['enrollments-rolled-forward', 'retry', 'override'] as const;

const endingYearOption = () => new Option('--ending-year <year>', 'the scoped school year being closed, written 2026-27 (required)')
  .argParser(schoolYearLabelParser).makeOptionMandatory();
const districtOption = () => new Option('--district <id>', 'the district, e.g. 1001 (required)').makeOptionMandatory();

/**
 * Runs `use` on the district's rollover workflow for the ending year.
 * @throws UsageError (exit 2, as for a batch that is not there) when no such rollover was started
 */
async function withRollover<T>(districtId: string, endingYear: number, use: (handle: WorkflowHandle) => Promise<T>): Promise<T> {
  const [{ rolloverWorkflowId }, { WorkflowNotFoundError }] = await Promise.all([import('../../client/lifecycle'), import('@temporalio/client')]);
  const district = districtId.toLowerCase();
  try {
    return await withTemporal((client) => use(client.workflow.getHandle(rolloverWorkflowId(district, endingYear))));
  } catch (error) {
    if (!(error instanceof WorkflowNotFoundError)) throw error;
    const year = schoolYearLabel(endingYear);
    throw new UsageError(`no year rollover was started for district ${district} ending ${year}: start one with npx resync rollover start --district ${district} --ending-year ${year}`);
  }
}

export function registerRollover(program: Command): void {
  const rollover = program.command('rollover')
    .summary('start, follow or signal a district\'s year rollover')
    .description('The year rollover of a district: the year-end full resync of the ending school year, the switch of the scoped year, then (once enrollments are rolled forward) the year-start full resync.')
    .addHelpText('after', `
Examples:
  npx resync rollover start  --district 1001 --ending-year 2026-27
  npx resync rollover status --district 1001 --ending-year 2026-27
  npx resync rollover signal --district 1001 --ending-year 2026-27 enrollments-rolled-forward`);

  rollover.command('start')
    .description('Start the rollover of a district\'s scoped year (once per district and ending year)')
    .addOption(districtOption())
    .addOption(endingYearOption())
    .option('--reminder-every <duration>', 'how long to wait for enrollments before each reminder alert, e.g. "7 days"')
    .addOption(jsonOption())
    .action(async (options) => {
      const districtId = options.district.toLowerCase();
      const { startYearRollover } = await import('../../client/lifecycle');
      const workflowId = await withStateDatabase((state) => withTemporal((client, env) => startYearRollover(client, env.TEMPORAL_TASK_QUEUE, {
        districtId, endingYear: options.endingYear, ...(options.reminderEvery ? { reminderEvery: options.reminderEvery } : {}),
      }, state)));
      process.stdout.write(options.json
        ? `${JSON.stringify({ workflowId, districtId, endingYear: options.endingYear })}\n`
        : `rollover of district ${districtId}, ${schoolYearLabel(options.endingYear)} → ${schoolYearLabel(options.endingYear + 1)}, started: ${workflowId}\n`);
      process.exitCode = EXIT.OK;
    });

  rollover.command('status')
    .description('Show the rollover\'s phase, its batches and what blocks it')
    .addOption(districtOption())
    .addOption(endingYearOption())
    .addOption(jsonOption())
    .action(async (options) => {
      const { rolloverQuery } = await import('../../workflows/year-rollover');
      const state = await withRollover(options.district, options.endingYear, (handle) => handle.query(rolloverQuery));
      process.stdout.write(options.json ? `${JSON.stringify(state)}\n` : `${state.phase}; year-end batches: ${state.yearEndBatches.join(', ') || '-'}; year-start batch: ${state.yearStartBatch ?? '-'}${state.blockedBy.length ? `; blocked by ${state.blockedBy.join(', ')}` : ''}\n`);
      process.exitCode = EXIT.OK;
    });

  rollover.command('signal')
    .description('Tell the rollover that enrollments are rolled forward, or decide on a blocked year-end resync (retry | override)')
    .addArgument(new Argument('<signal>', 'what to tell the rollover').choices(SIGNALS))
    .addOption(districtOption())
    .addOption(endingYearOption())
    .addOption(jsonOption())
    .action(async (signal, options) => {
      const { enrollmentsRolledForwardSignal, operatorDecisionSignal } = await import('../../workflows/year-rollover');
      await withRollover(options.district, options.endingYear, async (handle) => {
        if (signal === 'enrollments-rolled-forward') await handle.signal(enrollmentsRolledForwardSignal);
        else await handle.signal(operatorDecisionSignal, signal);
      });
      process.stdout.write(options.json
        ? `${JSON.stringify({ districtId: options.district.toLowerCase(), endingYear: options.endingYear, signal })}\n`
        : `signalled: ${signal === 'enrollments-rolled-forward' ? 'enrollments rolled forward' : signal}\n`);
      process.exitCode = EXIT.OK;
    });
}
