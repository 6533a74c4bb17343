// Entry point of the Anole language server (bundled to dist/server.js): LSP over stdio, node IPC or a socket.
import { ProposedFeatures, createConnection } from 'vscode-languageserver/node';
import { startServer } from './server';

// The transport (--stdio, --node-ipc, --socket=N) is taken from the command line by createConnection.
startServer(createConnection(ProposedFeatures.all));
