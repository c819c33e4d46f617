// Package edge is what stands between the internet and a load balancer: the
// names it answers on (Route 53 alias records in an existing hosted zone), the
// certificate for them (requested from ACM and validated by DNS in that
// zone), and the AWS WAF web ACL that filters what reaches it.
//
// The settings are an alb's `dns` and `waf` blocks (compute.DNSSpec,
// compute.WAFSpec). The stack registers a Certificate before the load
// balancer (its HTTPS listener serves it), and the Records and the WebACL
// after it. Type tokens: platform:edge:Certificate, platform:edge:Records,
// platform:edge:WebACL.
package edge
