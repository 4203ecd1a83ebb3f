// What every browser test of the tool page needs: the API app of a test system served on loopback
// under a strict Content-Security-Policy (the page must work under it), headless Debian Chromium
// through playwright-core, pages that collect script errors and CSP violations, sign-in, and a
// wait that runs under that CSP. In-page code is passed as strings: the test project compiles
// without the DOM library.
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { chromium, type Browser, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { buildApp } from '../../src/api/app';
import type { ApiDeps } from '../../src/api/deps';
import type { Sql } from '../../src/data/db';
import { STATE_SCHEMA } from '../../src/data/schema/columns';
import { tableName } from '../../src/domain';
import { findChromium } from '../../src/services/chromium';

/** How long a page wait may take: under a full parallel test run the machine is busy. */
export const BATCH_TIMEOUT = 90_000;

// What the API's security headers allow the page (no inline scripts, handlers or styles), as
// strict as they come.
const PAGE_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
  + "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

export interface PageHarness {
  readonly baseUrl: string;
  readonly browser: Browser;
  /** A new page in its own browser context (its own session storage), collecting script errors. */
  open(): Promise<Page>;
  /** Calls the API as `token` would; throws on anything but 2xx. */
  api<T>(token: string, route: string, init?: { method?: string; body?: unknown }): Promise<T>;
  /** Opens the page and signs in with `token`; resolves once the object table has rows. */
  signIn(page: Page, token: string): Promise<void>;
  /** Closes every page opened since the last call; fails the test if any had a script error. */
  closePages(): Promise<void>;
  stop(): Promise<void>;
}

/** Script errors on the page (thrown exceptions, CSP violations), collected by open(). */
export const scriptErrors = (page: Page): string[] => (page as Page & { problems: string[] }).problems;

/** Waits until `expression`, evaluated in the page, is truthy. Not page.waitForFunction: that
 *  evaluates its predicate with eval(), which the page's Content-Security-Policy refuses. */
export async function waitUntil(page: Page, expression: string, timeout = BATCH_TIMEOUT): Promise<void> {
  await expect.poll(() => page.evaluate(`Boolean(${expression})`), { timeout, interval: 100 }).toBe(true);
}

/**
 * Serves `deps`' API (and the built page) on a free loopback port under the strict CSP, and
 * launches Chromium. Throws, saying what to install, when there is no Chromium.
 */
export async function startPageHarness(deps: ApiDeps): Promise<PageHarness> {
  const site = express();
  site.use((_req, res, next) => {
    res.setHeader('Content-Security-Policy', PAGE_CSP);
    next();
  });
  site.use(buildApp(deps));
  const server: Server = site.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // npm test installs it first (npm run test:setup); without it, say what to install.
  const executablePath = await findChromium();
  if (!executablePath) throw new Error('no Chromium: run `npm run test:setup` (installs Debian\'s chromium as root), or set CHROMIUM_PATH');
  const browser = await chromium.launch({
    executablePath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const pages: Page[] = [];

  return {
    baseUrl,
    browser,
    async open() {
      const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'en-US' });
      context.setDefaultTimeout(BATCH_TIMEOUT);
      const page = await context.newPage();
      const problems: string[] = [];
      page.on('pageerror', (error) => problems.push(error.message));
      // Chromium reports what the Content-Security-Policy blocked on the console.
      page.on('console', (message) => {
        if (/Content.Security.Policy/i.test(message.text())) problems.push(message.text());
      });
      Object.assign(page, { problems });
      pages.push(page);
      return page;
    },
    async api<T>(token: string, route: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
      const response = await fetch(`${baseUrl}${route}`, {
        method: init.method ?? 'GET',
        headers: { Authorization: `Bearer ${token}`, ...(init.body ? { 'Content-Type': 'application/json' } : {}) },
        ...(init.body ? { body: JSON.stringify(init.body) } : {}),
      });
      if (!response.ok) throw new Error(`${init.method ?? 'GET'} ${route}: ${response.status} ${await response.text()}`);
      return (await response.json()) as T;
    },
    async signIn(page: Page, token: string) {
      await page.goto(`${baseUrl}/`);
      await page.getByLabel('API token', { exact: true }).fill(token);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.locator('#objects tbody tr').first().waitFor();
    },
    async closePages() {
      // Closing the pages also ends their polling; a script error on any of them fails the test.
      const open = pages.splice(0);
      for (const page of open) await page.context().close();
      for (const page of open) expect(scriptErrors(page)).toEqual([]);
    },
    async stop() {
      await browser.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** Holds a state table locked (`sql`: the state's database): a batch copying that object waits,
 *  running, until the returned function releases it. */
export async function holdStateTable(sql: Sql, object: string): Promise<() => Promise<void>> {
  const lock = await sql.reserve();
  await lock`begin`;
  await lock`lock table ${lock(STATE_SCHEMA)}.${lock(tableName(object))} in access exclusive mode`;
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    await lock`commit`;
    lock.release();
  };
}
