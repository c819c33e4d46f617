package audit

import (
	"fmt"
	"slices"
	"strings"
)

func init() {
	for k, v := range map[FindingKind]struct{ title, why string }{
		KindDBPubliclyAccessible: {"Publicly accessible databases",
			"A publicly accessible DB instance gets a public address; with a public subnet and a permissive group, the database listens on the internet."},
		KindUnencryptedAtRest: {"Data stores not encrypted at rest",
			"Unencrypted storage, snapshots and backups can be read by anyone who gets hold of them; encryption at rest can only be chosen when the store is created."},
		KindUnencryptedInTransit: {"Data stores without encryption in transit",
			"Without TLS, credentials and data cross the network in clear text, readable by anything on the path; a database that does not require it lets every client that forgets to ask for it connect in clear."},
		KindCacheWithoutAuth: {"Caches without authentication",
			"A Redis or Valkey cache without an AUTH token or IAM/RBAC users gives every client that reaches the port full control, including FLUSHALL and CONFIG."},
		KindLBPlainHTTP: {"Internet-facing load balancers serving plain HTTP",
			"An HTTP listener that does not redirect to HTTPS serves the application, cookies and credentials unencrypted over the internet."},
		KindInstancePublicIP: {"Instances with public IP addresses",
			"A public IP makes the instance reachable from the internet as far as its groups allow; the target design reaches instances only through a load balancer or Session Manager."},
		KindInstanceIMDSv1: {"Instances answering IMDSv1",
			"IMDSv1 hands out the instance role's credentials to any request, so a single server-side request forgery leaks them; IMDSv2 requires a session token."},
		KindUnusedSecurityGroup: {"Security groups attached to nothing",
			"An unused group is dormant exposure: whoever attaches it later inherits rules nobody reviews."},
		KindDefaultGroupRules: {"Default security groups with rules",
			"Anything launched without a group lands in the VPC's default group; it should allow nothing (CIS AWS 5.4), so a forgotten group choice fails closed."},
	} {
		kindInfo[k] = v
	}
}

