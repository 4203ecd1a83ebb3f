// The error log of a batch (or of one of its objects) as a CSV file, every column included.
import { h } from './dom';
import { fail, say } from './messages';
import { session } from './store';

/** Fetches the CSV (a plain link cannot carry the bearer token) and hands it to the browser. */
export async function downloadErrorsCsv(batchId: string, object?: string): Promise<void> {
  try {
    const blob = await session().api.errorsCsv(batchId, object || undefined);
    const url = URL.createObjectURL(blob);
    const link = h('a', { href: url, download: `resync-${batchId}-errors${object ? `-${object}` : ''}.csv`, hidden: true });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000); // after the browser has read it
    say(`Error details of batch ${batchId}${object ? ` (${object})` : ''} downloaded as CSV.`);
  } catch (error) {
    fail(error);
  }
}
