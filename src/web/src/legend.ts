// The Status column's Legend link: the seed's four colours in a dialog.
import { byId } from './dom';

export function mountLegend(): void {
  const open = byId('legend-open', HTMLButtonElement);
  const legend = byId('legend', HTMLDialogElement);
  open.addEventListener('click', () => legend.showModal());
  legend.addEventListener('close', () => open.focus());
}
