module example.test/hostile/setuidexec

go 1.19
