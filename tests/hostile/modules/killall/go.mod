module example.test/hostile/killall

go 1.19
