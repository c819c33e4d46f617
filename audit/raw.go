package audit

// The raw* types mirror the subset of the AWS CLI output the audit reads.
// Field names are the AWS ones so encoding/json needs no tags; everything
// else in the output is ignored.

type rawTag struct {
	Key   string
	Value string
}

func tagMap(tags []rawTag) map[string]string {
	if len(tags) == 0 {
		return nil
	}
	m := make(map[string]string, len(tags))
	for _, t := range tags {
		m[t.Key] = t.Value
	}
	return m
}

// associated filters out CIDR and route table associations that are being
// removed or failed: they no longer (or never did) carry traffic.
func associated(state string) bool {
	return state == "" || state == "associated" || state == "associating"
}

type rawVPC struct {
	VpcId                   string
	OwnerId                 string
	CidrBlock               string
	IsDefault               bool
	CidrBlockAssociationSet []struct {
		CidrBlock      string
		CidrBlockState struct{ State string }
	}
	Ipv6CidrBlockAssociationSet []struct {
		Ipv6CidrBlock      string
		Ipv6CidrBlockState struct{ State string }
	}
	Tags []rawTag
}

func (r rawVPC) toVPC() VPC {
	v := VPC{
		ID:        r.VpcId,
		OwnerID:   r.OwnerId,
		CIDR:      r.CidrBlock,
		IsDefault: r.IsDefault,
		Tags:      tagMap(r.Tags),
	}
	v.Name = v.Tags["Name"]
	if r.CidrBlock != "" {
		v.CIDRs = append(v.CIDRs, r.CidrBlock)
	}
	for _, a := range r.CidrBlockAssociationSet {
		if a.CidrBlock != r.CidrBlock && associated(a.CidrBlockState.State) {
			v.CIDRs = append(v.CIDRs, a.CidrBlock)
		}
	}
	for _, a := range r.Ipv6CidrBlockAssociationSet {
		if associated(a.Ipv6CidrBlockState.State) {
			v.IPv6CIDRs = append(v.IPv6CIDRs, a.Ipv6CidrBlock)
		}
	}
	return v
}

type rawSubnet struct {
	SubnetId                    string
	VpcId                       string
	CidrBlock                   string
	AvailabilityZone            string
	AvailabilityZoneId          string
	MapPublicIpOnLaunch         bool
	AvailableIpAddressCount     int
	Ipv6CidrBlockAssociationSet []struct {
		Ipv6CidrBlock      string
		Ipv6CidrBlockState struct{ State string }
	}
	Tags []rawTag
}

func (r rawSubnet) toSubnet() Subnet {
	s := Subnet{
		ID:                  r.SubnetId,
		VPCID:               r.VpcId,
		AZ:                  r.AvailabilityZone,
		AZID:                r.AvailabilityZoneId,
		CIDR:                r.CidrBlock,
		MapPublicIPOnLaunch: r.MapPublicIpOnLaunch,
		AvailableIPs:        r.AvailableIpAddressCount,
		Tags:                tagMap(r.Tags),
	}
	s.Name = s.Tags["Name"]
	for _, a := range r.Ipv6CidrBlockAssociationSet {
		if associated(a.Ipv6CidrBlockState.State) {
			s.IPv6CIDRs = append(s.IPv6CIDRs, a.Ipv6CidrBlock)
		}
	}
	return s
}

type rawRouteTable struct {
	RouteTableId string
	VpcId        string
	Associations []struct {
		Main             bool
		SubnetId         string
		AssociationState struct{ State string }
	}
	Routes []rawRoute
	Tags   []rawTag
}

type rawRoute struct {
	DestinationCidrBlock        string
	DestinationIpv6CidrBlock    string
	DestinationPrefixListId     string
	GatewayId                   string
	NatGatewayId                string
	TransitGatewayId            string
	VpcPeeringConnectionId      string
	NetworkInterfaceId          string
	InstanceId                  string
	EgressOnlyInternetGatewayId string
	CarrierGatewayId            string
	LocalGatewayId              string
	CoreNetworkArn              string
	State                       string
}

