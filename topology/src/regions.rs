//! SES-14: AWS Regions and the Availability Zones that belong to them.
//!
//! The public Regions as of December 2026 (AWS's "Regions and Availability
//! Zones" page, and the partitions aws-cn and aws-us-gov). A zone belongs to
//! a Region when its name is the Region's code followed by one letter
//! (`us-east-1a`), or by a Local Zone or Wavelength Zone suffix
//! (`us-east-1-bos-1a`, `us-east-1-wl1-bos-wlz-1`).

pub const REGIONS: &[&str] = &[
    "af-south-1",
    "ap-east-1",
    "ap-east-2",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-6",
    "ap-southeast-7",
    "ca-central-1",
    "ca-west-1",
    "cn-north-1",
    "cn-northwest-1",
    "eu-central-1",
    "eu-central-2",
    "eu-north-1",
    "eu-south-1",
    "eu-south-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "mx-central-1",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-gov-east-1",
    "us-gov-west-1",
    "us-west-1",
    "us-west-2",
];

/// Whether `region` is a Region AWS has.
pub fn is_region(region: &str) -> bool {
    REGIONS.contains(&region)
}

/// Whether the zone `zone` belongs to `region`.
pub fn zone_in_region(zone: &str, region: &str) -> bool {
    let Some(rest) = zone.strip_prefix(region) else {
        return false;
    };
    let mut chars = rest.chars();
    match (chars.next(), chars.next()) {
        // us-east-1a
        (Some(c), None) => c.is_ascii_lowercase(),
        // us-east-1-bos-1a, us-east-1-wl1-bos-wlz-1
        (Some('-'), Some(_)) => rest[1..]
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
        _ => false,
    }
}

/// The Region a zone name belongs to, if it names one.
pub fn region_of_zone(zone: &str) -> Option<&'static str> {
    REGIONS
        .iter()
        .copied()
        .filter(|r| zone_in_region(zone, r))
        .max_by_key(|r| r.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zones_belong_to_their_region() {
        assert!(zone_in_region("us-east-1a", "us-east-1"));
        assert!(zone_in_region("us-east-1-bos-1a", "us-east-1"));
        assert!(!zone_in_region("us-east-1b", "eu-central-1"));
        assert!(!zone_in_region("eu-central-9z", "eu-central-1"));
        assert!(!zone_in_region("us-east-12", "us-east-1"));
        assert_eq!(region_of_zone("eu-west-3c"), Some("eu-west-3"));
        assert!(!is_region("eu-central-9"));
    }
}
