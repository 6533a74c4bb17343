// Types for 'vscode-languageclient/node': its package exports map is invisible to tsconfig's
// "node" module resolution (esbuild resolves the real file through the exports map).
declare module 'vscode-languageclient/node' {
  export * from 'vscode-languageclient/lib/node/main';
}
