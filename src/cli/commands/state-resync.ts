// `npx resync state-resync`: the state resyncs many or all districts in one request (each in its
// district's lane, bounded by the global throttle); with --wait, follows the districts to the end.
import { Option, type Command } from '@commander-js/extra-typings';
import { isValidDistrictId, SCHOOL_YEAR_CHOICES } from '../../domain';
import type { StateWideProgress } from '../../workflows/state-wide-resync';
import { apiClient } from '../api-client';
import { EXIT, exitCodeHelp } from '../exit-codes';
import { allOption, asOption, jsonOption, methodOption, objectSelection, objectsOption } from '../options';
import { UsageError } from '../usage-error';

interface Started { requestId: string; districts: string[]; skipped: { districtId: string; reason: string }[] }

const out = (text: string): void => void process.stdout.write(`${text}\n`);

function parseDistricts(value: string): 'all' | string[] {
  if (value.trim() === 'all') return 'all';
  const ids = value.split(',').map((id) => id.trim()).filter(Boolean);
  const bad = ids.filter((id) => !isValidDistrictId(id));
  if (ids.length === 0 || bad.length > 0) throw new UsageError(`--districts takes all or district ids separated by commas${bad.length ? ` (not ids: ${bad.join(', ')})` : ''}`);
  return ids;
}

/** "12/50 districts done (1 failed, 0 cancelled), 4 running, 34 waiting; 240,118 records, 12 errors" */
export function describeStateWide(progress: StateWideProgress): string {
  const { counts, records } = progress;
  const done = counts.completed + counts.failed + counts.cancelled;
  return `${done}/${counts.total} districts done (${counts.failed} failed, ${counts.cancelled} cancelled), ${counts.running} running, `
    + `${counts.queued + counts.pending} waiting; ${records.processed.toLocaleString('en-US')} records, ${records.errors.toLocaleString('en-US')} errors`;
}

export function registerStateResync(program: Command): void {
  program.command('state-resync')
    .summary('the state resyncs many or all districts in one request')
    .description('Request a resync of many or all districts as the state (a state token). Each district\'s batch runs in its own lane, behind what that district is running, and at most RESYNC_MAX_ACTIVE_DISTRICTS districts copy at once. With --wait, follow the districts to the end.')
    .addOption(new Option('--districts <ids>', 'all, or district ids separated by commas (required, except with --cancel)').argParser(parseDistricts))
    .addOption(objectsOption())
    .addOption(allOption())
    .option('--check-dependencies', 'add every parent of the selected objects, synchronised first')
    .addOption(methodOption())
    .addOption(new Option('--year <choice>', 'current | previous | next, relative to each district\'s scoped year (default: current)').choices(SCHOOL_YEAR_CHOICES))
    .option('--wait', 'follow the districts to the end: a line per change on stderr, then the per-district table')
    .option('--cancel <request>', 'cancel a state-wide resync instead (every district batch not yet ended)')
    .addOption(jsonOption())
    .addOption(asOption())
    .addHelpText('after', `
Examples:
  npx resync state-resync --districts all --objects all --wait
  npx resync state-resync --districts 1001,1002 --objects Enrollment --check-dependencies
  npx resync state-resync --cancel 20261130-180000-7f3a9c01b2d4

${exitCodeHelp([EXIT.OK, EXIT.ERROR, EXIT.USAGE, EXIT.FAILED, EXIT.CANCELLED, EXIT.COMPLETED_WITH_ERRORS])}
(Without --wait: 0 once the request is accepted.)`)
    .action(async (options) => {
      const api = await apiClient({ as: options.as ?? 'state' });
      if (options.cancel) {
        await api.post(`/api/state/resyncs/${encodeURIComponent(options.cancel)}/cancel`);
        out(options.json ? JSON.stringify({ requestId: options.cancel, cancellationRequested: true }) : `cancellation of state-wide resync ${options.cancel} requested`);
        process.exitCode = EXIT.OK;
        return;
      }
      if (!options.districts) throw new UsageError('--districts all|<id>,<id>… is required (or --cancel <request>)');
      const body = { districts: options.districts, objects: objectSelection(options), checkDependencies: options.checkDependencies ?? false, year: options.year ?? 'current',
        ...(options.method ? { method: options.method } : {}) };
      const started = await api.post<Started>('/api/state/resyncs', body);
      const summary = `state-wide resync ${started.requestId}: ${started.districts.length} district(s)`
        + (started.skipped.length > 0 ? `; left out: ${started.skipped.map((s) => `${s.districtId} (${s.reason})`).join('; ')}` : '');
      if (!options.wait) {
        out(options.json ? JSON.stringify(started) : summary);
        process.exitCode = EXIT.OK;
        return;
      }
      if (!options.json) process.stderr.write(`${summary}\n`);
      let last = '';
      let progress: StateWideProgress;
      for (;;) {
        progress = await api.get<StateWideProgress>(`/api/state/resyncs/${encodeURIComponent(started.requestId)}`);
        const line = describeStateWide(progress);
        if (!options.json && line !== last) process.stderr.write(`${line}\n`);
        last = line;
        if (progress.phase === 'finished') break;
        await new Promise((resolve) => setTimeout(resolve, Number(process.env.RESYNC_POLL_MS) >= 50 ? Number(process.env.RESYNC_POLL_MS) : 1000));
      }
      if (options.json) out(JSON.stringify(progress));
      else for (const run of progress.districts) out(`  ${run.districtId.padEnd(12)} ${run.status.padEnd(10)} processed ${String(run.processed).padStart(9)}  errors ${String(run.errors).padStart(7)}${run.failure ? `  ${run.failure}` : ''}`);
      process.exitCode = progress.counts.failed > 0 ? EXIT.FAILED
        : progress.counts.cancelled > 0 ? EXIT.CANCELLED
          : progress.records.errors > 0 ? EXIT.COMPLETED_WITH_ERRORS : EXIT.OK;
    });
}
