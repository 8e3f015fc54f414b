module example.test/hostile/orphans

go 1.19
