#!/usr/bin/env bash
# A snapshot of an AWS account for `sim import aws`: the JSON of every
# describe call the import reads, one call per file, in DIR/ACCOUNT/REGION/.
#
#   scripts/aws-snapshot.sh DIR [REGION...]
#
# Uses the AWS CLI's current credentials (AWS_PROFILE, SSO, a role) and, with
# no REGION given, its configured Region. Run it once per account into the
# same DIR for several accounts. Needs only the AWS CLI v2; read-only calls
# (the ReadOnlyAccess policy covers them). A call the credentials may not
# make (RAM, Organizations) is skipped with a message, not fatal.
set -euo pipefail

dir=${1:?usage: aws-snapshot.sh DIR [REGION...]}
shift
regions=("$@")
if [ ${#regions[@]} -eq 0 ]; then
    regions=("$(aws configure get region)")
fi
account=$(aws sts get-caller-identity --query Account --output text)

# call FILE SERVICE OPERATION [ARGS...]: its output into FILE, or a note.
call() {
    local file=$1
    shift
    if ! aws "$@" --output json > "$file.tmp" 2> "$file.err"; then
        echo "aws-snapshot: skipped $* ($(head -c 200 "$file.err"))" >&2
        rm -f "$file.tmp"
    else
        mv "$file.tmp" "$file"
    fi
    rm -f "$file.err"
}

# ids SERVICE OPERATION QUERY [ARGS...]: the ids a query lists, one per line.
ids() {
    local service=$1 operation=$2 query=$3
    shift 3
    aws "$service" "$operation" "$@" --query "$query" --output text 2> /dev/null | tr '\t' '\n' | grep -v '^None$' | grep -v '^$' || true
}

for region in "${regions[@]}"; do
    out="$dir/$account/$region"
    mkdir -p "$out"
    export AWS_REGION=$region AWS_DEFAULT_REGION=$region
    for op in describe-vpcs describe-subnets describe-route-tables describe-network-acls \
              describe-security-groups describe-instances describe-network-interfaces \
              describe-vpc-peering-connections describe-transit-gateways \
              describe-transit-gateway-vpc-attachments describe-transit-gateway-attachments \
              describe-transit-gateway-route-tables describe-vpc-endpoints \
              describe-vpc-endpoint-service-configurations describe-traffic-mirror-targets \
              describe-traffic-mirror-filters describe-traffic-mirror-sessions; do
        call "$out/$op.json" ec2 "$op"
    done
    # A transit gateway route table's propagations and static routes name
    # no table: the files are named after it.
    for rtb in $(ids ec2 describe-transit-gateway-route-tables 'TransitGatewayRouteTables[].TransitGatewayRouteTableId'); do
        call "$out/$rtb-propagations.json" ec2 get-transit-gateway-route-table-propagations \
            --transit-gateway-route-table-id "$rtb"
        call "$out/$rtb-routes.json" ec2 search-transit-gateway-routes \
            --transit-gateway-route-table-id "$rtb" --filters Name=type,Values=static
    done
    call "$out/load-balancers.json" elbv2 describe-load-balancers
    call "$out/target-groups.json" elbv2 describe-target-groups
    # Attributes and target health name no load balancer or group: the
    # files are named after it.
    for arn in $(ids elbv2 describe-load-balancers "LoadBalancers[?Type!='application'].LoadBalancerArn"); do
        name=$(echo "$arn" | cut -d/ -f3)
        call "$out/listeners-$name.json" elbv2 describe-listeners --load-balancer-arn "$arn"
        call "$out/lb-attributes-$name.json" elbv2 describe-load-balancer-attributes --load-balancer-arn "$arn"
    done
    for arn in $(ids elbv2 describe-target-groups 'TargetGroups[].TargetGroupArn'); do
        name=$(echo "$arn" | cut -d/ -f2)
        call "$out/target-health-$name.json" elbv2 describe-target-health --target-group-arn "$arn"
        call "$out/tg-attributes-$name.json" elbv2 describe-target-group-attributes --target-group-arn "$arn"
    done
    # RAM: what this account shares, and the invitations it received.
    call "$out/ram-resources.json" ram get-resource-share-associations --association-type RESOURCE
    call "$out/ram-principals.json" ram get-resource-share-associations --association-type PRINCIPAL
    call "$out/ram-invitations.json" ram get-resource-share-invitations
    call "$out/organization.json" organizations describe-organization
done
echo "aws-snapshot: $dir/$account: ${regions[*]}" >&2
