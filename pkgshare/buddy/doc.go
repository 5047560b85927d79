// Package buddy keeps a node's buddies connected.
//
// Terms:
//
//   - Buddy: a node ID on the buddy list of the peerstore (with an
//     optional alias), whose connection the node keeps and protects from
//     the connection manager.
//   - Keeper: dials each buddy that is not connected, again with
//     exponential backoff after failures (Options) and at once after a
//     disconnection.
//   - Locator: where a buddy is now, asked when the addresses the
//     peerstore knows fail; *rendezvous.Client is one (node namespace).
//   - State: what the keeper knows of a buddy, as `p2psb buddy ls` shows.
package buddy
