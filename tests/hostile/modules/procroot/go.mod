module example.test/hostile/procroot

go 1.19
