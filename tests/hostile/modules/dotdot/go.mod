module example.test/hostile/dotdot

go 1.19
