export { AdminClient, CliError, adminSettings, type AdminSettings } from './admin-client.js';
export { buildProgram, type ProgramIo } from './program.js';
export { formatTable, type Column } from './table.js';
