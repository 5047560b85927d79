// Package pb holds the wire messages of the /p2psb/catalog/1.0.0 protocol.
package pb

//go:generate protoc --go_out=. --go_opt=paths=source_relative catalog.proto
