module example.test/hostile/fdexhaust

go 1.19
