// Lists the concrete host aliases of an ssh config file (no wildcards), for pickers and the view.
export { listSshHosts } from '../core/ssh/hostAliases';
