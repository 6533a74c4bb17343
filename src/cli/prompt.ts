// Reads a secret from the terminal without echoing it; no terminal means no answer.
import * as readline from 'node:readline';

/**
 * Asks `question` on the terminal and reads an answer without echo. Returns undefined when stdin
 * is not a terminal (scripts, CI): the caller then reports that authentication failed.
 */
export function promptHidden(question: string): Promise<string | undefined> {
  if (!process.stdin.isTTY || !process.stderr.isTTY) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const rl = readline.createInterface({ input: process.stdin, output: process.stderr, terminal: true });
    const out = rl as unknown as { _writeToOutput: (s: string) => void };
    let asked = false;
    out._writeToOutput = (s: string) => {
      if (!asked) {
        process.stderr.write(s);
        asked = true;
      }
    };
    rl.question(question, (answer) => {
      rl.close();
      process.stderr.write('\n');
      resolve(answer);
    });
    rl.on('SIGINT', () => {
      rl.close();
      resolve(undefined);
    });
  });
}
