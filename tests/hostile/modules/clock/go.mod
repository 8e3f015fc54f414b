module example.test/hostile/clock

go 1.19
