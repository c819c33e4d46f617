package review

import "sort"

// catalogue is every control the review checks. Titles are Security Hub's,
// verbatim (AWS Security Hub CSPM user guide, "Controls that apply to the AWS
// Foundational Security Best Practices standard" and the per-service control
// pages). Each check reads only resource types, inputs and recorded
// dependencies; see the Checks sentence of each control.
var catalogue = []Control{
	// Auto Scaling
	{ID: "AutoScaling.1", Title: "Amazon EC2 Auto Scaling groups associated with a load balancer should use ELB health checks", Standard: StandardFSBP,
		Checks: "every autoscaling.Group with targetGroupArns, loadBalancers or trafficSources has healthCheckType ELB", check: checkASGHealth},
	{ID: "AutoScaling.2", Title: "Amazon EC2 Auto Scaling group should cover multiple Availability Zones", Standard: StandardFSBP,
		Checks: "every autoscaling.Group's vpcZoneIdentifiers (or availabilityZones) span at least two zones", check: checkASGZones},
	{ID: "AutoScaling.6", Title: "Amazon EC2 Auto Scaling groups should use multiple instance types in multiple Availability Zones", Standard: StandardFSBP,
		Checks: "every autoscaling.Group has a mixedInstancesPolicy with at least two instance types, in at least two zones", check: checkASGTypes},
	{ID: "AutoScaling.9", Title: "Amazon EC2 Auto Scaling groups should use Amazon EC2 launch templates", Standard: StandardFSBP,
		Checks: "every autoscaling.Group launches from a launchTemplate (directly or in its mixedInstancesPolicy), never a launchConfiguration", check: checkASGLaunchTemplate},

	// EC2 and VPC
	{ID: "EC2.2", Title: "VPC default security groups should not allow inbound or outbound traffic", Standard: StandardFSBP,
		Checks: "every ec2.Vpc has an ec2.DefaultSecurityGroup with no ingress or egress, and no standalone rule targets it", check: checkDefaultSG},
	{ID: "EC2.6", Title: "VPC flow logging should be enabled in all VPCs", Standard: StandardFSBP,
		Checks: "every ec2.Vpc has an ec2.FlowLog (vpcId) recording REJECT or ALL traffic", check: checkFlowLogs},
	{ID: "EC2.8", Title: "EC2 instances should use Instance Metadata Service Version 2 (IMDSv2)", Standard: StandardFSBP,
		Checks: `every ec2.Instance and every ec2.LaunchTemplate (for the instances it launches) sets metadataOptions.httpTokens "required"`, check: checkIMDSv2(true)},
	{ID: "EC2.9", Title: "Amazon EC2 instances should not have a public IPv4 address", Standard: StandardFSBP,
		Checks: "no ec2.Instance or ec2.LaunchTemplate network interface sets associatePublicIpAddress, and no instance or Auto Scaling group launches into a subnet with mapPublicIpOnLaunch", check: checkInstancePublicIP},
	{ID: "EC2.10", Title: "Amazon EC2 should be configured to use VPC endpoints that are created for the Amazon EC2 service", Standard: StandardFSBP,
		Checks: "every ec2.Vpc has an interface ec2.VpcEndpoint for com.amazonaws.<region>.ec2", check: checkEndpoint("ec2", "Amazon EC2")},
	{ID: "EC2.15", Title: "Amazon EC2 subnets should not automatically assign public IP addresses", Standard: StandardFSBP,
		Checks: "no ec2.Subnet sets mapPublicIpOnLaunch true; an imported subnet is reported, not exempt", check: checkSubnetPublicIP},
	{ID: "EC2.18", Title: "Security groups should only allow unrestricted incoming traffic for authorized ports", Standard: StandardFSBP,
		Checks: "every ingress permission from 0.0.0.0/0 or ::/0 (standalone rules, legacy rules, inline blocks) is TCP 80 or TCP 443 alone", check: checkAuthorizedPorts},
	{ID: "EC2.19", Title: "Security groups should not allow unrestricted access to ports with high risk", Standard: StandardFSBP,
		Checks: "no ingress permission from 0.0.0.0/0 or ::/0 covers " + highRiskList, check: checkHighRiskPorts},
	{ID: "EC2.25", Title: "Amazon EC2 launch templates should not assign public IPs to network interfaces", Standard: StandardFSBP,
		Checks: "no ec2.LaunchTemplate network interface sets associatePublicIpAddress true", check: checkLaunchTemplatePublicIP},
	{ID: "EC2.51", Title: "EC2 Client VPN endpoints should have client connection logging enabled", Standard: StandardFSBP,
		Checks: "every ec2clientvpn.Endpoint sets connectionLogOptions.enabled true", check: checkVPNLogging},
	{ID: "EC2.53", Title: "EC2 security groups should not allow ingress from 0.0.0.0/0 to remote server administration ports", Standard: StandardCISPCI,
		Checks: "no ingress permission from 0.0.0.0/0 (tcp, udp or all) covers port 22 or 3389", check: checkAdminPorts("0.0.0.0/0")},
	{ID: "EC2.54", Title: "EC2 security groups should not allow ingress from ::/0 to remote server administration ports", Standard: StandardCISPCI,
		Checks: "no ingress permission from ::/0 (tcp, udp or all) covers port 22 or 3389", check: checkAdminPorts("::/0")},
	{ID: "EC2.55", Title: "VPCs should be configured with an interface endpoint for ECR API", Standard: StandardFSBP,
		Checks: "every ec2.Vpc has an interface ec2.VpcEndpoint for com.amazonaws.<region>.ecr.api", check: checkEndpoint("ecr.api", "the ECR API")},
	{ID: "EC2.56", Title: "VPCs should be configured with an interface endpoint for Docker Registry", Standard: StandardFSBP,
		Checks: "every ec2.Vpc has an interface ec2.VpcEndpoint for com.amazonaws.<region>.ecr.dkr", check: checkEndpoint("ecr.dkr", "the ECR Docker registry")},
	{ID: "EC2.57", Title: "VPCs should be configured with an interface endpoint for Systems Manager", Standard: StandardFSBP,
		Checks: "every ec2.Vpc has an interface ec2.VpcEndpoint for com.amazonaws.<region>.ssm", check: checkEndpoint("ssm", "Systems Manager")},
	{ID: "EC2.170", Title: "EC2 launch templates should use Instance Metadata Service Version 2 (IMDSv2)", Standard: StandardFSBP,
		Checks: `every ec2.LaunchTemplate sets metadataOptions.httpTokens "required"`, check: checkIMDSv2(false)},
	{ID: "EC2.181", Title: "EC2 launch templates should enable encryption for attached EBS volumes", Standard: StandardFSBP,
		Checks: "every EBS block device mapping of every ec2.LaunchTemplate sets encrypted true", check: checkLaunchTemplateEBS},

	// ECS
	{ID: "ECS.2", Title: "ECS services should not have public IP addresses assigned to them automatically", Standard: StandardFSBP,
		Checks: "no ecs.Service sets networkConfiguration.assignPublicIp true", check: checkECSPublicIP(tECSService)},
	{ID: "ECS.3", Title: "ECS task definitions should not share the host's process namespace", Standard: StandardFSBP,
		Checks: `no ecs.TaskDefinition sets pidMode "host"`, check: checkECSPidMode},
	{ID: "ECS.4", Title: "ECS containers should run as non-privileged", Standard: StandardFSBP,
		Checks: "no container in an ecs.TaskDefinition's containerDefinitions sets privileged true", check: checkECSContainers("privileged")},
	{ID: "ECS.5", Title: "ECS containers should be limited to read-only access to root filesystems", Standard: StandardFSBP,
		Checks: "every container in an ecs.TaskDefinition's containerDefinitions sets readonlyRootFilesystem true", check: checkECSContainers("readonly")},
	{ID: "ECS.8", Title: "Secrets should not be passed as container environment variables", Standard: StandardFSBP,
		Checks: "no container environment variable is named AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY or ECS_ENGINE_AUTH_DATA", check: checkECSContainers("secrets")},
	{ID: "ECS.9", Title: "ECS task definitions should have a logging configuration", Standard: StandardFSBP,
		Checks: "every container in an ecs.TaskDefinition's containerDefinitions has a logConfiguration with a logDriver", check: checkECSContainers("logging")},
	{ID: "ECS.10", Title: "ECS Fargate services should run on the latest Fargate platform version", Standard: StandardFSBP,
		Checks: `every Fargate ecs.Service leaves platformVersion unset or "LATEST" (or the latest, 1.4.0)`, check: checkECSPlatform},
	{ID: "ECS.12", Title: "ECS clusters should use Container Insights", Standard: StandardFSBP,
		Checks: `every ecs.Cluster has the setting containerInsights "enabled" or "enhanced"`, check: checkECSInsights},
	{ID: "ECS.16", Title: "ECS task sets should not automatically assign public IP addresses", Standard: StandardFSBP,
		Checks: "no ecs.TaskSet sets networkConfiguration.assignPublicIp true", check: checkECSPublicIP(tECSTaskSet)},

	// ElastiCache
	{ID: "ElastiCache.1", Title: "ElastiCache (Redis OSS) clusters should have automatic backups enabled", Standard: StandardFSBP,
		Checks: "every Redis OSS or Valkey elasticache.ReplicationGroup (and standalone elasticache.Cluster) has snapshotRetentionLimit of 1 day or more", check: checkCacheBackups},
	{ID: "ElastiCache.2", Title: "ElastiCache clusters should have automatic minor version upgrades enabled", Standard: StandardFSBP,
		Checks: "no elasticache.ReplicationGroup or elasticache.Cluster sets autoMinorVersionUpgrade false", check: checkCacheMinorUpgrades},
	{ID: "ElastiCache.3", Title: "ElastiCache replication groups should have automatic failover enabled", Standard: StandardFSBP,
		Checks: "every elasticache.ReplicationGroup sets automaticFailoverEnabled true", check: checkCacheFlag("automaticFailoverEnabled", "automatic failover")},
	{ID: "ElastiCache.4", Title: "ElastiCache replication groups should be encrypted at rest", Standard: StandardFSBP,
		Checks: "every elasticache.ReplicationGroup sets atRestEncryptionEnabled true", check: checkCacheFlag("atRestEncryptionEnabled", "encryption at rest")},
	{ID: "ElastiCache.5", Title: "ElastiCache replication groups should be encrypted in transit", Standard: StandardFSBP,
		Checks: "every elasticache.ReplicationGroup sets transitEncryptionEnabled true", check: checkCacheFlag("transitEncryptionEnabled", "encryption in transit")},
	{ID: "ElastiCache.6", Title: "ElastiCache (Redis OSS) replication groups of earlier versions should have Redis OSS AUTH enabled", Standard: StandardFSBP,
		Checks: "every Redis OSS elasticache.ReplicationGroup before version 6 sets authToken (or userGroupIds)", check: checkCacheAuth},
	{ID: "ElastiCache.7", Title: "ElastiCache clusters should not use the default subnet group", Standard: StandardFSBP,
		Checks: `every elasticache.ReplicationGroup and standalone elasticache.Cluster names a subnetGroupName other than "default"`, check: checkCacheSubnetGroup},

	// Elastic Load Balancing
	{ID: "ELB.1", Title: "Application Load Balancer should be configured to redirect all HTTP requests to HTTPS", Standard: StandardFSBP,
		Checks: "every HTTP lb.Listener of an application load balancer has a default action redirecting to HTTPS", check: checkHTTPRedirect},
	{ID: "ELB.4", Title: "Application Load Balancer should be configured to drop invalid http headers", Standard: StandardFSBP,
		Checks: "every application lb.LoadBalancer sets dropInvalidHeaderFields true", check: checkALBFlag("dropInvalidHeaderFields", "drop invalid header fields", true)},
	{ID: "ELB.5", Title: "Application and Classic Load Balancers logging should be enabled", Standard: StandardFSBP,
		Checks: "every application lb.LoadBalancer sets accessLogs.enabled true with a bucket", check: checkALBLogs},
	{ID: "ELB.6", Title: "Application, Gateway, and Network Load Balancers should have deletion protection enabled", Standard: StandardFSBP,
		Checks: "every lb.LoadBalancer sets enableDeletionProtection true", check: checkALBFlag("enableDeletionProtection", "deletion protection", false)},
	{ID: "ELB.12", Title: "Application Load Balancer should be configured with defensive or strictest desync mitigation mode", Standard: StandardFSBP,
		Checks: `every application lb.LoadBalancer leaves desyncMitigationMode unset (defensive) or sets "defensive" or "strictest"`, check: checkALBDesync},
	{ID: "ELB.13", Title: "Application, Network and Gateway Load Balancers should span multiple Availability Zones", Standard: StandardFSBP,
		Checks: "every lb.LoadBalancer's subnets (or subnetMappings) span at least two zones", check: checkLBZones},
	{ID: "ELB.17", Title: "Application and Network Load Balancers with listeners should use recommended security policies", Standard: StandardFSBP,
		Checks: "every HTTPS or TLS lb.Listener sets sslPolicy to one of Security Hub's recommended policies (" + recommendedPoliciesText + ")", check: checkListenerPolicy},
	{ID: "ELB.18", Title: "Application and Network Load Balancer listeners should use secure protocols to encrypt data in transit", Standard: StandardFSBP,
		Checks: "every lb.Listener uses HTTPS (application) or TLS (network); a port-80 listener that only redirects still fails", check: checkListenerProtocol},

	// IAM
	{ID: "IAM.1", Title: `IAM policies should not allow full "*" administrative privileges`, Standard: StandardFSBP,
		Checks: `no Allow statement of an iam.Policy or an inline iam.RolePolicy grants Action "*" (or NotAction) on Resource "*"`, check: checkIAMPolicies(fullAdmin)},
	{ID: "IAM.21", Title: "IAM customer managed policies that you create should not allow wildcard actions for services", Standard: StandardFSBP,
		Checks: `no Allow statement of an iam.Policy or an inline iam.RolePolicy names an action "<service>:*" or "*", or uses NotAction`, check: checkIAMPolicies(serviceWildcard)},

	// Lambda
	{ID: "Lambda.1", Title: "Lambda function policies should prohibit public access", Standard: StandardFSBP,
		Checks: `no lambda.Permission grants principal "*" without sourceArn, sourceAccount or principalOrgId, and no function URL uses authType NONE`, check: checkLambdaPublic},
	{ID: "Lambda.2", Title: "Lambda functions should use supported runtimes", Standard: StandardFSBP,
		Checks: "no lambda.Function uses a deprecated runtime (" + deprecatedRuntimesText + ")", check: checkLambdaRuntime},
	{ID: "Lambda.3", Title: "Lambda functions should be in a VPC", Standard: StandardPCINIST,
		Checks: "every lambda.Function sets vpcConfig.subnetIds", check: checkLambdaVPC},
	{ID: "Lambda.5", Title: "VPC Lambda functions should operate in multiple Availability Zones", Standard: StandardFSBP,
		Checks: "every lambda.Function in a VPC has vpcConfig.subnetIds in at least two zones", check: checkLambdaZones},

	// RDS
	{ID: "RDS.2", Title: "RDS DB Instances should prohibit public access, as determined by the PubliclyAccessible configuration", Standard: StandardFSBP,
		Checks: "no rds.ClusterInstance or rds.Instance sets publiclyAccessible true", check: checkRDSPublic},
	{ID: "RDS.3", Title: "RDS DB instances should have encryption at-rest enabled", Standard: StandardFSBP,
		Checks: "every rds.Instance sets storageEncrypted true, and every rds.ClusterInstance belongs to an rds.Cluster that does", check: checkRDSInstanceEncryption},
	{ID: "RDS.7", Title: "RDS clusters should have deletion protection enabled", Standard: StandardFSBP,
		Checks: "every rds.Cluster sets deletionProtection true", check: checkClusterFlag("deletionProtection", "deletion protection", nil)},
	{ID: "RDS.12", Title: "IAM authentication should be configured for RDS clusters", Standard: StandardFSBP,
		Checks: "every rds.Cluster sets iamDatabaseAuthenticationEnabled true", check: checkClusterFlag("iamDatabaseAuthenticationEnabled", "IAM database authentication", nil)},
	{ID: "RDS.13", Title: "RDS automatic minor version upgrades should be enabled", Standard: StandardFSBP,
		Checks: "no rds.ClusterInstance or rds.Instance sets autoMinorVersionUpgrade false", check: checkRDSMinorUpgrades},
	{ID: "RDS.15", Title: "RDS DB clusters should be configured for multiple Availability Zones", Standard: StandardFSBP,
		Checks: "every rds.Cluster has at least two rds.ClusterInstances, not all pinned to one zone", check: checkClusterZones},
	{ID: "RDS.16", Title: "Aurora DB clusters should be configured to copy tags to DB snapshots", Standard: StandardFSBP,
		Checks: "every Aurora rds.Cluster sets copyTagsToSnapshot true", check: checkClusterFlag("copyTagsToSnapshot", "copying tags to snapshots", isAurora)},
	{ID: "RDS.24", Title: "RDS Database clusters should use a custom administrator username", Standard: StandardFSBP,
		Checks: `every rds.Cluster sets a masterUsername other than the engine defaults "admin" and "postgres" (a restored cluster that sets none has its source's, checked there)`, check: checkClusterUsername},
	{ID: "RDS.27", Title: "RDS DB clusters should be encrypted at rest", Standard: StandardFSBP,
		Checks: "every rds.Cluster sets storageEncrypted true", check: checkClusterFlag("storageEncrypted", "storage encryption", nil)},
	{ID: "RDS.34", Title: "Aurora MySQL DB clusters should publish audit logs to CloudWatch Logs", Standard: StandardFSBP,
		Checks: `every aurora-mysql rds.Cluster lists "audit" in enabledCloudwatchLogsExports`, check: checkClusterLogs("aurora-mysql", "audit")},
	{ID: "RDS.37", Title: "Aurora PostgreSQL DB clusters should publish logs to CloudWatch Logs", Standard: StandardFSBP,
		Checks: `every aurora-postgresql rds.Cluster lists "postgresql" in enabledCloudwatchLogsExports`, check: checkClusterLogs("aurora-postgresql", "postgresql")},

	// AWS Backup and KMS (data protection)
	{ID: "Backup.1", Title: "AWS Backup recovery points should be encrypted at rest", Standard: StandardFSBP,
		Checks: "every backup.Vault sets kmsKeyArn, and every rds.Cluster a backup.Selection names sets storageEncrypted (an Aurora recovery point keeps its cluster's key)", check: checkRecoveryPointEncryption},
	{ID: "KMS.4", Title: "AWS KMS key rotation should be enabled", Standard: StandardCISNISTPCI,
		Checks: "every symmetric kms.Key sets enableKeyRotation true", check: checkKeyRotation},
	{ID: "RDS.26", Title: "RDS DB instances should be protected by a backup plan", Standard: StandardNIST,
		Checks: "every rds.Cluster (AWS Backup selects Aurora by cluster) is in the resources of a backup.Selection whose backup.Plan has a rule", check: checkClusterBackupPlan},

	// Step Functions
	{ID: "StepFunctions.1", Title: "Step Functions state machines should have logging turned on", Standard: StandardFSBP,
		Checks: "every sfn.StateMachine sets loggingConfiguration.level (not OFF) and a logDestination", check: checkStateMachineLogging},

	// Systems Manager
	{ID: "SSM.1", Title: "Amazon EC2 instances should be managed by AWS Systems Manager", Standard: StandardFSBP,
		Checks: "every ec2.Instance and ec2.LaunchTemplate has an iam.InstanceProfile whose iam.Role has AmazonSSMManagedInstanceCore attached", check: checkSSMManaged},
}

func init() {
	sort.SliceStable(catalogue, func(i, j int) bool { return controlLess(catalogue[i].ID, catalogue[j].ID) })
}
