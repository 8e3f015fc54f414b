module example.test/hostile/diskfill

go 1.19
