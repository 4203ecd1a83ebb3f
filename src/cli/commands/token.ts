// `npx resync token`: mint a demo token for a person — a district user or a state user, with Read
// or Write rights — signed by the demo issuer that `npm start` sets up (token-run.ts, loaded on
// demand). The running API accepts it at once, without a restart.
import { InvalidArgumentError, Option, type Command } from '@commander-js/extra-typings';
import { isValidDistrictId } from '../../domain';
import { EXIT, exitCodeHelp } from '../exit-codes';
import { jsonOption } from '../options';
import { UsageError } from '../usage-error';

function parseDistrictId(value: string): string {
  const districtId = value.toLowerCase();
  if (!isValidDistrictId(districtId)) throw new InvalidArgumentError('a district id is letters, digits and _ (e.g. 1001)');
  return districtId;
}

function parseName(value: string): string {
  const name = value.trim();
  if (!name || name.length > 100) throw new InvalidArgumentError('a name is 1-100 characters');
  return name;
}

function parseSpan(value: string): string {
  const span = value.trim();
  if (!/^[1-9][0-9]{0,5}(s|m|h|d)$/.test(span)) throw new InvalidArgumentError('write a time span such as 30m, 12h or 7d');
  return span;
}

export function registerToken(program: Command): void {
  program.command('token')
    .summary('mint a demo API token for a district or state user')
    .description('Mint a bearer token for a person, signed by the demo issuer under the data directory (npm start sets it up; '
      + 'the API trusts it while no OIDC issuer is configured). Prints the token on stdout; use it as RESYNC_TOKEN or sign in with it on the tool page.')
    .addOption(new Option('--district <id>', 'a district user of this district (seeded with npx resync seed)').argParser(parseDistrictId).conflicts('state'))
    .addOption(new Option('--state', 'a state user (every district)'))
    .option('--name <name>', 'the person\'s name, shown as "requested by" and "cancelled by"', parseName, 'Demo User')
    .addOption(new Option('--rights <rights>', 'tool rights: read (view the tool and its results) or write (also send and cancel resyncs)')
      .choices(['read', 'write'] as const).default('write' as const))
    .option('--expires-in <span>', 'how long the token is valid: 30m, 12h, 7d', parseSpan, '12h')
    .addOption(jsonOption())
    .addHelpText('after', `
Examples:
  npx resync token --district 1500 --name "Jane Doe"
  npx resync token --district 1500 --name "Sam Reader" --rights read
  npx resync token --state --name "Ann Lee"
  export RESYNC_TOKEN=$(npx resync token --district 1500)

${exitCodeHelp([EXIT.OK, EXIT.ERROR, EXIT.USAGE])}`)
    .action(async (options) => {
      if (!options.state && options.district === undefined) throw new UsageError('give --district <id> (a district user) or --state (a state user)');
      const { runToken } = await import('./token-run');
      await runToken({
        ...(options.state ? { role: 'state' as const } : { role: 'district' as const, districtId: options.district ?? '' }),
        name: options.name, rights: options.rights, expiresIn: options.expiresIn, json: options.json === true,
      });
      process.exitCode = EXIT.OK;
    });
}
