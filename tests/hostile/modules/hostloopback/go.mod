module example.test/hostile/hostloopback

go 1.19
