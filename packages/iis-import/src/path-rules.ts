// Windows paths of applicationHost.config turned into paths of this machine, by rules the user gives:
// environment variables first (%SystemDrive%, %IIS_SITES_HOME%, any %VAR%), then the longest matching
// prefix. A path no rule maps is kept as written and reported, never guessed.

export interface PathPrefixRule {
  /** A Windows path prefix, compared case-insensitively and with either slash: `C:\inetpub\wwwroot`. */
  from: string;
  /** What it becomes: `/srv/www`. */
  to: string;
}

export interface PathRules {
  /** Values of %VAR% references, by name (case-insensitive, as Windows compares them). */
  vars?: Record<string, string>;
  prefixes?: PathPrefixRule[];
}

export type PathMapping = { ok: true; path: string } | { ok: false; path: string; reason: string };

const DRIVE = /^[A-Za-z]:(\/|$)/;

/** Map one path; relative paths without variables or a drive are kept (they mean the same on both sides). */
export function mapWindowsPath(input: string, rules: PathRules): PathMapping {
  const vars = new Map(Object.entries(rules.vars ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  const unknown: string[] = [];
  const expanded = input.replace(/%([^%\\/]+)%/g, (whole, name: string) => {
    const value = vars.get(name.toLowerCase());
    if (value === undefined) unknown.push(whole);
    return value ?? whole;
  });
  if (unknown.length > 0) {
    return {
      ok: false,
      path: input,
      reason: `no path rule gives ${unknown.join(', ')} (add it to vars); kept as written`,
    };
  }
  const slashed = expanded.replace(/\\/g, '/');
  const prefixes = [...(rules.prefixes ?? [])]
    .map((p) => ({ from: p.from.replace(/\\/g, '/').replace(/\/+$/, ''), to: p.to.replace(/\/+$/, '') }))
    .sort((a, b) => b.from.length - a.from.length);
  for (const { from, to } of prefixes) {
    const head = slashed.slice(0, from.length);
    const rest = slashed.slice(from.length);
    if (head.toLowerCase() === from.toLowerCase() && (rest === '' || rest.startsWith('/'))) {
      return { ok: true, path: `${to}${rest}` || '/' };
    }
  }
  if (DRIVE.test(slashed) || slashed.startsWith('//')) {
    return {
      ok: false,
      path: input,
      reason: `no path rule maps the Windows path "${slashed}" (add a prefix rule for its drive or folder); kept as written`,
    };
  }
  return { ok: true, path: slashed };
}
