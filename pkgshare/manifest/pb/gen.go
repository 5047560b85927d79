// Package pb holds the generated protobuf types of the manifest wire format
// (manifest.proto). Only pkgshare/manifest should use them directly.
package pb

// The file is registered under its path from the module root, so it cannot
// collide with another package's "manifest.proto" in the protobuf registry.
//go:generate protoc --proto_path=../../.. --go_out=../../.. --go_opt=paths=source_relative pkgshare/manifest/pb/manifest.proto
