module example.test/hostile/sleepforever

go 1.19
