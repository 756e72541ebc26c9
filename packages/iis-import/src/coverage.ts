import type { ImportContext } from './import-context.js';
import type { ImportSeverity } from './import-issues.js';
import type { XmlElement } from './xml-tree.js';

// The coverage sweep: whatever element or attribute no mapper used is reported here, with the reason
// w3pool has for not having it where one is known, so that nothing of the input is dropped silently.

type Reason = readonly [string, ImportSeverity];

/** Elements w3pool has no counterpart for, by name, with why. */
const ELEMENT_REASONS: Record<string, Reason> = {
  configSections: ["IIS's section registrations: w3pool's schema is built in", 'info'],
  configProtectedData: [
    "IIS's encryption providers: w3pool's configuration holds no encrypted values",
    'info',
  ],
  listenerAdapters: [
    "WAS's listener adapters (net.tcp, net.pipe, ...): w3pool's listener serves http and https",
    'info',
  ],
  log: ['central (binary) logging: w3pool writes a W3C log per site (logFile)', 'info'],
  configHistory: ["IIS's configuration history: WAS keeps w3pool's own versions", 'info'],
  customMetadata: ['IIS metabase metadata', 'info'],
  serviceAutoStartProviders: ['ASP.NET auto-start providers: w3pool has no CLR', 'warning'],
  traceFailedRequestsLogging: ['failed request tracing (FREB) is not in w3pool', 'info'],
  ftpServer: ['w3pool has no FTP server', 'warning'],
  asp: ['classic ASP does not run in w3pool', 'warning'],
  isapiFilters: ['ISAPI filters are native DLLs: w3pool loads no DLLs', 'warning'],
  httpLogging: ["the site's W3C log (logFile) is always written by w3pool's listener", 'info'],
  httpTracing: ['ETW tracing of requests is not in w3pool', 'info'],
  odbcLogging: ['ODBC logging is not in w3pool', 'info'],
  serverSideInclude: ['server-side includes (ServerSideIncludeModule) are not in w3pool', 'info'],
  tracing: ['failed request tracing (FREB) is not in w3pool', 'info'],
  validation: ["ASP.NET's integrated-mode configuration validation: w3pool has no CLR", 'info'],
  webdav: ['w3pool has no WebDAV', 'info'],
  webSocket: ['WebSocket upgrades (WebSocketModule) are not in w3pool', 'warning'],
  applicationInitialization: [
    'Application Initialization (warm-up URLs): w3pool has preloadEnabled only',
    'warning',
  ],
  rewrite: ['URL Rewrite rules are not in w3pool', 'warning'],
  applicationDependencies: ['ISAPI application dependencies: w3pool loads no DLLs', 'info'],
  ipSecurity: ['IP address restrictions (IpRestrictionModule) are not in w3pool', 'warning'],
  dynamicIpSecurity: ['dynamic IP restrictions are not in w3pool', 'warning'],
  'system.web': ['ASP.NET settings: w3pool has no CLR', 'warning'],
  'system.webServer/asp': ['classic ASP does not run in w3pool', 'warning'],
};

/** Attributes w3pool has no counterpart for, by name, with why. */
const ATTRIBUTE_REASONS: Record<string, Reason> = {
  allowSubDirConfig: [
    'web.config files in folders: w3pool reads no web.config (put the settings in a location)',
    'info',
  ],
  directory: ['w3pool keeps compressed responses in memory (the response cache), not in a folder', 'info'],
  applyToWebDAV: ['w3pool has no WebDAV', 'info'],
  logExtFileFlags: ['w3pool writes the IIS default W3C fields', 'info'],
  logTargetW3C: ['w3pool writes the W3C log to a file', 'info'],
};

/** Attributes that are about IIS's own configuration system rather than about requests. */
const LOCKING = new Set([
  'lockAttributes',
  'lockAllAttributesExcept',
  'lockElements',
  'lockAllElementsExcept',
  'lockItem',
  'overrideMode',
  'overrideModeDefault',
  'allowOverride',
  'allowLocation',
  'allowDefinition',
]);

export function sweepCoverage(root: XmlElement, ctx: ImportContext): void {
  const visit = (el: XmlElement) => {
    if (!el.handled) {
      const [reason, severity] = ELEMENT_REASONS[el.name] ?? [
        'w3pool has no equivalent for this element; not imported',
        'warning',
      ];
      ctx.issues.push({ xpath: el.xpath, reason: reason || 'not imported', severity, line: el.line });
      return;
    }
    for (const name of el.attributes.keys()) {
      if (el.usedAttributes.has(name)) continue;
      const [reason, severity]: Reason = LOCKING.has(name)
        ? ["IIS's configuration locking (delegation): w3pool has no web.config files to lock against", 'info']
        : name.startsWith('xmlns')
          ? ['XML namespace declaration', 'info']
          : (ATTRIBUTE_REASONS[name] ?? [
              'w3pool has no equivalent for this attribute; not imported',
              'warning',
            ]);
      ctx.issues.push({ xpath: `${el.xpath}/@${name}`, reason, severity, line: el.line });
    }
    el.children.forEach(visit);
  };
  visit(root);
}
