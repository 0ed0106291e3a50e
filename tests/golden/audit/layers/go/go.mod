module example.com/go

go 1.22

require (
	github.com/google/uuid v1.6.0
	golang.org/x/sys v0.18.0 // indirect
)

require github.com/pkg/errors v0.9.1
