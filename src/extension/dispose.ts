// One base for objects that own subscriptions (listeners, providers, child views): each is
// registered once and all are disposed together (the model: vscode-hexeditor's src/dispose.ts).
import type * as vscode from 'vscode';

/** Disposes every item, even when one of them throws; then rethrows the first error. */
export function disposeAll(items: Iterable<{ dispose(): unknown }>): void {
  let first: unknown;
  let failed = false;
  for (const d of items) {
    try {
      d.dispose();
    } catch (e) {
      if (!failed) first = e;
      failed = true;
    }
  }
  if (failed) throw first;
}

/**
 * Owns what `_register` is given and disposes it, in registration order, on the first `dispose()`.
 * Something registered after that is disposed at once. Subclasses that release more call `super.dispose()`.
 */
export abstract class Disposable implements vscode.Disposable {
  private readonly owned: { dispose(): unknown }[] = [];
  private disposed = false;

  /** True once `dispose()` ran. */
  protected get isDisposed(): boolean {
    return this.disposed;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    disposeAll(this.owned.splice(0));
  }

  /** Takes ownership of `d` and returns it. */
  protected _register<T extends { dispose(): unknown }>(d: T): T {
    if (this.disposed) d.dispose();
    else this.owned.push(d);
    return d;
  }
}
