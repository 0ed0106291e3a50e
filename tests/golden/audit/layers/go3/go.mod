module example.com/go3

go 1.22.0

toolchain go1.22.3
