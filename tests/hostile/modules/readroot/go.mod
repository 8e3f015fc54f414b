module example.test/hostile/readroot

go 1.19
