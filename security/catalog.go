package security

// Named ports, for defaults and for the generated docs.
var (
	HTTPS     = TCP(443)
	HTTP      = TCP(80)
	AppHTTP   = TCP(8080) // the conventional service port of a container or instance behind an alb
	Postgres  = TCP(5432)
	MySQL     = TCP(3306)
	Redis     = TCP(6379)
	Memcached = TCP(11211)
	DNS       = UDP(53)
	NFS       = TCP(2049)

	// SSH and RDP are listed so that they can be refused: no rule ever
	// contains them. Use SSM Session Manager (and Fleet Manager for RDP).
	SSH = TCP(22)
	RDP = TCP(3389)
)

// NamedPort is one entry of the Catalog.
type NamedPort struct {
	Name string
	Port Port
	Use  string
}

// Catalog lists the well-known ports the platform uses, in a stable order.
func Catalog() []NamedPort {
	return []NamedPort{
		{"HTTPS", HTTPS, "alb listeners, AWS APIs through interface endpoints, the internet through NAT"},
		{"HTTP", HTTP, "internet-facing alb listener that only redirects to HTTPS"},
		{"AppHTTP", AppHTTP, "default service port of ec2 and ecs workloads"},
		{"Postgres", Postgres, "Aurora PostgreSQL (default for aurora)"},
		{"MySQL", MySQL, "Aurora MySQL"},
		{"Redis", Redis, "ElastiCache Redis / Valkey (default for cache)"},
		{"Memcached", Memcached, "ElastiCache Memcached"},
		{"DNS", DNS, "DNS"},
		{"NFS", NFS, "EFS mount targets"},
	}
}

// forbidden are the ports no rule may contain, whatever the range.
var forbidden = []NamedPort{
	{"SSH", SSH, "use SSM Session Manager instead"},
	{"RDP", RDP, "use SSM Fleet Manager instead"},
}

// forbiddenIn returns the first forbidden port number inside p, if any, for
// either protocol (RDP also runs over udp 3389).
func forbiddenIn(p Port) (NamedPort, bool) {
	for _, f := range forbidden {
		if p.Contains(f.Port.From) {
			return f, true
		}
	}
	return NamedPort{}, false
}

// DefaultPort is the service port a workload of kind k gets when the stack
// does not name one; the zero Port for kinds that accept nothing.
func DefaultPort(k Kind) Port {
	switch k {
	case KindALB, KindEndpoints:
		return HTTPS
	case KindEC2, KindECS:
		return AppHTTP
	case KindAurora:
		return Postgres
	case KindCache:
		return Redis
	}
	return Port{}
}
