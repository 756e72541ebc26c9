export { importApplicationHost, type ImportOptions, type ImportResult } from './import-application-host.js';
export { formatReport, toYaml } from './report.js';
export { SAME_AS_DEFAULT, type ImportIssue, type ImportSeverity } from './import-issues.js';
export { mapWindowsPath, type PathRules, type PathPrefixRule, type PathMapping } from './path-rules.js';
export { XmlSyntaxError } from './xml-tree.js';
