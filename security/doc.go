// Package security makes the bad security-group states of the old platform
// impossible to express: groups open to 0.0.0.0/0 on every port, and one group
// shared by unrelated workloads.
//
// It has two layers.
//
// The pure layer (every file but group.go and policy.go, importing only the
// standard library and internal/problems) turns the workloads, the
// `platform:security` config and the network facts into a checked allow
// Graph with Build. Every invariant is checked there, before anything exists,
// and every problem is reported at once at its full config key:
//
//   - one security group per workload; rules between workloads name the other
//     side's group ID, and every allowed flow is written on both sides (ingress
//     on the target, egress on the source);
//   - egress is explicit: compute reaches the interface endpoints and gateway
//     prefix lists on 443, and the internet on 443 only when it asks; data
//     stores and endpoints have no egress at all;
//   - the only address ranges are 0.0.0.0/0 into an internet-facing alb on 443
//     and 80, 0.0.0.0/0 out on 443 for internet egress, and the Client VPN
//     client range on an explicitly given port;
//   - no protocol -1, no port 22 or 3389, no range wider than the target's
//     service port, no self rule, quotas respected.
//
// The graph also answers who can reach a workload (WhoCanReach) and renders
// docs/network-rules.md (RenderMarkdown).
//
// The Pulumi layer (NewPolicy) turns a Graph into one component per group,
// each holding its aws.ec2.SecurityGroup (no inline rules) and its own
// standalone vpc.SecurityGroupIngressRule / SecurityGroupEgressRule resources.
// A group's ID is handed out only through Group.Claim, which refuses a second
// owner: attaching one group to two workloads cannot be written.
package security
