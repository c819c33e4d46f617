// Package compute declares the platform's workloads and builds them: an
// application load balancer, EC2 fleets, ECS services on Fargate, Lambda
// functions, Batch jobs, Aurora clusters and ElastiCache replication groups.
//
// The stack value `platform:workloads` maps a workload name to a spec with a
// kind. The name is the workload's stable identity: every resource it owns is
// named `<prefix>-<name>-...`, and the security package gives it its own
// security group. Each kind lives in one tier and nothing gets a public IP:
//
//	alb            public subnets (internet-facing) or private subnets (internal)
//	ec2, ecs,      private subnets, reaching out only through NAT or VPC endpoints
//	lambda, batch
//	aurora, cache  isolated subnets: no route out at all
//
// Config is decoded strictly per kind (an unknown key is an error with a
// suggestion) and validated as a whole, with every problem reported at once
// before any resource is registered. The components take plain, validated Go
// specs plus pulumi Inputs only for values that come from other resources
// (the VPC, subnet IDs, security group IDs, target group ARNs).
package compute
