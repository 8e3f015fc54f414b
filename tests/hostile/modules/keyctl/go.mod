module example.test/hostile/keyctl

go 1.19
