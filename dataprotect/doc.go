// Package dataprotect keeps a stack's data recoverable: a customer-managed
// KMS key per data class (database storage and Performance Insights, cache,
// secrets, logs, backups), each with rotation on and a key policy that names
// the services and roles that use it; an AWS Backup vault encrypted with the
// stack's backup key (locked in production), a plan with daily and
// longer-term rules, copies to a vault in another region or account, and a
// selection per store; and the restore configuration that creates a store
// from a snapshot, a recovery point or a point in time.
//
// Config is the stack value platform:dataProtection; Restore is the restore
// block of an aurora or cache workload. Everything AWS refuses (deletion
// windows, lock limits, cron expressions, retention under a lock, copies to
// the stack's own region, malformed vault ARNs, future restore times) is a
// named config problem, found before a resource is registered.
package dataprotect
