package natlab

import (
	"fmt"
	"net/netip"
	"regexp"
)

// Mapping is how a home router maps a client's flows to external ports.
type Mapping int

const (
	// EndpointIndependent keeps one external port per local address and
	// port, whatever the destination (port-preserving masquerade). The zero
	// value: what home routers do.
	EndpointIndependent Mapping = iota
	// EndpointDependent gives every new flow a random external port
	// (masquerade fully-random): a symmetric NAT.
	EndpointDependent
)

func (m Mapping) String() string {
	switch m {
	case EndpointIndependent:
		return "endpoint-independent"
	case EndpointDependent:
		return "endpoint-dependent"
	}
	return fmt.Sprintf("Mapping(%d)", int(m))
}

// Role is what a host is in the lab.
type Role int

const (
	// Public is a host on the public net with no NAT in front of it.
	Public Role = iota + 1
	// Router is a home router between the public net and a LAN.
	Router
	// Client is a host on a home router's LAN.
	Client
)

func (r Role) String() string {
	switch r {
	case Public:
		return "public"
	case Router:
		return "router"
	case Client:
		return "client"
	}
	return fmt.Sprintf("Role(%d)", int(r))
}

// Spec is the topology New builds. Host names are unique across the whole
// spec and match [a-z][a-z0-9]{0,9}.
type Spec struct {
	// Public names the public hosts, addressed in this order.
	Public []string
	// Homes are the home routers with their clients, addressed in this order.
	Homes []Home
}

// Home is one home router and the clients on its LAN.
type Home struct {
	Router  string
	Mapping Mapping
	Clients []string
}

// Limits of the addressing plan (see the package comment).
const (
	maxPublic  = 90
	maxHomes   = 100
	maxClients = 200
)

// PublicNet is the public net's prefix, a /24 (see the package comment);
// every public address of the plan is derived from it.
var PublicNet = netip.MustParsePrefix("11.77.0.0/24")

// publicAddr is the address with host part n on the public net.
func publicAddr(n int) netip.Addr {
	a := PublicNet.Addr().As4()
	a[3] = byte(n)
	return netip.AddrFrom4(a)
}

var hostName = regexp.MustCompile(`^[a-z][a-z0-9]{0,9}$`)

// validate reports the first thing wrong with s.
func (s Spec) validate() error {
	if len(s.Public) > maxPublic {
		return fmt.Errorf("%d public hosts, at most %d", len(s.Public), maxPublic)
	}
	if len(s.Homes) > maxHomes {
		return fmt.Errorf("%d homes, at most %d", len(s.Homes), maxHomes)
	}
	seen := map[string]bool{}
	check := func(name string) error {
		if !hostName.MatchString(name) {
			return fmt.Errorf("host name %q does not match %s", name, hostName)
		}
		if seen[name] {
			return fmt.Errorf("host name %q used twice", name)
		}
		seen[name] = true
		return nil
	}
	for _, name := range s.Public {
		if err := check(name); err != nil {
			return err
		}
	}
	for _, h := range s.Homes {
		if err := check(h.Router); err != nil {
			return err
		}
		if h.Mapping != EndpointIndependent && h.Mapping != EndpointDependent {
			return fmt.Errorf("router %s: unknown %v", h.Router, h.Mapping)
		}
		if len(h.Clients) > maxClients {
			return fmt.Errorf("router %s: %d clients, at most %d", h.Router, len(h.Clients), maxClients)
		}
		for _, c := range h.Clients {
			if err := check(c); err != nil {
				return err
			}
		}
	}
	return nil
}

// plan returns the hosts of s with their names and addresses, in the
// order New creates them: public hosts, then each router followed by its
// clients. prefix is the lab's namespace prefix.
func (s Spec) plan(prefix string) []*Host {
	var hosts []*Host
	for i, name := range s.Public {
		hosts = append(hosts, &Host{
			Name: name, Netns: prefix + "-" + name, Role: Public,
			Addr: publicAddr(10 + i),
		})
	}
	for k, home := range s.Homes {
		r := &Host{
			Name: home.Router, Netns: prefix + "-" + home.Router, Role: Router,
			Mapping: home.Mapping,
			Addr:    publicAddr(101 + k),
			LANAddr: netip.AddrFrom4([4]byte{192, 168, byte(1 + k), 1}),
		}
		hosts = append(hosts, r)
		for j, name := range home.Clients {
			hosts = append(hosts, &Host{
				Name: name, Netns: prefix + "-" + name, Role: Client,
				Addr:   netip.AddrFrom4([4]byte{192, 168, byte(1 + k), byte(10 + j)}),
				Router: r,
			})
		}
	}
	return hosts
}
