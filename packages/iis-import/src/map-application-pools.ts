import { ApplicationPoolSchema } from '@w3pool/config';
import type { TSchema } from '@sinclair/typebox';
import type { ImportContext } from './import-context.js';
import type { XmlElement } from './xml-tree.js';

// system.applicationHost/applicationPools: each <add> over applicationPoolDefaults, as IIS applies them, so
// that every pool of the output says what it runs with.

type Tree = Record<string, unknown>;

/** Settings of the pool's account: w3pool runs every worker as the user it runs as itself. */
const IDENTITY = [
  'identityType',
  'userName',
  'password',
  'loadUserProfile',
  'setProfileEnvironment',
  'logonType',
  'manualGroupMembership',
];

export function mapApplicationPools(section: XmlElement, ctx: ImportContext): Tree[] {
  section.handled = true;
  const defaults = section.child('applicationPoolDefaults');
  if (defaults) reportPoolSpecifics(defaults, ctx);
  const pools: Tree[] = [];
  for (const add of section.each(['add', 'clear', 'remove'])) {
    if (add.name !== 'add') {
      ctx.report(
        add,
        `<${add.name}> in applicationHost.config's own pool list has nothing to act on`,
        'info',
      );
      continue;
    }
    const name = add.attr('name');
    if (!name) {
      ctx.report(add, 'an application pool without a name; left out', 'error');
      continue;
    }
    // The name first, so that the YAML reads as IIS's <add name="...">.
    const pool: Tree = { name };
    if (defaults) applyPool(defaults, pool, ctx);
    applyPool(add, pool, ctx);
    reportPoolSpecifics(add, ctx);
    pools.push(pool);
  }
  return pools;
}

/** One level (applicationPoolDefaults or a pool) over what the pool has so far. */
function applyPool(el: XmlElement, pool: Tree, ctx: ImportContext): void {
  ctx.copy(el, ApplicationPoolSchema, pool, [
    'name',
    'processModel',
    'CLRConfigFile',
    'managedRuntimeLoader',
  ]);
  const processModelEl = el.child('processModel');
  if (processModelEl) {
    const schema = (ApplicationPoolSchema.properties as Record<string, TSchema>).processModel!;
    const processModel = (pool.processModel as Tree | undefined) ?? {};
    pool.processModel = processModel;
    ctx.copy(processModelEl, schema, processModel, IDENTITY);
  }
  const schedule = el.child('recycling')?.child('periodicRestart')?.child('schedule');
  if (schedule) {
    const times = schedule.each(['add']).map((add) => add.attr('value') ?? '');
    const recycling = pool.recycling as Tree;
    const periodicRestart = (recycling.periodicRestart as Tree | undefined) ?? {};
    recycling.periodicRestart = periodicRestart;
    ctx.put(periodicRestart, 'schedule', times, schedule);
  }
  const variables = el.child('environmentVariables');
  if (variables) {
    const list = variables
      .each(['add'])
      .map((add) => ({ name: add.attr('name') ?? '', value: add.attr('value') ?? '' }));
    ctx.put(pool, 'environmentVariables', list, variables);
  }
}

/** What IIS does with a pool that w3pool does not: the account, ASP.NET's runtime. Reported once per element. */
function reportPoolSpecifics(el: XmlElement, ctx: ImportContext): void {
  const processModel = el.children.find((c) => c.name === 'processModel');
  if (processModel) {
    const identityType = processModel.attributes.get('identityType');
    if (identityType !== undefined) {
      ctx.report(
        processModel,
        `the pool's account (${identityType}) is not imported: w3pool's workers run as the user w3pool runs as`,
        identityType === 'ApplicationPoolIdentity' ? 'info' : 'warning',
        'identityType',
      );
    }
    ctx.reportAttributes(
      processModel,
      ['userName', 'password'],
      "a Windows account is not imported (w3pool's workers run as the user w3pool runs as); the password is not copied",
      'warning',
    );
    ctx.reportAttributes(
      processModel,
      ['loadUserProfile', 'setProfileEnvironment', 'logonType', 'manualGroupMembership'],
      "a Windows logon setting of the pool's account; w3pool has no pool accounts",
      'info',
    );
  }
  const runtime = el.attributes.get('managedRuntimeVersion');
  if (runtime) {
    ctx.issues.push({
      xpath: `${el.xpath}/@managedRuntimeVersion`,
      reason: `ASP.NET (CLR ${runtime}) does not run in w3pool; the value is kept, and the pool serves static files, CGI, FastCGI and Node applications`,
      severity: 'warning',
      line: el.line,
    });
  }
  ctx.reportAttributes(
    el,
    ['CLRConfigFile', 'managedRuntimeLoader'],
    "an ASP.NET runtime setting; w3pool has no CLR, so it is not imported (the schema's default stays)",
    'info',
  );
}
