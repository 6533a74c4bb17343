// Entry point of Anole's debug adapter: DAP over stdin/stdout (built to dist/adapter.js).
import { AnoleDebugSession } from './session';

AnoleDebugSession.run(AnoleDebugSession);
