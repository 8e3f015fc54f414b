module example.test/hostile/mount

go 1.19
