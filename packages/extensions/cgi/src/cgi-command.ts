/**
 * The program a CGI request runs and its arguments. Without a scriptProcessor the mapped file is the
 * program itself (IIS's `*.exe` / `*.cgi` mappings); with one, the scriptProcessor is a command line:
 * whitespace-separated words, double quotes around a word with spaces, no shell.
 */
export interface CgiCommand {
  readonly program: string;
  readonly args: readonly string[];
}

/** A scriptProcessor split into words once, when the mapping loads. */
export interface ScriptProcessor {
  readonly words: readonly string[];
}

/** Split a scriptProcessor into words; '' means "run the mapped file". Throws on an unclosed quote. */
export function parseScriptProcessor(scriptProcessor: string): ScriptProcessor {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quoted = false;
  for (const char of scriptProcessor) {
    if (char === '"') {
      quoted = !quoted;
      inWord = true;
    } else if (!quoted && /\s/.test(char)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += char;
      inWord = true;
    }
  }
  if (quoted) throw new Error(`scriptProcessor "${scriptProcessor}" has an unclosed quote`);
  if (inWord) words.push(word);
  if (words.length > 0 && words[0] === '') throw new Error('scriptProcessor names an empty program');
  return { words };
}

/**
 * The command for one request. IIS's `%s` placeholders: the first stands for the script's path
 * (`/usr/bin/perl %s`); a later one stands for IIS's search-string arguments (a query without `=` split
 * into words, RFC 3875 section 4.4), which w3pool never passes, so it becomes nothing: with php-cgi they
 * were CVE-2012-1823 (`?-s` printed the source). Without `%s` the script's path is not on the command line;
 * the program finds it in SCRIPT_FILENAME, as php-cgi does.
 */
export function cgiCommand(processor: ScriptProcessor, scriptPath: string): CgiCommand {
  if (processor.words.length === 0) return { program: scriptPath, args: [] };
  let placeholders = 0;
  const words: string[] = [];
  for (const word of processor.words) {
    const replaced = word.replace(/%s/g, () => (placeholders++ === 0 ? scriptPath : ''));
    // A word that was only a search-string placeholder disappears rather than becoming an empty argument.
    if (replaced !== '' || word === '') words.push(replaced);
  }
  const [program = '', ...args] = words;
  return { program, args };
}
