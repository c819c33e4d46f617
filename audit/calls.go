package audit

import (
	"encoding/json"
	"slices"
	"strings"
)

// Call is one read-only AWS API operation the audit uses. Calls is the one
// table of them: the live reader (audit/live) refuses to send any operation
// that is not listed here, the IAM policy (Policy) is derived from it, and
// the snapshot folder holds one file per call that has one. Adding a read
// means adding a row, which updates the policy, the documented CLI commands
// and the snapshot layout together.
type Call struct {
	// Service is the AWS CLI's name for the service: ec2, elbv2, rds,
	// elasticache, lambda, ecs, batch, autoscaling.
	Service string
	// Operation is the API operation, as IAM and the SDK name it.
	Operation string
	// File is where the output goes in a snapshot folder. A name ending in
	// "/" is a folder holding one file per resource, named <id>.json,
	// because the output does not say which resource it belongs to (prefix
	// list entries). Empty for calls that only list ids for a later call.
	File string
	// Key is the output's top-level member holding the items, spelt as the
	// CLI prints it (ECS and Batch use lowerCamelCase member names).
	Key string
	// Per names the parameter when the call is made once per resource
	// ("--load-balancer-arn"); those outputs are merged into one file (or,
	// for a folder, one file each). Empty for account-wide calls.
	Per string
	// Args are extra CLI arguments the audit needs in the output.
	Args string
	// Required calls are the five the audit has always needed: an offline
	// folder without a manifest must hold their files.
	Required bool
}

// Calls lists every operation the audit makes, in the order the live reader
// makes them.
var Calls = []Call{
	{Service: "ec2", Operation: "DescribeVpcs", File: VPCsFile, Key: "Vpcs", Required: true},
	{Service: "ec2", Operation: "DescribeSubnets", File: SubnetsFile, Key: "Subnets", Required: true},
	{Service: "ec2", Operation: "DescribeRouteTables", File: RouteTablesFile, Key: "RouteTables", Required: true},
	{Service: "ec2", Operation: "DescribeSecurityGroups", File: SecurityGroupsFile, Key: "SecurityGroups", Required: true},
	{Service: "ec2", Operation: "DescribeNetworkInterfaces", File: NetworkInterfacesFile, Key: "NetworkInterfaces", Required: true},
	{Service: "ec2", Operation: "DescribeInstances", File: "instances.json", Key: "Reservations"},
	{Service: "ec2", Operation: "DescribeNatGateways", File: "nat-gateways.json", Key: "NatGateways"},
	{Service: "ec2", Operation: "DescribeVpcEndpoints", File: "vpc-endpoints.json", Key: "VpcEndpoints"},
	{Service: "ec2", Operation: "DescribeManagedPrefixLists", File: "managed-prefix-lists.json", Key: "PrefixLists"},
	{Service: "ec2", Operation: "GetManagedPrefixListEntries", File: "managed-prefix-list-entries/", Key: "Entries", Per: "--prefix-list-id"},
	{Service: "elbv2", Operation: "DescribeLoadBalancers", File: "elbv2-load-balancers.json", Key: "LoadBalancers"},
	{Service: "elbv2", Operation: "DescribeListeners", File: "elbv2-listeners.json", Key: "Listeners", Per: "--load-balancer-arn"},
	{Service: "rds", Operation: "DescribeDBClusters", File: "rds-db-clusters.json", Key: "DBClusters"},
	{Service: "rds", Operation: "DescribeDBInstances", File: "rds-db-instances.json", Key: "DBInstances"},
	{Service: "rds", Operation: "DescribeDBSubnetGroups", File: "rds-db-subnet-groups.json", Key: "DBSubnetGroups"},
	{Service: "rds", Operation: "DescribeDBClusterParameterGroups", File: "rds-db-cluster-parameter-groups.json", Key: "DBClusterParameterGroups"},
	{Service: "rds", Operation: "DescribeDBClusterParameters", File: "rds-db-cluster-parameters/", Key: "Parameters", Per: "--db-cluster-parameter-group-name", Args: "--source user"},
	{Service: "elasticache", Operation: "DescribeReplicationGroups", File: "elasticache-replication-groups.json", Key: "ReplicationGroups"},
	{Service: "elasticache", Operation: "DescribeCacheClusters", File: "elasticache-cache-clusters.json", Key: "CacheClusters", Args: "--show-cache-node-info"},
	{Service: "elasticache", Operation: "DescribeCacheSubnetGroups", File: "elasticache-cache-subnet-groups.json", Key: "CacheSubnetGroups"},
	{Service: "lambda", Operation: "ListFunctions", File: "lambda-functions.json", Key: "Functions"},
	{Service: "ecs", Operation: "ListClusters", Key: "clusterArns"},
	{Service: "ecs", Operation: "DescribeClusters", File: "ecs-clusters.json", Key: "clusters", Per: "--clusters"},
	{Service: "ecs", Operation: "ListServices", Key: "serviceArns", Per: "--cluster"},
	{Service: "ecs", Operation: "DescribeServices", File: "ecs-services.json", Key: "services", Per: "--cluster"},
	{Service: "ecs", Operation: "ListTasks", Key: "taskArns", Per: "--cluster"},
	{Service: "ecs", Operation: "DescribeTasks", File: "ecs-tasks.json", Key: "tasks", Per: "--cluster"},
	{Service: "batch", Operation: "DescribeComputeEnvironments", File: "batch-compute-environments.json", Key: "computeEnvironments"},
	// The job queues: a compute environment cannot be deleted while a queue
	// uses it, so a migration removes its queues with it.
	{Service: "batch", Operation: "DescribeJobQueues", File: "batch-job-queues.json", Key: "jobQueues"},
	{Service: "autoscaling", Operation: "DescribeAutoScalingGroups", File: "autoscaling-groups.json", Key: "AutoScalingGroups"},
	// The launch template versions the groups use: one call for every
	// template's $Latest and $Default, one per template for numbered
	// versions.
	{Service: "ec2", Operation: "DescribeLaunchTemplateVersions", File: "launch-template-versions.json", Key: "LaunchTemplateVersions", Per: "--launch-template-id"},
	{Service: "autoscaling", Operation: "DescribeLaunchConfigurations", File: "autoscaling-launch-configurations.json", Key: "LaunchConfigurations"},
}

