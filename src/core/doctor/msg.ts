// Translatable texts of the doctor: English templates with `{0}`… placeholders, rendered by a translator the caller picks.
import { fmt } from '../webview/strings';

/** A user-visible text: an English template (also its key in l10n/bundle.l10n.*.json) and its arguments. */
export interface Msg {
  readonly msg: string;
  readonly args: readonly Text[];
}

/** Data shown as is (paths, values) or a translatable {@link Msg}. */
export type Text = string | number | Msg;

/** Renders one template with already rendered arguments (VS Code: `vscode.l10n.t(template, ...args)`). */
export type Translate = (template: string, args: string[]) => string;

/** The English rendering: the template with its placeholders filled. */
export const english: Translate = (template, args) => fmt(template, ...args);

/**
 * A translatable text. `template` must be a string literal (a unit test collects the template of every msg call
 * of the doctor and checks that the zh-cn bundle translates it with the same placeholders).
 */
export function msg(template: string, ...args: Text[]): Msg {
  return { msg: template, args };
}

/** Several texts as one, separated by "; " (translated too: Chinese uses "；"). */
export function list(items: readonly Text[]): Text {
  if (!items.length) return '';
  return items.slice(1).reduce<Text>((acc, x) => msg('{0}; {1}', acc, x), items[0]);
}

/** Renders a text with `t`, its arguments first. */
export function render(text: Text, t: Translate = english): string {
  if (typeof text === 'string') return text;
  if (typeof text === 'number') return String(text);
  return t(text.msg, text.args.map((a) => render(a, t)));
}

/** A translator from a bundle (template → translation): translations with other placeholders than the template are ignored. */
export function bundleTranslator(bundle: Record<string, unknown>): Translate {
  return (template, args) => {
    const tr = bundle[template];
    return english(typeof tr === 'string' && samePlaceholders(tr, template) ? tr : template, args);
  };
}

/** True if both texts use the same `{n}` placeholders. */
export function samePlaceholders(a: string, b: string): boolean {
  const ph = (s: string) => [...s.matchAll(/\{\d+\}/g)].map((m) => m[0]).sort().join();
  return ph(a) === ph(b);
}