// ownedFindings are the checks on the objects read from each service's
// API, reported by the resource to fix.
func (inv *Inventory) ownedFindings() []Finding {
	var out []Finding
	add := func(f Finding) { out = append(out, f) }
	subnetTier := map[string]Subnet{}
	for _, s := range inv.Subnets {
		subnetTier[s.ID] = s
	}

	// Workloads in public subnets, by owner. Aggregates (clusters,
	// replication groups) are reported through their members.
	// An instance an Auto Scaling group launched is fixed in the group
	// (its subnets, its launch template), so the group's finding names it
	// instead of a finding of its own.
	reportedGroups := map[string]bool{}
	for _, o := range inv.Owners {
		if o.Type == "Auto Scaling group" && slices.ContainsFunc(o.Subnets, func(id string) bool { return subnetTier[id].Tier == TierPublic }) {
			reportedGroups[o.ID] = true
		}
	}
	for _, o := range inv.Owners {
		if !o.Kind.IsWorkload() || o.Type == "Aurora cluster" || o.Type == "DB cluster" || o.Type == "replication group" {
			continue
		}
		if o.LaunchedBy != "" && reportedGroups[o.LaunchedBy] {
			continue
		}
		var public, forms []string
		for _, id := range o.Subnets {
			if s, ok := subnetTier[id]; ok && s.Tier == TierPublic {
				public = append(public, fmt.Sprintf("%s (%s)", id, subnetPlace(s)))
				if !slices.Contains(forms, s.InternetForm) {
					forms = append(forms, s.InternetForm)
				}
			}
		}
		if len(public) == 0 {
			continue
		}
		msg := fmt.Sprintf("%s runs in public subnet %s", o.Label(), joinAnd(public))
		if len(public) < len(o.Subnets) {
			msg = fmt.Sprintf("%s may be placed in public subnet %s (%d of its %d subnets)", o.Label(), joinAnd(public), len(public), len(o.Subnets))
		}
		msg += routesText(forms)
		if len(o.PublicIPs) > 0 {
			msg += " with public IP " + strings.Join(o.PublicIPs, ", ")
		}
		if len(o.Members) > 0 {
			msg += fmt.Sprintf("; it runs %d instances: %s", len(o.Members), strings.Join(o.Members, ", "))
		}
		add(Finding{Kind: KindPublicSubnetWorkload, Severity: SeverityHigh, Resource: o.ID,
			Related: append(append(slices.Clone(o.Subnets), o.Interfaces...), o.Members...), Detail: o.Type, Form: strings.Join(forms, "; "), Message: msg,
			Fix: "move compute (EC2, ECS, Batch, Lambda) to private subnets behind a NAT gateway and data stores (RDS, ElastiCache) to isolated subnets; leave only load balancers and NAT gateways in public subnets"})
	}

	for _, i := range inv.DBInstances {
		if i.PubliclyAccessible {
			add(Finding{Kind: KindDBPubliclyAccessible, Severity: SeverityHigh, Resource: i.DBInstanceIdentifier,
				Related: sortedSet(append([]string{i.DBClusterIdentifier}, i.GroupIDs()...)), Detail: i.Engine,
				Message: fmt.Sprintf("DB instance %s (%s%s) is publicly accessible: it has a public address", i.DBInstanceIdentifier, i.Engine, memberOf(i.DBClusterIdentifier)),
				Fix:     "modify the instance with --no-publicly-accessible (in place, no replacement) once nothing connects through the public address"})
		}
		if i.DBClusterIdentifier == "" && !i.StorageEncrypted {
			add(atRest(i.DBInstanceIdentifier, "DB instance "+i.DBInstanceIdentifier, "restore an encrypted copy of a snapshot (copy-db-snapshot with a KMS key) and switch over; RDS cannot encrypt an instance in place"))
		}
	}
	for _, c := range inv.DBClusters {
		if !c.StorageEncrypted {
			add(atRest(c.DBClusterIdentifier, "DB cluster "+c.DBClusterIdentifier+" ("+c.Engine+")", "restore the cluster from an encrypted snapshot copy (or add an encrypted replica cluster) and switch over; Aurora cannot encrypt a cluster in place"))
		}
	}
	out = append(out, inv.clusterTransitFindings()...)
	for _, g := range inv.ReplicationGroups {
		label := "replication group " + g.ReplicationGroupId
		if !isTrue(g.AtRestEncryptionEnabled) {
			add(atRest(g.ReplicationGroupId, label, "create an encrypted replication group from a backup of this one and switch clients over; at-rest encryption is fixed at creation"))
		}
		if !isTrue(g.TransitEncryptionEnabled) {
			add(inTransit(g.ReplicationGroupId, label))
		}
		if isRedis(g.Engine) && !isTrue(g.AuthTokenEnabled) && len(g.UserGroupIds) == 0 {
			add(noAuth(g.ReplicationGroupId, label))
		}
	}
	for _, c := range inv.CacheClusters {
		if c.ReplicationGroupId != "" {
			continue // reported with its replication group
		}
		label := "cache cluster " + c.CacheClusterId + " (" + c.Engine + ")"
		if !isTrue(c.AtRestEncryptionEnabled) {
			add(atRest(c.CacheClusterId, label, "create an encrypted cluster and move clients to it; at-rest encryption is fixed at creation"))
		}
		if !isTrue(c.TransitEncryptionEnabled) {
			add(inTransit(c.CacheClusterId, label))
		}
		if isRedis(c.Engine) && !isTrue(c.AuthTokenEnabled) {
			add(noAuth(c.CacheClusterId, label))
		}
	}

	for _, lb := range inv.LoadBalancers {
		if !lb.InternetFacing() {
			continue
		}
		for _, l := range lb.Listeners {
			if l.Protocol != "HTTP" || l.RedirectsToHTTPS() {
				continue
			}
			add(Finding{Kind: KindLBPlainHTTP, Severity: SeverityMedium, Resource: lb.LoadBalancerName,
				Related: []string{l.ListenerArn}, Detail: fmt.Sprintf("HTTP %d", l.Port),
				Message: fmt.Sprintf("internet-facing load balancer %s serves plain HTTP on port %d without redirecting to HTTPS", lb.LoadBalancerName, l.Port),
				Fix:     "add an HTTPS listener with an ACM certificate and make the HTTP listener's default action a redirect to HTTPS (HTTP_301)"})
		}
	}

	for _, i := range inv.Instances {
		if !i.Running() {
			continue
		}
		name := "EC2 instance " + i.InstanceId
		if n := TagValue(i.Tags, "Name"); n != "" {
			name += " (" + n + ")"
		}
		// What an Auto Scaling group launched is fixed in its launch
		// template: an instance changed by hand is replaced by one like it.
		fixIn := ""
		if o, ok := inv.Owner(OwnerEC2, i.InstanceId); ok && o.LaunchedBy != "" {
			name += ", launched by Auto Scaling group " + o.LaunchedBy
			fixIn = "; fix it in the launch template (or configuration) of Auto Scaling group " + o.LaunchedBy + ", then refresh its instances, or the next instance it launches is the same"
		}
		ips := i.PublicIPs()
		if len(ips) > 0 {
			add(Finding{Kind: KindInstancePublicIP, Severity: SeverityMedium, Resource: i.InstanceId, Related: ips, Detail: strings.Join(ips, ", "),
				Message: fmt.Sprintf("%s has public IP %s", name, strings.Join(ips, ", ")),
				Fix:     "run it in a private subnet without a public IP, behind a load balancer; reach it with Session Manager" + fixIn})
		}
		if i.IMDSv1() {
			f := Finding{Kind: KindInstanceIMDSv1, Severity: SeverityMedium, Resource: i.InstanceId, Detail: "HttpTokens " + orText(httpTokens(i), "unset"),
				Message: fmt.Sprintf("%s answers IMDSv1 (HttpTokens %s)", name, orText(httpTokens(i), "unset")),
				Fix:     "aws ec2 modify-instance-metadata-options --http-tokens required (in place) after checking the software uses IMDSv2 (AWS SDKs from 2019 on do)" + fixIn}
			if len(ips) > 0 {
				// Reachable from the internet and one SSRF away from its
				// role's credentials.
				f.Severity = SeverityHigh
				f.Message += " and has a public IP"
			}
			add(f)
		}
	}

	notRead := inv.Incomplete()
	for _, g := range inv.SecurityGroups {
		attached := len(inv.AttachedKinds(g.ID)) > 0
		if g.Name == "default" {
			if n := len(g.Ingress) + len(g.Egress); n > 0 {
				f := Finding{Kind: KindDefaultGroupRules, Severity: SeverityLow, Resource: g.ID, Detail: g.VPCID,
					Message: fmt.Sprintf("default group %s of %s has %d ingress and %d egress rules%s", g.ID, g.VPCID, len(g.Ingress), len(g.Egress), attachedText(inv.AttachedKinds(g.ID))),
					Fix:     "remove every rule of the default group (the platform's network.manageDefaultSecurityGroup does) after moving what uses it to its own group"}
				if attached {
					f.Severity = SeverityMedium
				}
				add(f)
			}
			continue
		}
		if attached {
			continue
		}
		msg := fmt.Sprintf("%s is attached to nothing", groupLabel(g))
		if refs := inv.referencedBy(g.ID); len(refs) > 0 {
			msg += "; rules of " + strings.Join(refs, ", ") + " still name it, which keeps it from being deleted"
		}
		if notRead {
			msg += " (the audit could not read every service, so something unread may use it)"
		}
		add(Finding{Kind: KindUnusedSecurityGroup, Severity: SeverityLow, Resource: g.ID, Detail: g.VPCID, Message: msg,
			Fix: "delete the group (after removing rules of other groups that reference it)"})
	}
	return out
}