func (r rawRouteTable) toRouteTable() RouteTable {
	rt := RouteTable{ID: r.RouteTableId, VPCID: r.VpcId}
	for _, t := range r.Tags {
		if t.Key == "Name" {
			rt.Name = t.Value
		}
	}
	for _, a := range r.Associations {
		if !associated(a.AssociationState.State) {
			continue
		}
		if a.Main {
			rt.Main = true
		}
		if a.SubnetId != "" {
			rt.SubnetIDs = append(rt.SubnetIDs, a.SubnetId)
		}
	}
	for _, rr := range r.Routes {
		dst := firstNonEmpty(rr.DestinationCidrBlock, rr.DestinationIpv6CidrBlock, rr.DestinationPrefixListId)
		// A route to a NAT instance carries both InstanceId and
		// NetworkInterfaceId; either names the hop, the instance reads better.
		target := firstNonEmpty(rr.GatewayId, rr.NatGatewayId, rr.TransitGatewayId,
			rr.VpcPeeringConnectionId, rr.InstanceId, rr.NetworkInterfaceId,
			rr.EgressOnlyInternetGatewayId, rr.CarrierGatewayId, rr.LocalGatewayId,
			rr.CoreNetworkArn)
		rt.Routes = append(rt.Routes, Route{Destination: dst, Target: target, Blackhole: rr.State == "blackhole"})
	}
	return rt
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

type rawSecurityGroup struct {
	GroupId             string
	GroupName           string
	Description         string
	VpcId               string
	OwnerId             string
	IpPermissions       []rawPermission
	IpPermissionsEgress []rawPermission
	Tags                []rawTag
}

type rawPermission struct {
	IpProtocol string
	FromPort   *int
	ToPort     *int
	IpRanges   []struct{ CidrIp string }
	Ipv6Ranges []struct{ CidrIpv6 string }
	// GroupId is empty for EC2-Classic era pairs that only name the group;
	// those are kept by name so the source is not lost.
	UserIdGroupPairs []struct{ GroupId, GroupName string }
	PrefixListIds    []struct{ PrefixListId string }
}

func (r rawSecurityGroup) toSecurityGroup() SecurityGroup {
	g := SecurityGroup{
		ID:          r.GroupId,
		Name:        r.GroupName,
		Description: r.Description,
		VPCID:       r.VpcId,
		OwnerID:     r.OwnerId,
		Tags:        tagMap(r.Tags),
	}
	for _, p := range r.IpPermissions {
		g.Ingress = append(g.Ingress, p.toRule())
	}
	for _, p := range r.IpPermissionsEgress {
		g.Egress = append(g.Egress, p.toRule())
	}
	return g
}

func (p rawPermission) toRule() Rule {
	r := Rule{Protocol: p.IpProtocol, FromPort: -1, ToPort: -1}
	if p.FromPort != nil {
		r.FromPort = *p.FromPort
	}
	if p.ToPort != nil {
		r.ToPort = *p.ToPort
	}
	for _, x := range p.IpRanges {
		r.CIDRs = append(r.CIDRs, x.CidrIp)
	}
	for _, x := range p.Ipv6Ranges {
		r.CIDRs = append(r.CIDRs, x.CidrIpv6)
	}
	for _, x := range p.UserIdGroupPairs {
		r.GroupIDs = append(r.GroupIDs, firstNonEmpty(x.GroupId, x.GroupName))
	}
	for _, x := range p.PrefixListIds {
		r.PrefixListIDs = append(r.PrefixListIDs, x.PrefixListId)
	}
	return r
}

type rawInterface struct {
	NetworkInterfaceId string
	InterfaceType      string
	Description        string
	RequesterId        string
	RequesterManaged   bool
	Status             string
	VpcId              string
	SubnetId           string
	AvailabilityZone   string
	PrivateIpAddress   string
	Groups             []struct{ GroupId string }
	Attachment         *struct{ InstanceId string }
	Association        *struct{ PublicIp string }
	// describe-network-interfaces calls its tags TagSet, unlike every other
	// describe-* command.
	TagSet []rawTag
}

func (r rawInterface) toInterface() Interface {
	i := Interface{
		ID:               r.NetworkInterfaceId,
		Type:             r.InterfaceType,
		Description:      r.Description,
		RequesterID:      r.RequesterId,
		RequesterManaged: r.RequesterManaged,
		Status:           r.Status,
		VPCID:            r.VpcId,
		SubnetID:         r.SubnetId,
		AZ:               r.AvailabilityZone,
		PrivateIP:        r.PrivateIpAddress,
		Tags:             tagMap(r.TagSet),
	}
	if r.Attachment != nil {
		i.InstanceID = r.Attachment.InstanceId
	}
	if r.Association != nil {
		i.PublicIP = r.Association.PublicIp
	}
	for _, g := range r.Groups {
		i.GroupIDs = append(i.GroupIDs, g.GroupId)
	}
	return i
}
