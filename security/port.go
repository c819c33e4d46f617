package security

import (
	"fmt"
	"strconv"
	"strings"
)

// Protocol is the IP protocol of a rule. Only tcp and udp exist: there is no
// value for "all traffic" (-1), so such a rule cannot be written.
type Protocol string

// The two protocols a rule may use.
const (
	ProtoTCP Protocol = "tcp"
	ProtoUDP Protocol = "udp"
)

// Valid reports whether p is tcp or udp.
func (p Protocol) Valid() bool { return p == ProtoTCP || p == ProtoUDP }

// Port is a protocol and an inclusive port range. It is a comparable value, so it
// can key maps. The zero Port means "accepts nothing"; every other Port must
// pass Validate. There is deliberately no constructor for all ports or all
// protocols.
type Port struct {
	Protocol Protocol
	From, To int
}

// TCP is the single tcp port n.
func TCP(n int) Port { return Port{Protocol: ProtoTCP, From: n, To: n} }

// TCPRange is the tcp ports from a to b inclusive.
func TCPRange(a, b int) Port { return Port{Protocol: ProtoTCP, From: a, To: b} }

// UDP is the single udp port n.
func UDP(n int) Port { return Port{Protocol: ProtoUDP, From: n, To: n} }

// IsZero reports whether p is the zero Port (accepts nothing).
func (p Port) IsZero() bool { return p == Port{} }

// String is the stable form used in rule names: "tcp-5432", "tcp-8000-8010";
// "none" for the zero Port.
func (p Port) String() string {
	if p.IsZero() {
		return "none"
	}
	b := make([]byte, 0, 16)
	b = append(b, p.Protocol...)
	b = append(b, '-')
	b = strconv.AppendInt(b, int64(p.From), 10)
	if p.From != p.To {
		b = append(b, '-')
		b = strconv.AppendInt(b, int64(p.To), 10)
	}
	return string(b)
}

// ConfigString is the form a user writes in platform:security: "5432",
// "8000-8010", "udp/53"; "" for the zero Port. ParsePort(p.ConfigString()) == p
// for a valid p.
func (p Port) ConfigString() string {
	if p.IsZero() {
		return ""
	}
	var n string
	if p.From == p.To {
		n = strconv.Itoa(p.From)
	} else {
		n = strconv.Itoa(p.From) + "-" + strconv.Itoa(p.To)
	}
	if p.Protocol == ProtoTCP {
		return n
	}
	return string(p.Protocol) + "/" + n
}

// Numbers is the port part alone, for tables: "443", "8000-8010"; "" for the zero Port.
func (p Port) Numbers() string {
	if p.IsZero() {
		return ""
	}
	if p.From == p.To {
		return strconv.Itoa(p.From)
	}
	return strconv.Itoa(p.From) + "-" + strconv.Itoa(p.To)
}

// Contains reports whether port number n is in the range.
func (p Port) Contains(n int) bool { return !p.IsZero() && p.From <= n && n <= p.To }

// Width is how many port numbers the range holds; 0 for the zero Port.
func (p Port) Width() int {
	if p.IsZero() || p.To < p.From {
		return 0
	}
	return p.To - p.From + 1
}

// Within reports whether every port of p is also in outer, with the same protocol.
func (p Port) Within(outer Port) bool {
	return !p.IsZero() && !outer.IsZero() && p.Protocol == outer.Protocol &&
		outer.From <= p.From && p.To <= outer.To
}

// Validate reports why p cannot be used in a rule, or nil.
func (p Port) Validate() error {
	if p.IsZero() {
		return fmt.Errorf("no port given")
	}
	if err := checkProtocol(string(p.Protocol)); err != nil {
		return err
	}
	for _, n := range []int{p.From, p.To} {
		if n < 1 || n > 65535 {
			return fmt.Errorf("port %d is out of range; ports go from 1 to 65535", n)
		}
	}
	if p.From > p.To {
		return fmt.Errorf("range %d-%d is reversed; write %d-%d", p.From, p.To, p.To, p.From)
	}
	return nil
}

// compare orders ports by protocol, then From, then To.
func (p Port) compare(q Port) int {
	switch {
	case p.Protocol != q.Protocol:
		return strings.Compare(string(p.Protocol), string(q.Protocol))
	case p.From != q.From:
		return p.From - q.From
	default:
		return p.To - q.To
	}
}

const portExamples = `write a port like "5432", "tcp/5432", "8000-8010" or "udp/53"`

func checkProtocol(proto string) error {
	switch {
	case proto == "tcp" || proto == "udp":
		return nil
	case allTraffic(proto):
		return fmt.Errorf("protocol %q means all traffic, which is never allowed; name a tcp or udp port", proto)
	}
	return fmt.Errorf("protocol %q is not supported; use tcp or udp", proto)
}

// allTraffic reports the spellings of "every protocol" (AWS uses -1).
func allTraffic(s string) bool {
	switch strings.ToLower(s) {
	case "-1", "all", "any", "*":
		return true
	}
	return false
}

// ParsePort reads the port of a grant: "5432" and "8000-8010" are tcp,
// "tcp/5432", "tcp/8000-8010", "udp/53" name the protocol. It rejects all
// traffic ("-1", "all"), other protocols, numbers outside 1-65535 and reversed
// ranges. It does not judge which ports are wise; Build does.
func ParsePort(s string) (Port, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Port{}, fmt.Errorf("empty port; %s", portExamples)
	}
	proto, nums := "tcp", s
	if i := strings.IndexByte(s, '/'); i >= 0 {
		proto, nums = s[:i], s[i+1:]
		if err := checkProtocol(proto); err != nil {
			return Port{}, err
		}
	} else if allTraffic(s) {
		return Port{}, checkProtocol(s)
	}
	from, to := nums, nums
	if i := strings.IndexByte(nums, '-'); i >= 0 {
		from, to = nums[:i], nums[i+1:]
	}
	a, okA := atoi(from)
	b, okB := atoi(to)
	if !okA || !okB {
		return Port{}, fmt.Errorf("%q is not a port; %s", s, portExamples)
	}
	p := Port{Protocol: Protocol(proto), From: a, To: b}
	if err := p.Validate(); err != nil {
		return Port{}, err
	}
	return p, nil
}

// atoi accepts only 1 to 5 ASCII digits (no sign, no spaces), so "+22" or
// " 22" never sneak through.
func atoi(s string) (int, bool) {
	if s == "" || len(s) > 5 {
		return 0, false
	}
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}
