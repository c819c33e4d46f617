package audit_test

import (
	"testing"

	"github.com/acme/platform/audit"
)

func TestSubnetTier(t *testing.T) {
	local := audit.Route{Destination: "10.0.0.0/16", Target: "local"}
	igw := audit.Route{Destination: "0.0.0.0/0", Target: "igw-0abc"}
	nat := audit.Route{Destination: "0.0.0.0/0", Target: "nat-0abc"}
	s3 := audit.Route{Destination: "pl-6da54004", Target: "vpce-0abc"}

	type want struct {
		tier         audit.Tier
		table        string
		viaMain      bool
		defaultRoute string
	}
	cases := []struct {
		name   string
		tables []audit.RouteTable
		want   want
	}{
		{"an explicit association to a table with an internet gateway default route is public",
			[]audit.RouteTable{{ID: "rtb-pub", VPCID: "vpc-1", SubnetIDs: []string{"subnet-1"}, Routes: []audit.Route{local, igw}}},
			want{audit.TierPublic, "rtb-pub", false, "igw-0abc"}},
		{"a subnet without an association falls back to the VPC's main table",
			[]audit.RouteTable{{ID: "rtb-main", VPCID: "vpc-1", Main: true, Routes: []audit.Route{local, igw}}},
			want{audit.TierPublic, "rtb-main", true, "igw-0abc"}},
		{"an explicit association wins over the main table",
			[]audit.RouteTable{
				{ID: "rtb-main", VPCID: "vpc-1", Main: true, Routes: []audit.Route{local, igw}},
				{ID: "rtb-priv", VPCID: "vpc-1", SubnetIDs: []string{"subnet-1"}, Routes: []audit.Route{local, nat}},
			},
			want{audit.TierPrivate, "rtb-priv", false, "nat-0abc"}},
		{"a NAT gateway default route is private",
			[]audit.RouteTable{{ID: "rtb-priv", VPCID: "vpc-1", SubnetIDs: []string{"subnet-1"}, Routes: []audit.Route{s3, local, nat}}},
			want{audit.TierPrivate, "rtb-priv", false, "nat-0abc"}},
		{"a transit gateway default route is private",
			[]audit.RouteTable{{ID: "rtb-tgw", VPCID: "vpc-1", SubnetIDs: []string{"subnet-1"},
				Routes: []audit.Route{local, {Destination: "0.0.0.0/0", Target: "tgw-0abc"}}}},
			want{audit.TierPrivate, "rtb-tgw", false, "tgw-0abc"}},
		{"no default route is isolated, whatever the more specific routes",
			[]audit.RouteTable{{ID: "rtb-iso", VPCID: "vpc-1", SubnetIDs: []string{"subnet-1"},
				Routes: []audit.Route{local, s3, {Destination: "192.168.0.0/16", Target: "pcx-0abc"}}}},
			want{audit.TierIsolated, "rtb-iso", false, ""}},
		{"an isolated main table makes unassociated subnets isolated",
			[]audit.RouteTable{{ID: "rtb-main", VPCID: "vpc-1", Main: true, Routes: []audit.Route{local}}},
			want{audit.TierIsolated, "rtb-main", true, ""}},
		{"::/0 to an internet gateway is public even when IPv4 goes through NAT",
			[]audit.RouteTable{{ID: "rtb-dual", VPCID: "vpc-1", SubnetIDs: []string{"subnet-1"},
				Routes: []audit.Route{local, nat, {Destination: "::/0", Target: "igw-0abc"}}}},
			want{audit.TierPublic, "rtb-dual", false, "igw-0abc"}},
		{"::/0 to an egress-only internet gateway is private",
			[]audit.RouteTable{{ID: "rtb-eigw", VPCID: "vpc-1", SubnetIDs: []string{"subnet-1"},
				Routes: []audit.Route{local, {Destination: "::/0", Target: "eigw-0abc"}}}},
			want{audit.TierPrivate, "rtb-eigw", false, "eigw-0abc"}},
		{"a blackholed internet gateway route does not make a subnet public",
			[]audit.RouteTable{{ID: "rtb-old", VPCID: "vpc-1", SubnetIDs: []string{"subnet-1"},
				Routes: []audit.Route{local, {Destination: "0.0.0.0/0", Target: "igw-0dead", Blackhole: true}}}},
			want{audit.TierIsolated, "rtb-old", false, ""}},
		{"an internet gateway route for a narrower prefix is not a default route",
			[]audit.RouteTable{{ID: "rtb-partner", VPCID: "vpc-1", SubnetIDs: []string{"subnet-1"},
				Routes: []audit.Route{local, {Destination: "203.0.113.0/24", Target: "igw-0abc"}}}},
			want{audit.TierIsolated, "rtb-partner", false, ""}},
		{"another VPC's main table does not apply",
			[]audit.RouteTable{{ID: "rtb-other", VPCID: "vpc-2", Main: true, Routes: []audit.Route{local, igw}}},
			want{audit.TierUnknown, "", false, ""}},
		{"without route tables the tier is unknown", nil, want{audit.TierUnknown, "", false, ""}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			inv := &audit.Inventory{
				Subnets:     []audit.Subnet{{ID: "subnet-1", VPCID: "vpc-1"}},
				RouteTables: tc.tables,
			}
			inv.Classify()
			s := inv.Subnets[0]
			got := want{s.Tier, s.RouteTableID, s.ViaMainTable, s.DefaultRoute}
			if got != tc.want {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestInterfaceOwner(t *testing.T) {
	const account = "111122223333"
	ecsAttachment := "arn:aws:ecs:eu-west-1:" + account + ":attachment/5d2c9a7e-1b3f-4e6a-8c0d-2f4b6a8c0e1d"
	cases := []struct {
		name string
		ifc  audit.Interface
		want audit.OwnerKind
	}{
		{"an application load balancer by description", audit.Interface{Type: "interface", Description: "ELB app/prod-web/8c2f1e7a9b3d5e60", RequesterID: "amazon-elb", RequesterManaged: true}, audit.OwnerELB},
		{"a network load balancer by interface type", audit.Interface{Type: "network_load_balancer", Description: "ELB net/prod-tcp/1a2b3c4d5e6f7a8b"}, audit.OwnerELB},
		{"a network load balancer by description alone", audit.Interface{Type: "interface", Description: "ELB net/prod-tcp/1a2b3c4d5e6f7a8b"}, audit.OwnerELB},
		{"a classic load balancer by its name", audit.Interface{Type: "interface", Description: "ELB legacy-web"}, audit.OwnerELB},
		{"a gateway load balancer", audit.Interface{Type: "gateway_load_balancer", Description: "ELB gwy/inspection/0f1e2d3c4b5a6978"}, audit.OwnerELB},
		{"a classic load balancer named after batch stays a load balancer", audit.Interface{Description: "ELB batch-api"}, audit.OwnerELB},
		{"an RDS or Aurora instance", audit.Interface{Type: "interface", Description: "RDSNetworkInterface", RequesterID: "amazon-rds", RequesterManaged: true}, audit.OwnerRDS},
		{"RDS recognised by requester when the description is missing", audit.Interface{RequesterID: "amazon-rds"}, audit.OwnerRDS},
		{"an ElastiCache node", audit.Interface{Description: "ElastiCache prod-redis-001", RequesterID: "amazon-elasticache"}, audit.OwnerElastiCache},
		{"a Lambda hyperplane interface by type", audit.Interface{Type: "lambda", Description: "AWS Lambda VPC ENI-prod-thumbnailer-3e9b6c2a"}, audit.OwnerLambda},
		{"an older Lambda interface by description", audit.Interface{Type: "interface", Description: "AWS Lambda VPC ENI-prod-thumbnailer-3e9b6c2a"}, audit.OwnerLambda},
		{"a Lambda function named after batch stays Lambda", audit.Interface{Type: "interface", Description: "AWS Lambda VPC ENI-batch-resizer-0a1b2c"}, audit.OwnerLambda},
		{"an ECS Fargate task", audit.Interface{Type: "interface", Description: ecsAttachment, RequesterID: "578734482556", RequesterManaged: true, Tags: map[string]string{"aws:ecs:clusterName": "prod"}}, audit.OwnerECS},
		{"an ECS task in another partition", audit.Interface{Description: "arn:aws-cn:ecs:cn-north-1:" + account + ":attachment/5d2c9a7e"}, audit.OwnerECS},
		{"an awsvpc task on an EC2 container instance is ECS, not EC2", audit.Interface{Description: ecsAttachment, InstanceID: "i-0abc"}, audit.OwnerECS},
		{"an interface whose requester names ECS", audit.Interface{Type: "interface", RequesterID: "amazon-ecs"}, audit.OwnerECS},
		{"a Batch job by its compute environment's cluster", audit.Interface{Description: ecsAttachment, Tags: map[string]string{"aws:ecs:clusterName": "nightly-etl_Batch_9d8c7b6a-5e4f-3a2b-1c0d-ef9876543210"}}, audit.OwnerBatch},
		{"a Batch instance by an aws:batch tag", audit.Interface{InstanceID: "i-0abc", Tags: map[string]string{"aws:batch:compute-environment": "nightly-etl"}}, audit.OwnerBatch},
		{"a Batch interface by requester", audit.Interface{RequesterID: "aws-batch", InstanceID: "i-0abc"}, audit.OwnerBatch},
		{"a Batch instance by description", audit.Interface{Description: "AWS Batch compute environment nightly-etl", InstanceID: "i-0abc"}, audit.OwnerBatch},
		{"an EC2 instance's primary interface", audit.Interface{Type: "interface", InstanceID: "i-0abc"}, audit.OwnerEC2},
		{"a NAT gateway as the CLI prints it", audit.Interface{Type: "nat_gateway", Description: "Interface for NAT Gateway nat-0abc"}, audit.OwnerNAT},
		{"a NAT gateway as the API documents it", audit.Interface{Type: "natGateway"}, audit.OwnerNAT},
		{"a NAT gateway from an older output", audit.Interface{Type: "interface", Description: "Interface for NAT Gateway nat-0abc"}, audit.OwnerNAT},
		{"an interface VPC endpoint", audit.Interface{Type: "vpc_endpoint", Description: "VPC Endpoint Interface vpce-0abc"}, audit.OwnerVPCEndpoint},
		{"a gateway load balancer endpoint", audit.Interface{Type: "gateway_load_balancer_endpoint"}, audit.OwnerVPCEndpoint},
		{"a VPC endpoint from an older output", audit.Interface{Type: "interface", Description: "VPC Endpoint Interface vpce-0abc"}, audit.OwnerVPCEndpoint},
		{"a Client VPN association", audit.Interface{Description: "ClientVPNEndpoint-cvpn-endpoint-0abc-eu-west-1a"}, audit.OwnerClientVPN},
		{"an EFS mount target is other", audit.Interface{Description: "EFS mount target for fs-0abc (fsmt-0abc)", RequesterID: "amazon-efs"}, audit.OwnerOther},
		{"a transit gateway attachment is other", audit.Interface{Type: "transit_gateway", Description: "Network Interface for Transit Gateway Attachment tgw-attach-0abc"}, audit.OwnerOther},
		{"a detached interface with nothing to go on is other", audit.Interface{Type: "interface"}, audit.OwnerOther},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := audit.ClassifyInterface(tc.ifc); got != tc.want {
				t.Fatalf("got %s, want %s for %+v", got, tc.want, tc.ifc)
			}
		})
	}
}

func TestClassifyFillsEveryInterfaceKind(t *testing.T) {
	inv := &audit.Inventory{Interfaces: []audit.Interface{
		{ID: "eni-1", Description: "RDSNetworkInterface"},
		{ID: "eni-2", InstanceID: "i-0abc"},
	}}
	inv.Classify()
	if inv.Interfaces[0].Kind != audit.OwnerRDS || inv.Interfaces[1].Kind != audit.OwnerEC2 {
		t.Fatalf("got %s and %s", inv.Interfaces[0].Kind, inv.Interfaces[1].Kind)
	}
}
