module example.test/hostile/writeoutside

go 1.19
