module example.test/hostile/perfevent

go 1.19