func (inv *Inventory) referencedBy(groupID string) []string {
	var out []string
	for _, g := range inv.SecurityGroups {
		if g.ID == groupID {
			continue
		}
		for _, r := range append(slices.Clone(g.Ingress), g.Egress...) {
			if slices.Contains(r.GroupIDs, groupID) {
				out = append(out, g.ID)
				break
			}
		}
	}
	return out
}

func memberOf(cluster string) string {
	if cluster == "" {
		return ""
	}
	return ", member of " + cluster
}

func atRest(id, label, fix string) Finding {
	return Finding{Kind: KindUnencryptedAtRest, Severity: SeverityMedium, Resource: id, Detail: label,
		Message: label + " is not encrypted at rest", Fix: fix}
}

func inTransit(id, label string) Finding {
	return Finding{Kind: KindUnencryptedInTransit, Severity: SeverityMedium, Resource: id, Detail: label,
		Message: label + " does not encrypt traffic in transit",
		Fix:     "turn on in-transit encryption (Redis OSS 7+/Valkey: TransitEncryptionMode preferred, then required, in place; older engines need a new cluster) and make clients use TLS"}
}

func noAuth(id, label string) Finding {
	return Finding{Kind: KindCacheWithoutAuth, Severity: SeverityMedium, Resource: id, Detail: label,
		Message: label + " accepts clients without authentication (no AUTH token, no user group)",
		Fix:     "attach a user group with IAM-authenticated users (needs in-transit encryption) or set an AUTH token with the ROTATE strategy"}
}

func isTrue(b *bool) bool { return b != nil && *b }

func isRedis(engine string) bool {
	e := strings.ToLower(engine)
	return e == "" || e == "redis" || e == "valkey"
}

func httpTokens(i Instance) string {
	if i.MetadataOptions == nil {
		return ""
	}
	return i.MetadataOptions.HttpTokens
}
