module anole.bench/dumpgen

go 1.19
