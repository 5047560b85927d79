// Package labtest holds end-to-end tests that run the real p2psb program
// as processes on the hosts of a natlab lab (network namespaces), for
// behaviour that one machine's loopback cannot show: finding peers on a
// LAN with mDNS, and reaching peers behind home routers (NATs) through a
// rendezvous node's circuit relay and hole punching (reach_test.go). The
// test binary is the p2psb program when run with P2PSB_LABTEST_MAIN=1
// (see TestMain). TestReachFigures measures the figures README quotes
// for NATs; it runs only with P2PSB_LAB_FIGURES=1.
package labtest
