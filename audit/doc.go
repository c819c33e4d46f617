// Package audit reviews an existing AWS account before anything is
// migrated, from the JSON that `aws ... describe-*` prints: a folder written
// by the live reader (package audit/live, `audit --region R --save DIR`) or
// collected by hand with the commands Commands lists (`audit
// --print-commands`), one file per row of Calls.
//
// The starting point of the migration was an account where every workload
// lived in public subnets behind security groups open to the internet, and
// where one group was reused by unrelated services. The audit turns a
// snapshot of such an account into:
//
//   - an Inventory: VPCs, subnets with their tier, route tables, security
//     groups, network interfaces, and the objects that own them (instances,
//     Auto Scaling groups and what they launch from, load balancers, RDS and
//     ElastiCache, Lambda, ECS, Batch, NAT gateways, endpoints), which later
//     steps reuse to adopt the existing VPC and its data stores;
//   - a sorted list of Findings, each with a stable kind id, a severity,
//     the resource to fix, the form in which it reaches the internet where
//     that applies, and a hint on how to fix it;
//   - a Report rendered as Markdown for people or JSON for pipelines.
//
// Nothing in this package talks to AWS: the input is whatever was read, so
// the audit can run in CI, on a laptop, or against a snapshot taken weeks
// ago.
//
// "The internet" is every form AWS accepts, for rules and routes alike:
// 0.0.0.0/0, ::/0, an IPv6 prefix holding 2000::/3, ranges that together
// cover IPv4 or every global IPv6 address, and managed prefix lists whose
// entries do (world.go). A subnet is public when its routes to an internet
// gateway cover the internet; rules of one group that cover it only
// together, on a port they share, are reported as one (combined.go).
//
// # Findings and severities
//
// Severities follow one rule of thumb: high when the internet can reach a
// workload today or the layout leaves it one mistake away; medium when the
// exposure is limited to known networks or other groups but broader than
// needed; low when it is narrow or dormant; info when it is exposure by
// design. The command fails on medium and above by default.
//
//	public-subnet-workload   high: EC2, ECS, Batch, Lambda, RDS or ElastiCache
//	                         interfaces in a subnet routed to an internet
//	                         gateway, one finding per subnet.
//	public-only-vpc          high when the VPC runs workloads; low when it does
//	                         not (typically the untouched default VPC).
//	ingress-open-to-world    high; info for a group used only by load balancers
//	                         on tcp 80 or 443 (the one world-open rule the
//	                         target design keeps, listed so the public surface
//	                         stays visible); medium for other ports on such a
//	                         group; low for ICMP or a group attached to nothing.
//	ingress-all-protocols    high from the world, medium from a CIDR, low from
//	                         groups only (the stock default-group self rule).
//	ingress-wide-port-range  tcp/udp rules opening more than WidePortSpan
//	                         ports: high for every port from the world, medium
//	                         for every port or any CIDR source, low for groups
//	                         only. Ranges a service needs wide (the ECS
//	                         dynamic host ports 32768-65535) are accepted
//	                         from groups.
//	ingress-admin-port       22 or 3389 inside the rule's range from a CIDR:
//	                         high from the world, medium from a public range,
//	                         low from a private range.
//	shared-security-group    medium when one group is attached to interfaces of
//	                         several owner kinds; high when a data store is
//	                         among them.
//
// The objects read from each service's API add (findings_owned.go,
// transit.go): db-publicly-accessible, store-unencrypted-at-rest,
// store-unencrypted-in-transit (caches without TLS; DB clusters whose
// parameter group, or engine default, does not force it), cache-without-auth,
// lb-plain-http, instance-public-ip, instance-imdsv1, unused-security-group
// and default-group-has-rules; public-subnet-workload is then reported per
// owner (an Auto Scaling group for the instances it launched).
//
// Only ingress rules are reviewed: security groups are stateful, so egress
// rules decide where a compromised workload can call out to, not who can
// reach it, and that is a separate review.
package audit
