module example.test/hostile/syswrite

go 1.19
