// The one typed registry of Anole's commands (ids and the arguments each takes), views and context
// keys. A unit test matches it against package.json and the registrations in src/extension.
//
// Adding a command: an id in `Commands`, its arguments in `CommandArgs`, a package.json entry (title,
// category, icon, l10n), and `registerCommand(vscode.commands, Commands.x, handler)` in its feature.
// This module imports no `vscode` (plain mocha loads it): it takes `vscode.commands` as an argument.
import {
  Commands as LensCommands, type ShowStarvationArgs, type TraceHandoffArgs, type TraceLensArgs,
} from '../core/annotations/protocol';
import type { GoProcess } from '../core/discovery/processes';
import type { CaptureMeta } from './captureStore';
import type { AttachConfig } from './debug';
import type { CheckArg, DoctorNode } from './doctorView';
import type { FleetRequest } from './fleet';
import type { GoroutineDocumentArg } from './goroutines';
import type { HostsNode } from './hostsView';
import type { CompareArgs, ProfileViewArg } from './views/profileViews';

/** Every command the extension contributes, by purpose. Ids follow `anole.<verb>` / `anole.<area>.<verb>`. */
export const Commands = {
  profileRemoteService: 'anole.profileRemoteService',
  profileAgain: 'anole.profileAgain',
  profileFleet: 'anole.profileFleet',
  clearAnnotations: 'anole.clearAnnotations',
  showLog: 'anole.showLog',
  hostsRefresh: 'anole.hosts.refresh',
  processProfile: 'anole.process.profile',
  capturesOpen: 'anole.captures.open',
  capturesReveal: 'anole.captures.reveal',
  capturesDelete: 'anole.captures.delete',
  capturesRefresh: 'anole.captures.refresh',
  /** The server's CodeLens names this one (core/annotations/protocol.ts). */
  showFlameGraph: LensCommands.showFlameGraph,
  showTopTable: 'anole.showTopTable',
  compareProfiles: 'anole.compareProfiles',
  compareSources: 'anole.compareSources',
  dumpGoroutines: 'anole.dumpGoroutines',
  openGoroutineDump: 'anole.openGoroutineDump',
  showGroupedGoroutines: 'anole.showGroupedGoroutines',
  showRawGoroutines: 'anole.showRawGoroutines',
  pickRemoteHost: 'anole.pickRemoteHost',
  pickRemoteProcess: 'anole.pickRemoteProcess',
  refreshGoroutineGroups: 'anole.debug.refreshGoroutineGroups',
  filterGoroutineGroups: 'anole.debug.filterGoroutineGroups',
  clearGoroutineGroupsFilter: 'anole.debug.clearGoroutineGroupsFilter',
  captureCoreDump: 'anole.captureCoreDump',
  openCoreDump: 'anole.openCoreDump',
  checkHost: 'anole.checkHost',
  doctorCopyFix: 'anole.doctor.copyFix',
  /** The server's "Trace" lens names this one. */
  traceRemoteService: LensCommands.traceRemoteService,
  processTrace: 'anole.process.trace',
  /** The server's trace lenses name this one. */
  showStarvationReport: LensCommands.showStarvation,
  openFromBackend: 'anole.openFromBackend',
  /** The server's runnable-wait lens names this one. */
  traceProfileCpu: LensCommands.traceProfileCpu,
} as const;

export type CommandId = (typeof Commands)[keyof typeof Commands];

/** A debugger's core dump backend, or `auto` (dlv if it is installed, else gdb). */
export type CoreBackend = 'auto' | 'dlv' | 'gdb';

/**
 * The arguments of each command, as menus, CodeLenses and `executeCommand` pass them (all optional:
 * the palette passes none). VS Code does not check them, so handlers still do.
 */
