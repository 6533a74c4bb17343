// The one registry of Anole's command ids (a unit test matches it against package.json).

/** Every command the extension contributes, by purpose. Ids follow `anole.<verb>` / `anole.<area>.<verb>`. */
export const Commands = {
  profileRemoteService: 'anole.profileRemoteService',
  profileAgain: 'anole.profileAgain',
  clearAnnotations: 'anole.clearAnnotations',
  showLog: 'anole.showLog',
  hostsRefresh: 'anole.hosts.refresh',
  processProfile: 'anole.process.profile',
  capturesOpen: 'anole.captures.open',
  capturesReveal: 'anole.captures.reveal',
  capturesDelete: 'anole.captures.delete',
  capturesRefresh: 'anole.captures.refresh',
  showFlameGraph: 'anole.showFlameGraph',
  showTopTable: 'anole.showTopTable',
  compareProfiles: 'anole.compareProfiles',
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
  traceRemoteService: 'anole.traceRemoteService',
  processTrace: 'anole.process.trace',
  showStarvationReport: 'anole.showStarvationReport',
  traceProfileCpu: 'anole.trace.profileCpu',
} as const;

export type CommandId = (typeof Commands)[keyof typeof Commands];

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
