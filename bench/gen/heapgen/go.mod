module anole.dev/heapgen

go 1.19
