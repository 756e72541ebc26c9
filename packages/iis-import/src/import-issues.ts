// The import's report: one entry per element or attribute of the input that is not carried over as given.

/**
 * error: the output is not usable as it stands (the configuration does not validate, or a value is wrong);
 * warning: IIS would behave differently from w3pool for this element (a module, an account, a path);
 * info: nothing changes for requests (a Windows-only setting that is off, a default, a built-in module).
 */
export type ImportSeverity = 'error' | 'warning' | 'info';

export interface ImportIssue {
  /** Where in the input: `/configuration/system.webServer/security/authentication/windowsAuthentication`. */
  xpath: string;
  /** Why it was not carried over, or what was done with it instead. */
  reason: string;
  severity: ImportSeverity;
  /** The line of the element in the input, 1-based (0 when unknown). */
  line: number;
}

/** The reason verbose mode gives every value that is left out because it equals w3pool's default. */
export const SAME_AS_DEFAULT = 'same as default';
