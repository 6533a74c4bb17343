// Profile path → workspace file mapping: the workspace scan and the mapper.
export type { GoModule, ScanOptions, WorkspaceScan } from './scan';
export { parseModulePath, scanWorkspace, scanWorkspaceAsync } from './scan';
export type { MappingReason, PathMapperOptions, PathMapping, PathSubstitution } from './mapper';
export { PathMapper } from './mapper';
export type { ExpandedMappings, ExpansionContext, NamedFolder } from './variables';
export { expandPathMappings, unusedSubstitutions } from './variables';
