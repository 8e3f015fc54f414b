module example.test/hostile/symlinkescape

go 1.19
