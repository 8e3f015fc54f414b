module example.test/hostile/sandboxcheck

go 1.19
