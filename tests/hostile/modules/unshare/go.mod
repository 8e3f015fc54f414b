module example.test/hostile/unshare

go 1.19
