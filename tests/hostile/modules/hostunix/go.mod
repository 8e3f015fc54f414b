module example.test/hostile/hostunix

go 1.19
