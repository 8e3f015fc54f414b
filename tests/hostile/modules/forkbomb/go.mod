module example.test/hostile/forkbomb

go 1.19
