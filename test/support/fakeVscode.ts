// A small stand-in for the parts of the `vscode` API the goroutine feature uses, so its providers and commands run under plain mocha.
import Module from 'node:module';
import * as path from 'node:path';

/** The parts of the `vscode` API the goroutine feature's providers use, enough to run them here. */
export class FakeUri {
  constructor(
    readonly scheme: string,
    readonly authority: string,
    readonly path: string,
    readonly query: string,
    readonly fragment: string,
  ) {}
  static file(p: string): FakeUri {
    return new FakeUri('file', '', p, '', '');
  }
  static from(c: { scheme: string; authority?: string; path?: string; query?: string; fragment?: string }): FakeUri {
    return new FakeUri(c.scheme, c.authority ?? '', c.path ?? '', c.query ?? '', c.fragment ?? '');
  }
  with(c: Partial<Pick<FakeUri, 'scheme' | 'authority' | 'path' | 'query' | 'fragment'>>): FakeUri {
    return new FakeUri(c.scheme ?? this.scheme, c.authority ?? this.authority, c.path ?? this.path, c.query ?? this.query, c.fragment ?? this.fragment);
  }
  get fsPath(): string {
    return this.path;
  }
  toString(): string {
    return `${this.scheme}:${this.path}${this.query ? `?${this.query}` : ''}${this.fragment ? `#${this.fragment}` : ''}`;
  }
}
export class FakeRange {
  constructor(
    readonly startLine: number,
    readonly startCharacter: number,
    readonly endLine: number,
    readonly endCharacter: number,
  ) {}
}
export const fakeVscode = {
  Uri: FakeUri,
  Range: FakeRange,
  DocumentLink: class {
    tooltip?: string;
    constructor(
      readonly range: FakeRange,
      readonly target: FakeUri,
    ) {}
  },
  DocumentSymbol: class {
    constructor(
      readonly name: string,
      readonly detail: string,
      readonly kind: number,
      readonly range: FakeRange,
      readonly selectionRange: FakeRange,
    ) {}
  },
  SymbolKind: { Event: 23 },
  l10n: { t: (msg: string, ...args: unknown[]) => msg.replace(/\{(\d+)\}/g, (_, i: string) => String(args[Number(i)])) },
  workspace: {
    textDocuments: [] as Array<{ uri: FakeUri }>,
    registerTextDocumentContentProvider(scheme: string, p: { provideTextDocumentContent(u: FakeUri): string }) {
      ui.providers.set(scheme, p);
      return disposable(() => ui.providers.delete(scheme));
    },
    onDidCloseTextDocument: () => disposable(),
    async openTextDocument(uri: FakeUri) {
      const p = ui.providers.get(uri.scheme);
      if (!p) throw new Error(`no provider for ${uri.scheme}`);
      return { uri, languageId: 'plaintext', getText: () => p.provideTextDocumentContent(uri) };
    },
  },
  languages: {
    registerDocumentLinkProvider: () => disposable(),
    registerDocumentSymbolProvider: () => disposable(),
    setTextDocumentLanguage: async (d: object, languageId: string) => ({ ...d, languageId }),
  },
  commands: {
    registerCommand(id: string, fn: (...args: unknown[]) => Promise<void>) {
      ui.commands.set(id, fn);
      return disposable(() => ui.commands.delete(id));
    },
  },
  ProgressLocation: { Notification: 15 },
  window: {
    activeTextEditor: undefined,
    async withProgress<T>(_o: unknown, task: (p: unknown, t: unknown) => Promise<T>): Promise<T> {
      const token = { onCancellationRequested: (f: () => void) => ((ui.cancel = f), disposable()) };
      return task({ report: () => undefined }, token);
    },
    async showQuickPick(items: Array<{ value: string }>) {
      ui.picks.push(items.map((i) => i.value));
      return items.find((i) => i.value === ui.pick);
    },
    async showTextDocument(d: { uri: FakeUri; languageId: string; getText(): string }) {
      ui.shown.push(d);
      return { document: d };
    },
    async showErrorMessage(msg: string) {
      ui.errors.push(msg);
      return undefined;
    },
    async showInformationMessage(msg: string) {
      ui.errors.push(msg);
      return undefined;
    },
  },
};

/** What the fake UI saw. */
export const ui = {
  providers: new Map<string, { provideTextDocumentContent(u: FakeUri): string }>(),
  commands: new Map<string, (...args: unknown[]) => Promise<void>>(),
  shown: [] as Array<{ uri: FakeUri; languageId: string; getText(): string }>,
  errors: [] as string[],
  cancel: undefined as (() => void) | undefined,
  picks: [] as string[][],
  pick: undefined as string | undefined,
};

export function disposable(f: () => void = () => undefined) {
  return { dispose: f };
}

/**
 * Makes `require('vscode')` return `fakeVscode` until the returned function is called, which also
 * drops every module loaded meanwhile from the require cache (the next load sees the real resolver).
 */
export function installFakeVscode(): () => void {
  const modResolve = Module as unknown as { _resolveFilename: (req: string, ...rest: unknown[]) => string };
  const original = modResolve._resolveFilename;
  const fakeId = path.join(__dirname, '__fake_vscode__.js');
  const cached = new Set(Object.keys(require.cache));
  modResolve._resolveFilename = function (req: string, ...rest: unknown[]) {
    return req === 'vscode' ? fakeId : original.call(this, req, ...rest);
  };
  require.cache[fakeId] = { id: fakeId, filename: fakeId, loaded: true, exports: fakeVscode } as unknown as NodeJS.Module;
  return () => {
    modResolve._resolveFilename = original;
    for (const id of Object.keys(require.cache)) if (!cached.has(id)) delete require.cache[id];
  };
}