// iamPrefix is each service's prefix in IAM actions, where it differs from
// the CLI's name.
var iamPrefix = map[string]string{
	"elbv2": "elasticloadbalancing",
}

// Action is the IAM action that allows the call, e.g. ec2:DescribeVpcs.
func (c Call) Action() string {
	p := c.Service
	if v, ok := iamPrefix[p]; ok {
		p = v
	}
	return p + ":" + c.Operation
}

// Name is the call as the CLI spells it: "ec2 describe-vpcs".
func (c Call) Name() string {
	return c.Service + " " + kebab(c.Operation)
}

// kebab turns DescribeDBClusters into describe-db-clusters the way the CLI
// does: a run of capitals is one word, except its last letter when a
// lowercase letter follows.
func kebab(op string) string {
	var b strings.Builder
	rs := []rune(op)
	for i, r := range rs {
		upper := r >= 'A' && r <= 'Z'
		if upper && i > 0 {
			prevLower := rs[i-1] >= 'a' && rs[i-1] <= 'z'
			nextLower := i+1 < len(rs) && rs[i+1] >= 'a' && rs[i+1] <= 'z'
			prevUpper := rs[i-1] >= 'A' && rs[i-1] <= 'Z'
			if prevLower || (prevUpper && nextLower) {
				b.WriteByte('-')
			}
		}
		b.WriteString(strings.ToLower(string(r)))
	}
	return b.String()
}

// CallFor returns the row of Calls for a service and operation.
func CallFor(service, operation string) (Call, bool) {
	i := slices.IndexFunc(Calls, func(c Call) bool { return c.Service == service && c.Operation == operation })
	if i < 0 {
		return Call{}, false
	}
	return Calls[i], true
}