export interface CommandArgs {
  /** A hand-off (e.g. from a trace of that process) names the target and kind; nothing is asked then. */
  [Commands.profileRemoteService]: [preset?: unknown];
  [Commands.profileAgain]: [];
  /** Tests and other features may preset what to profile; the command asks for the rest. */
  [Commands.profileFleet]: [preset?: Partial<FleetRequest>];
  [Commands.openFromBackend]: [];
  /** The runnable-wait lens and the report name the trace whose process to profile. */
  [Commands.traceProfileCpu]: [args?: TraceHandoffArgs];
  [Commands.clearAnnotations]: [];
  [Commands.showLog]: [];
  [Commands.hostsRefresh]: [];
  /** A process or profile-action node of the Hosts view. */
  [Commands.processProfile]: [node?: HostsNode];
  [Commands.capturesOpen]: [capture?: CaptureMeta];
  [Commands.capturesReveal]: [capture?: CaptureMeta];
  [Commands.capturesDelete]: [capture?: CaptureMeta];
  [Commands.capturesRefresh]: [];
  /** The CodeLens passes `ShowFlameGraphArgs`; the Explorer a profile file's Uri. */
  [Commands.showFlameGraph]: [arg?: ProfileViewArg];
  [Commands.showTopTable]: [arg?: ProfileViewArg];
  [Commands.compareProfiles]: [arg?: CompareArgs];
  /** Tests and keybindings may preset what to compare and how to normalise (checked by the handler). */
  [Commands.compareSources]: [preset?: unknown];
  /** A hand-off names the target (a `ProfileTarget`); checked by the handler. */
  [Commands.dumpGoroutines]: [preset?: unknown];
  [Commands.openGoroutineDump]: [file?: GoroutineDocumentArg];
  [Commands.showGroupedGoroutines]: [document?: GoroutineDocumentArg];
  [Commands.showRawGoroutines]: [document?: GoroutineDocumentArg];
  [Commands.pickRemoteHost]: [];
  /** The attach configuration being resolved (`${command:anole.pickRemoteProcess}`). */
  [Commands.pickRemoteProcess]: [config?: AttachConfig];
  [Commands.refreshGoroutineGroups]: [];
  [Commands.filterGoroutineGroups]: [text?: string];
  [Commands.clearGoroutineGroupsFilter]: [];
  [Commands.captureCoreDump]: [node?: HostsNode];
  [Commands.openCoreDump]: [capture?: CaptureMeta, backend?: CoreBackend];
  [Commands.checkHost]: [arg?: CheckArg];
  [Commands.doctorCopyFix]: [node?: DoctorNode];
  [Commands.traceRemoteService]: [lens?: TraceLensArgs];
  [Commands.processTrace]: [node?: { host?: string; process?: GoProcess }];
  [Commands.showStarvationReport]: [arg?: ShowStarvationArgs];
}

/** The part of `vscode.commands` the registry calls. */
export interface CommandsApi {
  /** `any[]`, as `vscode.commands` declares it: each handler types its own arguments. */
  registerCommand(command: string, callback: (...args: any[]) => unknown): { dispose(): unknown };
  executeCommand(command: string, ...rest: unknown[]): PromiseLike<unknown>;
}

/** Registers the handler of a command of the registry (its arguments typed by `CommandArgs`). */
export function registerCommand<K extends CommandId>(
  commands: CommandsApi,
  id: K,
  handler: (...args: CommandArgs[K]) => unknown,
): { dispose(): unknown } {
  return commands.registerCommand(id, handler);
}

/** Runs a command of the registry with arguments of its type. */
export function runCommand<K extends CommandId>(commands: CommandsApi, id: K, ...args: CommandArgs[K]): PromiseLike<unknown> {
  return commands.executeCommand(id, ...args);
}

/** Ids of the views and containers the extension contributes. */
export const Views = {
  container: 'anole',
  hosts: 'anole.hosts',
  captures: 'anole.captures',
  goroutineGroups: 'anole.debug.goroutineGroups',
  doctor: 'anole.doctor',
} as const;

/** Context keys set with `setContext` (used in `enablement` / `when` clauses). */
export const ContextKeys = {
  hasLastProfile: 'anole.hasLastProfile',
  hasAnnotations: 'anole.hasAnnotations',
  hasTrace: 'anole.hasTrace',
  goroutineGroupsFiltered: 'anole.goroutineGroupsFiltered',
} as const;
