module example.test/hostile/readshadow

go 1.19
