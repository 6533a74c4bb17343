// The launch configuration's ${command:anole.pickRemoteHost} / ${command:anole.pickRemoteProcess}: one question each per debug start.
/** A host the user chose, with what a configured target already says about its process. */
export interface HostChoice {
  host: string;
  pid?: number;
  processName?: string;
}

/** The questions (quick picks in the extension). */
export interface AttachQuestions {
  /** Which host (or configured target)? */
  host(): PromiseLike<HostChoice | undefined>;
  /** Which Go process on `host` (automatic for a unique `processName` match)? */
  process(host: string, processName?: string): PromiseLike<number | undefined>;
}

/**
 * VS Code runs each `${command:…}` of a launch configuration on its own and hands it the
 * configuration with the variables still unresolved, so the process picker cannot see the host
 * just picked. This remembers the host answer for the rest of one debug start (`begin()` marks
 * its start and end), so the host is asked once, whichever picker runs first, and the process once.
 */
export class AttachPicks {
  private chosen: Promise<HostChoice | undefined> | undefined;

  constructor(private readonly ask: AttachQuestions) {}

  /** A debug start begins or ends: forget the previous answer. */
  begin(): void {
    this.chosen = undefined;
  }

  /** `${command:anole.pickRemoteHost}`: the host, asked once per debug start. */
  async host(): Promise<string | undefined> {
    return (await this.choice())?.host;
  }

  /**
   * `${command:anole.pickRemoteProcess}`: the pid (as a string) on the configuration's host; when
   * that is still a variable, on the host picked in this debug start (asked now if not yet).
   */
  async processId(config?: { host?: unknown }): Promise<string | undefined> {
    const fixed = typeof config?.host === 'string' && config.host !== '' && !config.host.includes('${') ? config.host : undefined;
    const choice = fixed !== undefined ? { host: fixed } : await this.choice();
    if (!choice) return undefined;
    const pid = choice.pid ?? (await this.ask.process(choice.host, choice.processName));
    return pid === undefined ? undefined : String(pid);
  }

  private choice(): Promise<HostChoice | undefined> {
    this.chosen ??= Promise.resolve(this.ask.host());
    return this.chosen;
  }
}
