// Package transport holds how a p2psb node moves bytes below libp2p's
// streams: the TCP transport with write batching, and the dial ranking
// that prefers TCP to QUIC.
//
// Terms:
//
//   - Batched connection: a TCP connection, below the security handshake,
//     whose writes are queued and sent by one goroutine in as few write(2)
//     calls as the queue allows, and whose reads go through a large buffer,
//     so TLS's 16 KiB records do not each cost a syscall (NewBatchedTCP,
//     NewBatchedConn).
//   - Dial ranking: the order and delays in which a host dials a peer's
//     addresses; TCPFirst dials TCP at once and QUIC a moment later, since
//     TCP with TLS is the faster transport on the machines p2psb targets.
package transport
