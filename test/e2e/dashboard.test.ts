import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { printOutputOnFailure } from '../helpers/failure-output.js';
import { httpRequest } from '../helpers/http-client.js';
import { fixtureSite, startSystem, testHandlers, type RunningSystem } from '../helpers/system.js';
import { repoRoot } from '../helpers/service-process.js';

/** Debian's chromium (apt-get install chromium): no browser is downloaded (.ci/run installs it). */
const CHROMIUM = process.env.W3POOL_CHROMIUM ?? '/usr/bin/chromium';
/** A deadline for each awaited DOM state: generous for a 2-core machine, never a sleep. */
const STATE_MS = 20_000;

const app = (path: string, applicationPool: string) => ({
  path,
  applicationPool,
  virtualDirectories: [{ path: '/', physicalPath: fixtureSite }],
});

// Issue 12: the dashboard's loop, as a user walks it in a real browser (headless Debian chromium driven by
// playwright-core) against a real system: WAS serving /dashboard, a listener, two pool hosts, Redis.
// The screenshots of docs/images are taken here, from this run (W3POOL_DASHBOARD_SCREENSHOTS=docs/images).
describe('the dashboard, in a browser', () => {
  let system: RunningSystem;
  let browser: Browser;
  let page: Page;
  let shots: string;
  printOutputOnFailure(() => system);

  beforeAll(async () => {
    const wanted = process.env.W3POOL_DASHBOARD_SCREENSHOTS;
    shots = wanted ? resolve(repoRoot, wanted) : await mkdtemp(join(tmpdir(), 'w3pool-dashboard-'));
    await mkdir(shots, { recursive: true });
    [system, browser] = await Promise.all([
      startSystem({
        workers: ['DefaultAppPool', 'Reports'],
        config: ([port]) => ({
          applicationPools: [
            { name: 'DefaultAppPool' },
            // Two crashes stop it (rapid-fail protection), for the overview's banner.
            {
              name: 'Reports',
              queueLength: 200,
              startMode: 'AlwaysRunning',
              failure: { rapidFailProtectionMaxCrashes: 2 },
            },
          ],
          sites: [
            {
              name: 'Default Web Site',
              id: 1,
              bindings: [{ protocol: 'http', bindingInformation: `127.0.0.1:${port}:` }],
              applications: [app('/', 'DefaultAppPool'), app('/reports', 'Reports')],
            },
          ],
          webServer: { handlers: testHandlers() },
        }),
      }),
      chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] }),
    ]);
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.setDefaultTimeout(STATE_MS);
  });
  afterAll(async () => {
    await browser?.close();
    await system?.stop();
    if (!process.env.W3POOL_DASHBOARD_SCREENSHOTS && shots) await rm(shots, { recursive: true, force: true });
  });

  const get = (path: string) => httpRequest(`${system.baseUrl}${path}`);
  const card = (pool: string) => page.locator(`article[data-pool="${pool}"]`);
  /** The number a pool card's `data-testid="pool-requests"` figure shows (1,234 → 1234). */
  const requestsShown = async (pool: string) =>
    Number((await card(pool).getByTestId('pool-requests').textContent())?.replace(/,/g, ''));
  /**
   * Waits, up to the deadline, until a pool card's request counter (`requests`), its chart's number of
   * points (`samples`) or its chart's newest value of a series (`requests/s`, from the chart's data-latest)
   * reaches `least`. A function, not a string:
   * playwright re-runs it at every animation frame without eval, which the dashboard's CSP forbids.
   */
  const figureAtLeast = (pool: string, figure: string, least: number) =>
    page.waitForFunction(
      ({ pool, figure, least }) => {
        // The test project has no DOM library: the page's document, typed just enough.
        type Found = { textContent: string | null; getAttribute(name: string): string | null } | null;
        const { document } = globalThis as unknown as { document: { querySelector(s: string): Found } };
        const card = `article[data-pool="${pool}"]`;
        const value =
          figure === 'samples'
            ? Number(document.querySelector(`${card} figcaption`)?.getAttribute('data-points'))
            : figure === 'requests'
              ? Number(
                  document
                    .querySelector(`${card} [data-testid="pool-requests"]`)
                    ?.textContent?.replace(/,/g, ''),
                )
              : Number(
                  (
                    JSON.parse(
                      document.querySelector(`${card} .chart`)?.getAttribute('data-latest') ?? '{}',
                    ) as Record<string, number>
                  )[figure],
                );
        return value >= least;
      },
      { pool, figure, least },
    );
  /** Clicks an action button and confirms it in its dialog; returns the result the API's answer became. */
  const confirmAction = async (label: string) => {
    await page.getByRole('group').getByRole('button', { name: label, exact: true }).click();
    const dialog = page.getByRole('dialog', { name: label });
    await dialog.getByRole('button', { name: label, exact: true }).click();
    // The row's one result region, once it holds this action's answer.
    const result = page.locator(`[data-testid="action-result"][data-action="${label}"]`);
    await result.filter({ hasText: /\S/ }).waitFor();
    return (await result.textContent()) ?? '';
  };

  it('1. refuses a wrong token, then signs in with the right one', async () => {
    await page.goto(`${system.wasUrl}/dashboard/`);
    await page.getByLabel('Admin token').fill('not-the-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain(
      'refused this token (WAS_TOKEN_INVALID)',
    );
    await page.getByLabel('Admin token').fill(system.adminToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    // Kept for this tab only, never as a cookie.
    expect(await page.evaluate<string | null>("sessionStorage.getItem('w3pool.adminToken')")).toBe(
      system.adminToken,
    );
    expect(await page.context().cookies()).toEqual([]);
    await page.locator('[data-stream="live"]').waitFor();
  });

  it('2. shows the pools and the site of the configuration', async () => {
    await card('DefaultAppPool').waitFor();
    await card('Reports').waitFor();
    expect(await card('DefaultAppPool').locator('[data-state]').first().textContent()).toBe('Started');
    await expect(page.locator('table').first().textContent()).resolves.toContain(`127.0.0.1:${system.port}`);
  });

  it('3. counts the traffic sent and moves the chart', async () => {
    const before = await requestsShown('DefaultAppPool');
    for (let i = 0; i < 30; i += 1) expect((await get('/pid.test')).status).toBe(200);
    // Then bursts over the next samples (each waits for the chart's next point), so the chart draws a curve.
    for (const burst of [20, 45, 10]) {
      const samples = Number(await card('DefaultAppPool').locator('figcaption').getAttribute('data-points'));
      await Promise.all(Array.from({ length: burst }, () => get('/pid.test')));
      await figureAtLeast('DefaultAppPool', 'samples', samples + 1);
    }
    await Promise.all(Array.from({ length: 6 }, () => get('/reports/pid.test')));
    // The counter, and the chart's newest requests/s, read in the page until they move.
    await figureAtLeast('DefaultAppPool', 'requests', before + 30);
    await figureAtLeast('DefaultAppPool', 'requests/s', 0.01);
    expect(
      Number(await card('DefaultAppPool').locator('figcaption').getAttribute('data-points')),
    ).toBeGreaterThan(1);
    // Reports' 6 are counted too.
    await figureAtLeast('Reports', 'requests', 6);
    await page.screenshot({ path: join(shots, 'dashboard-overview.png') });
  });

  it('4. recycles the pool from its page: the Recycle event and a new worker pid', async () => {
    const oldPid = Number((await get('/pid.test')).body);
    await card('DefaultAppPool').getByRole('link', { name: 'DefaultAppPool' }).click();
    await page.getByRole('heading', { name: /DefaultAppPool/ }).waitFor();
    await page.locator(`[data-testid="workers"] tr[data-pid="${oldPid}"]`).waitFor();
    const result = await confirmAction('Recycle');
    const pids = /old pid (\d+) → new pid (\d+)/.exec(result);
    expect(pids, result).not.toBeNull();
    expect(Number(pids![1])).toBe(oldPid);
    const newPid = Number(pids![2]);
    expect(newPid).not.toBe(oldPid);
    await page
      .locator('[data-testid="events"] li[data-kind="Recycle"]')
      .filter({ hasText: 'OnDemand' })
      .first()
      .waitFor();
    await page.locator(`[data-testid="workers"] tr[data-pid="${newPid}"][data-state="Running"]`).waitFor();
    expect(Number((await get('/pid.test')).body)).toBe(newPid);
    // A slow request in flight, for the page's table (and its screenshot): the slowest stands out.
    const slow = get('/sleep.test?ms=8000');
    await page.locator('[data-testid="requests"] tr').filter({ hasText: '/sleep.test?ms=8000' }).waitFor();
    await page.screenshot({ path: join(shots, 'dashboard-pool.png'), fullPage: true });
    expect((await slow).status).toBe(200);
  });

  it('5. stops the pool from the keyboard: its state changes and requests get 503', async () => {
    // Escape cancels: nothing is sent.
    await page.getByRole('group').getByRole('button', { name: 'Stop', exact: true }).click();
    await page.getByRole('dialog', { name: 'Stop' }).waitFor();
    await page.keyboard.press('Escape');
    await page.getByRole('dialog', { name: 'Stop' }).waitFor({ state: 'hidden' });
    expect((await get('/pid.test')).status).toBe(200);
    // Keyboard only: focus Stop, Enter opens the dialog on Cancel, Shift+Tab reaches the dialog's Stop.
    await page.getByRole('group').getByRole('button', { name: 'Stop', exact: true }).focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Stop' });
    await dialog.waitFor();
    expect(await page.evaluate<string | undefined>('document.activeElement?.textContent')).toBe('Cancel');
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Enter');
    await page
      .getByRole('heading', { name: /DefaultAppPool/ })
      .locator('[data-state="Stopped"]')
      .waitFor();
    expect((await get('/pid.test')).status).toBe(503);
  });

  it('6. starts it again', async () => {
    const result = await confirmAction('Start');
    expect(result).toMatch(/^Started; applied by 1 listener/);
    await page
      .getByRole('heading', { name: /DefaultAppPool/ })
      .locator('[data-state="Started"]')
      .waitFor();
    expect((await get('/pid.test')).status).toBe(200);
  });

  it('7. edits queueLength: an invalid value shows the API error inline, a valid one is applied', async () => {
    await page.getByRole('link', { name: 'Configuration' }).click();
    const version = page.getByTestId('config-version');
    await version.waitFor();
    const field = page.getByLabel('queueLength', { exact: true });
    await field.fill('5');
    await page.getByRole('button', { name: 'Apply' }).click();
    // The reason the API gives for the same change, word for word, under the field.
    const refused = await httpRequest(`${system.wasUrl}/api/config/apppools/DefaultAppPool`, {
      method: 'PATCH',
      headers: { ...system.adminHeaders(), 'content-type': 'application/json' },
      body: JSON.stringify({ queueLength: 5 }),
    });
    const { issues } = JSON.parse(refused.body) as { issues: { pointer: string; reason: string }[] };
    const inline = page.locator('[data-field="queueLength"] .field-error');
    await inline.waitFor();
    expect(await inline.textContent()).toBe(issues[0]!.reason);
    expect(await field.getAttribute('aria-invalid')).toBe('true');
    await page.screenshot({ path: join(shots, 'dashboard-config.png') });

    await field.fill('500');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.getByTestId('editor-result').filter({ hasText: 'Applied: version' }).waitFor();
    const item = await httpRequest(`${system.wasUrl}/api/config/apppools/DefaultAppPool`, {
      headers: system.adminHeaders(),
    });
    expect(JSON.parse(item.body)).toMatchObject({ queueLength: 500 });
    await page.getByRole('link', { name: 'Overview' }).click();
    await card('DefaultAppPool').filter({ hasText: '/ 500' }).waitFor();
  });

  it('shows a banner for a pool rapid-fail protection stopped, whose Start brings it back', async () => {
    expect((await get('/reports/crash.test')).status).toBe(502);
    expect((await get('/reports/crash.test')).status).toBe(502);
    const banner = page
      .locator('.banner')
      .filter({ hasText: 'Reports was stopped by rapid-fail protection' });
    await banner.waitFor();
    await card('Reports').locator('[data-state="Stopped"]').filter({ hasText: 'RapidFail' }).waitFor();
    await banner.getByRole('button', { name: 'Start', exact: true }).click();
    await page
      .getByRole('dialog', { name: 'Start' })
      .getByRole('button', { name: 'Start', exact: true })
      .click();
    await banner.waitFor({ state: 'detached' });
    await card('Reports').locator('[data-state="Started"]').waitFor();
    expect((await get('/reports/pid.test')).status).toBe(200);
  });

  it("imports an applicationHost.config: the dry run's report and YAML, with Apply offered", async () => {
    await page.getByRole('link', { name: 'Import' }).click();
    const file = join(repoRoot, 'packages/iis-import/test-fixtures/iisexpress-applicationhost.config');
    await page.getByLabel('applicationHost.config').setInputFiles(file);
    await page.getByRole('button', { name: 'Dry run' }).click();
    await page.getByRole('heading', { name: 'Dry run: valid' }).waitFor();
    // What was not carried over, by XPath, as the API's report lists it; the YAML it maps to.
    await page.locator('table.issues code').filter({ hasText: '/configuration/' }).first().waitFor();
    expect(await page.locator('pre.yaml').textContent()).toContain('applicationPools:');
    expect(await page.getByRole('button', { name: 'Apply', exact: true }).isEnabled()).toBe(true);
  });

  it('reconnects a dropped stream and says so', async () => {
    await page.getByRole('button', { name: 'Reconnect' }).click();
    await page.getByTestId('stream-recovered').waitFor();
    await page.locator('[data-stream="live"]').waitFor();
  });

  it("fits a phone's width without horizontal scrolling", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByRole('link', { name: 'Overview' }).click();
    await card('DefaultAppPool').waitFor();
    // The charts follow their container's new width on the next frames (a ResizeObserver): wait for it.
    await page.waitForFunction(() => {
      const { document, innerWidth } = globalThis as unknown as {
        document: { documentElement: { scrollWidth: number } };
        innerWidth: number;
      };
      return document.documentElement.scrollWidth <= innerWidth;
    });
    // The actions stay reachable: the navigation wraps rather than hiding.
    await page.getByRole('link', { name: 'Configuration' }).waitFor({ state: 'visible' });
  });
});
