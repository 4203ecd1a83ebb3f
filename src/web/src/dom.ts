// Small DOM helpers: typed lookups of the page's fixed elements and an element builder. Plain DOM,
// no inline handlers or style attributes (the API's Content-Security-Policy forbids them).

/** A child for h() and fill(): nodes, text, or nothing (null/undefined/false are skipped). */
export type Child = Node | string | null | undefined | false;
type Children = readonly (Child | readonly Child[])[];
type Listener = (event: Event) => void;
/** Attributes; a key starting with "on" (onclick) adds a listener instead. true sets an empty
 *  attribute; null, undefined and false leave it out. */
export type Attributes = Record<string, string | number | boolean | null | undefined | Listener>;

const present = (children: Children): (Node | string)[] =>
  children.flat().filter((child): child is Node | string => child !== null && child !== undefined && child !== false);

/** Builds an element: attributes (on* become listeners), then children (strings become text). */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Attributes = {}, ...children: Children): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === 'function') element.addEventListener(key.slice(2), value);
    else if (key.startsWith('on')) throw new Error(`h(): ${key} needs a function`);
    else element.setAttribute(key, value === true ? '' : String(value));
  }
  element.append(...present(children));
  return element;
}

/** replaceChildren without the nulls of conditional parts. */
export function fill(element: Element, ...children: Children): void {
  element.replaceChildren(...present(children));
}

/**
 * The page's element with this id, checked to be of the expected kind (a changed index.html fails
 * loudly at start, not later with "cannot read properties of null"). Throws Error otherwise.
 */
export function byId<T extends HTMLElement = HTMLElement>(id: string, kind?: abstract new () => T): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`the page has no #${id}`);
  if (kind && !(element instanceof kind)) throw new Error(`#${id} is a <${element.tagName.toLowerCase()}>, not the expected element`);
  return element as T;
}

/** Text for screen readers only. */
export const visuallyHidden = (text: string): HTMLSpanElement => h('span', { class: 'visually-hidden' }, text);

/** Where the keyboard focus is inside a container about to be drawn again: the same control is
 *  the one with the same id, else the one in the same place among those of its kind (tag and
 *  classes), such as a row's "Show errors" button or the pager's "Next". */
function focusedControl(container: Element): { selector: string; index: number } | null {
  const active = document.activeElement;
  if (!(active instanceof HTMLElement) || active === container || !container.contains(active)) return null;
  if (active.id) return { selector: `#${CSS.escape(active.id)}`, index: 0 };
  const selector = [active.tagName.toLowerCase(), ...[...active.classList].map((name) => `.${CSS.escape(name)}`)].join('');
  return { selector, index: [...container.querySelectorAll(selector)].indexOf(active) };
}

/**
 * Runs `redraw`, which replaces part of `container`, and keeps the keyboard focus on the same
 * control when it had been inside (a live update must not drop a keyboard or screen-reader user
 * to the top of the page: WCAG 2.4.3 Focus Order). When that control is gone, focus goes to
 * `fallback()` (an element of the container, say its heading), if given.
 */
export function keepingFocus(container: Element, redraw: () => void, fallback?: () => HTMLElement | null): void {
  const before = focusedControl(container);
  const active = document.activeElement;
  redraw();
  if (!before || (active instanceof HTMLElement && active.isConnected && container.contains(active))) return;
  const same = container.querySelectorAll<HTMLElement>(before.selector)[before.index];
  same?.focus();
  // A control drawn disabled (Next on the last page) does not take the focus: the fallback does.
  if (document.activeElement !== same) fallback?.()?.focus();
}