// Actions lists the IAM actions of every call, sorted and without repeats.
func Actions() []string {
	var out []string
	for _, c := range Calls {
		out = append(out, c.Action())
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Policy is the minimal IAM policy the audit needs: the read-only actions
// of Calls and nothing else. None of them supports resource-level
// permissions, so the resource is "*".
func Policy() []byte {
	doc := map[string]any{
		"Version": "2012-10-17",
		"Statement": []any{map[string]any{
			"Sid":      "NetworkAuditReadOnly",
			"Effect":   "Allow",
			"Action":   Actions(),
			"Resource": "*",
		}},
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		panic(err) // a fixed document of strings always marshals
	}
	return append(b, '\n')
}

// Commands renders the AWS CLI commands that collect a snapshot folder by
// hand, one per call that has a file, for users who cannot run the SDK
// reader. Calls made once per resource become shell loops.
func Commands() string {
	var b strings.Builder
	for _, c := range Calls {
		if c.File == "" {
			continue
		}
		b.WriteString(command(c))
		b.WriteByte('\n')
	}
	return b.String()
}

func command(c Call) string {
	args := ""
	if c.Args != "" {
		args = " " + c.Args
	}
	switch c.Operation {
	case "GetManagedPrefixListEntries":
		return "mkdir -p " + c.File + "\n" +
			"for pl in $(aws ec2 describe-managed-prefix-lists --query 'PrefixLists[].PrefixListId' --output text); do\n" +
			"  aws ec2 get-managed-prefix-list-entries --prefix-list-id \"$pl\" > " + c.File + "\"$pl.json\"\n" +
			"done"
	case "DescribeDBClusterParameters":
		// Default groups hold no value a user set, and cannot be changed.
		return "mkdir -p " + c.File + "\n" +
			"for g in $(aws rds describe-db-cluster-parameter-groups --query 'DBClusterParameterGroups[?!starts_with(DBClusterParameterGroupName, `default.`)].DBClusterParameterGroupName' --output text); do\n" +
			"  aws rds describe-db-cluster-parameters --db-cluster-parameter-group-name \"$g\"" + args + " > " + c.File + "\"$g.json\"\n" +
			"done"
	case "DescribeLaunchTemplateVersions":
		return "aws ec2 describe-launch-template-versions --versions '$Latest' '$Default' > " + c.File + "\n" +
			"# numbered versions (of a group's own template; add those of mixed instances policies the same way)\n" +
			"for lt in $(aws autoscaling describe-auto-scaling-groups --query 'AutoScalingGroups[?LaunchTemplate.Version && LaunchTemplate.Version!=`\"$Latest\"` && LaunchTemplate.Version!=`\"$Default\"`].[LaunchTemplate.LaunchTemplateId,LaunchTemplate.Version]' --output text | tr '\\t' ','); do\n" +
			"  aws ec2 describe-launch-template-versions --launch-template-id \"${lt%,*}\" --versions \"${lt#*,}\"\n" +
			"done >> " + c.File
	case "DescribeListeners":
		return "for lb in $(aws elbv2 describe-load-balancers --query 'LoadBalancers[].LoadBalancerArn' --output text); do\n" +
			"  aws elbv2 describe-listeners --load-balancer-arn \"$lb\"\n" +
			"done > " + c.File
	case "DescribeClusters":
		return "for c in $(aws ecs list-clusters --query clusterArns --output text); do\n" +
			"  aws ecs describe-clusters --clusters \"$c\"\n" +
			"done > " + c.File
	case "DescribeServices":
		return "for c in $(aws ecs list-clusters --query clusterArns --output text); do\n" +
			"  for s in $(aws ecs list-services --cluster \"$c\" --query serviceArns --output text); do\n" +
			"    aws ecs describe-services --cluster \"$c\" --services \"$s\"\n" +
			"  done\n" +
			"done > " + c.File
	case "DescribeTasks":
		return "for c in $(aws ecs list-clusters --query clusterArns --output text); do\n" +
			"  for t in $(aws ecs list-tasks --cluster \"$c\" --query taskArns --output text); do\n" +
			"    aws ecs describe-tasks --cluster \"$c\" --tasks \"$t\"\n" +
			"  done\n" +
			"done > " + c.File
	}
	return "aws " + c.Name() + args + " > " + c.File
}
