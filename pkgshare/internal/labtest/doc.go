// Package labtest holds end-to-end tests that run the real p2psb program
// as processes on the hosts of a natlab lab (network namespaces), for
// behaviour that one machine's loopback cannot show, such as finding
// peers on a LAN with mDNS. The test binary is the p2psb program when
// run with P2PSB_LABTEST_MAIN=1 (see TestMain).
package labtest
