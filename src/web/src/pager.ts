// Previous / Next under a paged table: "11–20 of 34 batches".
import { h, keepingFocus } from './dom';

export interface PageWindow {
  total: number;
  limit: number;
  offset: number;
}

/** Fills `nav` with the pager of `page` (empty when everything fits on one page); `goTo` receives
 *  the offset of the page asked for. The keyboard stays on the button it was on (Next stays on
 *  Next); where that button is disabled now (the last page), it goes to `fallback()`, if given. */
export function renderPager(nav: HTMLElement, page: PageWindow, noun: string, goTo: (offset: number) => void, fallback?: () => HTMLElement | null): void {
  keepingFocus(nav, () => {
    if (page.total <= page.limit) {
      nav.replaceChildren();
      return;
    }
    const last = Math.min(page.offset + page.limit, page.total);
    nav.replaceChildren(
      h('button', { type: 'button', class: 'secondary', disabled: page.offset === 0, onclick: () => goTo(Math.max(0, page.offset - page.limit)) }, 'Previous'),
      h('span', {}, `${page.offset + 1}–${last} of ${page.total} ${noun}`),
      h('button', { type: 'button', class: 'secondary', disabled: last >= page.total, onclick: () => goTo(page.offset + page.limit) }, 'Next'));
  }, fallback);
}
