// The editor-free annotations model and the language-server protocol it is served with.
export * from './protocol';
export type { AnnotateOptions, FileNotes, FunctionNote, LineNote, Neighbor, NoteCategory, PathResolver, ProfileAnnotations } from './model';
export { buildAnnotations, categoryOf, functionMarkdown } from './model';
export type { CallEdge, CallGraph } from './callGraph';
export { callGraph } from './callGraph';
export { guessKind } from './kind';
export { describeValue, formatBytes, formatCount, formatDuration, formatPercent, formatValue } from './units';
export type { GroupNote, TraceAnnotations, TraceFileNotes, TraceLineNote, TraceNoteOptions } from './traceNotes';
export { buildTraceNotes, culpritsMarkdown, groupLens, groupMarkdown } from './traceNotes';
