// Preload (node -r) that writes every module id a process requires to $ANOLE_MODULE_LOG at exit, one per line.
'use strict';
const Module = require('node:module');
const fs = require('node:fs');

const out = process.env.ANOLE_MODULE_LOG;
if (out) {
  const seen = new Set();
  const load = Module._load;
  Module._load = function (request, ...rest) {
    seen.add(request);
    return load.call(this, request, ...rest);
  };
  process.on('exit', () => fs.writeFileSync(out, [...seen].join('\n') + '\n'));
}
