module example.test/hostile/iouring

go 1.19
