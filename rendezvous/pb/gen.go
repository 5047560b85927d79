// Package pb holds the wire types of the rendezvous protocol and of p2psb's
// federation between rendezvous nodes, generated from the .proto files here.
package pb

//go:generate protoc --go_out=. --go_opt=paths=source_relative rendezvous.proto sync.proto
