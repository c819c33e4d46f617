// Package access is how people reach the platform. There are three paths and
// none of them is SSH:
//
//   - a shell on an EC2 instance (or in an ECS task, through ECS Exec) over SSM
//     Session Manager: the agent dials out to Systems Manager, so the instance
//     has no inbound rule and no key pair, and every session is encrypted with a
//     KMS key of ours and logged to a CloudWatch log group encrypted with it;
//   - port forwarding through one instance of a fleet to the database writer,
//     over the same Session Manager channel;
//   - AWS Client VPN with mutual TLS (optionally SAML on top) for developers,
//     authorized for the isolated (data) tier only and logging every connection.
//
// Config decodes and validates `platform:access`; SessionManager and ClientVPN
// are the components; PortForwardCommand, ShellCommand and ExportConfigCommand
// render ready-to-run commands; OperatorPathsMarkdown documents all of it.
package access
