module example.test/hostile/reboot

go 1.19
