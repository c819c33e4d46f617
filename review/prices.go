package review

// Every price the cost report uses lives in this file.
//
// Region: us-east-1 (US East, N. Virginia), on-demand list prices in USD,
// before tax, without free tier, savings plans or enterprise discounts.
// Figures as published in 2025 on the AWS pricing pages below (written down
// offline, not re-read live: re-check them before relying on a figure):
//
//   - NAT gateway, $0.045 per gateway-hour and $0.045 per GB processed:
//     https://aws.amazon.com/vpc/pricing/
//   - Interface VPC endpoint (AWS PrivateLink), $0.01 per endpoint-hour in
//     each Availability Zone (one ENI per zone) and $0.01 per GB for the first
//     PB; gateway endpoints (S3, DynamoDB) are free:
//     https://aws.amazon.com/privatelink/pricing/
//   - AWS Client VPN, $0.10 per endpoint association-hour (one per associated
//     subnet) and $0.05 per connection-hour: https://aws.amazon.com/vpn/pricing/
//   - Application Load Balancer, $0.0225 per ALB-hour and $0.008 per LCU-hour;
//     Network Load Balancer $0.0225 per NLB-hour and $0.006 per NLCU-hour:
//     https://aws.amazon.com/elasticloadbalancing/pricing/
//   - Public IPv4 address, $0.005 per IP-hour, in use or idle (since 1
//     February 2024), including Elastic IPs and the addresses of internet-facing
//     load balancers: https://aws.amazon.com/vpc/pricing/ ("Public IPv4
//     Address" tab).
//
//   - AWS KMS customer-managed key, $1.00 per key per month (prorated by the
//     hour); each automatic rotation adds $1.00 a month for the first and
//     second rotation of a key, none after; $0.03 per 10,000 requests:
//     https://aws.amazon.com/kms/pricing/
//   - AWS Backup, Amazon Aurora snapshot backup storage $0.021 per GB-month
//     (warm; the same in the disaster-recovery regions the stacks use):
//     https://aws.amazon.com/backup/pricing/
//   - ElastiCache backup storage $0.085 per GB-month:
//     https://aws.amazon.com/elasticache/pricing/
//   - Data transfer between regions (a copy to another region's vault)
//     $0.02 per GB: https://aws.amazon.com/ec2/pricing/on-demand/ (data transfer)
//   - CloudWatch alarms, $0.10 per standard-resolution alarm metric per month
//     (a metric math alarm pays for each metric it reads):
//     https://aws.amazon.com/cloudwatch/pricing/
//   - AWS WAF, $5.00 per web ACL per month, $1.00 per rule per month (a managed
//     rule group counts as one rule) and $0.60 per million requests:
//     https://aws.amazon.com/waf/pricing/
//   - EventBridge Scheduler, 14 million invocations a month free, then $1.00
//     per million: https://aws.amazon.com/eventbridge/pricing/
//   - Route 53: records in an existing hosted zone cost nothing more; alias
//     queries to AWS resources such as a load balancer are free. ACM public
//     certificates are free: https://aws.amazon.com/route53/pricing/
//   - SNS: the first 1,000 email notifications a month are free; HTTP/S
//     deliveries $0.60 per million: https://aws.amazon.com/sns/pricing/
//
// A month is 730 hours (365 days x 24 h / 12), as the AWS Pricing Calculator
// counts it. A region missing here is an error, never a guess.

// HoursPerMonth is the month the estimates use.
const HoursPerMonth = 730

// Prices are one region's hourly prices for the fixed parts of the network
// and access layer, plus the usage-based rates the report names but does not
// add up. Money is exact (millionths of a dollar), so totals never drift.
type Prices struct {
	Region string
	// AsOf says when the figures were read from the pricing pages.
	AsOf string

	NATGatewayHour              Money
	InterfaceEndpointZoneHour   Money // per endpoint, per Availability Zone (ENI)
	GatewayEndpointHour         Money // S3 and DynamoDB gateway endpoints: free
	ClientVPNAssociationHour    Money // per associated subnet
	ApplicationLoadBalancerHour Money
	NetworkLoadBalancerHour     Money
	PublicIPv4Hour              Money // Elastic IPs and load balancer addresses

	// Data protection: monthly, not hourly.
	KMSKeyMonth                Money // per customer-managed key
	AuroraBackupGBMonth        Money // AWS Backup warm storage of Aurora snapshots
	ElastiCacheSnapshotGBMonth Money
	InterRegionTransferGB      Money
	KMSRequests10k             Money // usage-based

	// Operations, billed by the month: a standard-resolution alarm per metric
	// it reads, a WAF web ACL and each of its rules.
	AlarmMetricMonth Money
	WebACLMonth      Money
	WAFRuleMonth     Money

	// Usage-based: named in the report, not added to the fixed total.
	NATGatewayPerGB                Money
	InterfaceEndpointPerGB         Money
	ClientVPNConnectionHour        Money
	ApplicationLoadBalancerLCUHour Money
	WAFRequestsPerMillion          Money
	SchedulerPerMillion            Money // after SchedulerFreeMillions invocations a month
	SchedulerFreeMillions          int
	Route53AliasQueriesToAWS       Money // alias queries to AWS resources (a load balancer): free
	SNSHTTPNotificationsPerMill    Money // HTTP/S deliveries; the first 1,000 emails a month are free
}

// priceTables holds the regions the report can price.
var priceTables = map[string]Prices{
	"us-east-1": {
		Region: "us-east-1",
		AsOf:   "2025",

		NATGatewayHour:              Dollars(0.045),
		InterfaceEndpointZoneHour:   Dollars(0.01),
		GatewayEndpointHour:         0,
		ClientVPNAssociationHour:    Dollars(0.10),
		ApplicationLoadBalancerHour: Dollars(0.0225),
		NetworkLoadBalancerHour:     Dollars(0.0225),
		PublicIPv4Hour:              Dollars(0.005),

		KMSKeyMonth:                Dollars(1.00),
		AuroraBackupGBMonth:        Dollars(0.021),
		ElastiCacheSnapshotGBMonth: Dollars(0.085),
		InterRegionTransferGB:      Dollars(0.02),
		KMSRequests10k:             Dollars(0.03),

		NATGatewayPerGB:                Dollars(0.045),
		InterfaceEndpointPerGB:         Dollars(0.01),
		ClientVPNConnectionHour:        Dollars(0.05),
		ApplicationLoadBalancerLCUHour: Dollars(0.008),

		AlarmMetricMonth: Dollars(0.10),
		WebACLMonth:      Dollars(5.00),
		WAFRuleMonth:     Dollars(1.00),

		WAFRequestsPerMillion:       Dollars(0.60),
		SchedulerPerMillion:         Dollars(1.00),
		SchedulerFreeMillions:       14,
		Route53AliasQueriesToAWS:    0,
		SNSHTTPNotificationsPerMill: Dollars(0.60),
	},
}
