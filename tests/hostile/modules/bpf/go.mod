module example.test/hostile/bpf

go 1.19
