module example.test/hostile/cpuspin

go 1.19
