module example.test/hostile/kmod

go 1.19
