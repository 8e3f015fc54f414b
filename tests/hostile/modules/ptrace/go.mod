module example.test/hostile/ptrace

go 1.19
