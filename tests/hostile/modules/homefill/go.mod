module example.test/hostile/homefill

go 1.19
