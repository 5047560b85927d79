// Package pb holds the wire messages of the /p2psb/xfer/1.0.0 protocol.
package pb

//go:generate protoc --go_out=. --go_opt=paths=source_relative xfer.proto
