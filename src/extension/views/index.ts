// The extension's webviews (this folder): the profile views (flame graph, top table, Compare, and the
// custom editor of .pb.gz / .pprof files) in profileViews.ts with one ProfileSession per open view, the
// trace report in starvationView.ts, and the one audited webview helper (CSP, nonce, typed messages)
// they all use in webviewHelper.ts. The pages themselves are media/src.
export { registerProfileViews, type ProfileViewDeps } from './profileViews';
export { showStarvation } from './starvationView';
export { createWebviewPanel, panelOptions, setupWebview, type TypedWebview } from './webviewHelper';
