module example.test/hostile/membomb

go 1.19
