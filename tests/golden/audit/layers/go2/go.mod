module example.com/go2

go 1.21

require github.com/stretchr/testify v1.9.0
