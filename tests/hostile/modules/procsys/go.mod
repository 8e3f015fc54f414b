module example.test/hostile/procsys

go 1.19
