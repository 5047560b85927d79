// Package control is the daemon's control socket: while `p2psb serve` runs,
// other p2psb commands of the same home talk to it over HTTP with JSON
// bodies on a Unix socket in the home directory (mode 0600, so only the
// owner can use it).
//
// Endpoints (all under /v1):
//
//	GET /v1/status   the node's pkgshare.Status
//
// Errors are answered with a non-2xx status and {"error": "..."}.
package control
