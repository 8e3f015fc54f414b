module example.test/hostile/devmem

go 1.19
