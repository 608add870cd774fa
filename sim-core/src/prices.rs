//! What AWS charges, per Region, as data (`data/prices.txt`: each Region's
//! effective date and source pages), with the scenario's overrides
//! (`settings.prices`, `settings.session_hour_price`). The report turns
//! these into the cost of a run and of a month (`reports::cost`).

use std::collections::BTreeMap;

/// The price list, as the data file has it.
const TABLE: &str = include_str!("../data/prices.txt");

/// The Region whose prices stand in for one the table does not have.
pub const FALLBACK_REGION: &str = "us-east-1";

/// Hours in a month, as AWS's pricing calculator counts them.
pub const HOURS_PER_MONTH: u64 = 730;

/// A gigabyte as AWS bills data: 2^30 bytes.
pub const BYTES_PER_GB: u64 = 1 << 30;

/// A priced item other than an instance type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Item {
    /// SES-12: a session, per hour or partial hour.
    MirrorSessionHour,
    NlbHour,
    /// An NLCU-hour (UDP: 400 new flows/s, 50,000 active, 1 GB/h).
    NlcuHour,
    GwlbHour,
    /// A GLCU-hour (600 new flows/s, 60,000 active, 1 GB/h).
    GlcuHour,
    /// A Gateway Load Balancer endpoint in one zone, per hour.
    GwlbeHour,
    /// A GB an endpoint processes.
    GwlbeGb,
    /// A GB between zones, each direction.
    CrossAzGb,
}

impl Item {
    pub const ALL: [Item; 8] = [
        Item::MirrorSessionHour,
        Item::NlbHour,
        Item::NlcuHour,
        Item::GwlbHour,
        Item::GlcuHour,
        Item::GwlbeHour,
        Item::GwlbeGb,
        Item::CrossAzGb,
    ];

    /// The item's name in the data file and in `settings.prices`.
    pub fn name(self) -> &'static str {
        match self {
            Item::MirrorSessionHour => "mirror_session_hour",
            Item::NlbHour => "nlb_hour",
            Item::NlcuHour => "nlcu_hour",
            Item::GwlbHour => "gwlb_hour",
            Item::GlcuHour => "glcu_hour",
            Item::GwlbeHour => "gwlbe_hour",
            Item::GwlbeGb => "gwlbe_gb",
            Item::CrossAzGb => "cross_az_gb",
        }
    }

    #[cfg(test)]
    fn named(name: &str) -> Option<Item> {
        Item::ALL.into_iter().find(|i| i.name() == name)
    }
}

/// Where a price came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Basis {
    /// The table's figure for the resource's own Region.
    Table,
    /// The table has no figure for that Region: [`FALLBACK_REGION`]'s.
    Fallback,
    /// The scenario's `settings`.
    Scenario,
}

/// One price, in millionths of a US dollar per unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Price {
    pub micro_usd: u64,
    pub basis: Basis,
}

/// A Region's entry in the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RegionPrices {
    pub region: &'static str,
    /// The date of AWS's price list the figures are from.
    pub effective: &'static str,
    /// The pricing pages that publish them.
    pub source: &'static str,
}

/// The table's Regions, in file order.
pub fn regions() -> impl Iterator<Item = RegionPrices> {
    TABLE.lines().filter_map(|l| {
        let mut f = l.strip_prefix("region|")?.splitn(3, '|');
        Some(RegionPrices {
            region: f.next()?,
            effective: f.next()?,
            source: f.next()?,
        })
    })
}

/// The table's figure for `kind|region|name`, in micro-USD.
fn lookup(kind: &str, region: &str, name: &str) -> Option<u64> {
    TABLE.lines().find_map(|l| {
        let mut f = l.strip_prefix(kind)?.strip_prefix('|')?.split('|');
        (f.next()? == region && f.next()? == name)
            .then(|| crate::units::micro_usd(f.next()?).ok())
            .flatten()
    })
}

/// The prices a run is costed at: the table, under the scenario's
/// overrides.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PriceList {
    items: BTreeMap<Item, u64>,
    instances: BTreeMap<String, u64>,
}

impl PriceList {
    /// The scenario sets `item` for every Region.
    pub fn set(&mut self, item: Item, micro_usd: u64) {
        self.items.insert(item, micro_usd);
    }

    /// The scenario sets an instance type's hourly price.
    pub fn set_instance(&mut self, instance_type: &str, micro_usd: u64) {
        self.instances.insert(instance_type.to_string(), micro_usd);
    }

    /// What `item` costs in `region`.
    pub fn item(&self, region: &str, item: Item) -> Price {
        if let Some(&micro_usd) = self.items.get(&item) {
            return Price {
                micro_usd,
                basis: Basis::Scenario,
            };
        }
        match lookup("item", region, item.name()) {
            Some(micro_usd) => Price {
                micro_usd,
                basis: Basis::Table,
            },
            None => Price {
                micro_usd: lookup("item", FALLBACK_REGION, item.name()).unwrap_or(0),
                basis: Basis::Fallback,
            },
        }
    }

    /// What an hour of `instance_type` costs in `region`, when known.
    pub fn instance(&self, region: &str, instance_type: &str) -> Option<Price> {
        if let Some(&micro_usd) = self.instances.get(instance_type) {
            return Some(Price {
                micro_usd,
                basis: Basis::Scenario,
            });
        }
        if let Some(micro_usd) = lookup("instance", region, instance_type) {
            return Some(Price {
                micro_usd,
                basis: Basis::Table,
            });
        }
        lookup("instance", FALLBACK_REGION, instance_type).map(|micro_usd| Price {
            micro_usd,
            basis: Basis::Fallback,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_parses_whole() {
        // Every line is a comment, a Region, an item or an instance, and
        // every figure is a price to the micro-dollar.
        for l in TABLE.lines().filter(|l| !l.starts_with('#')) {
            let f: Vec<&str> = l.split('|').collect();
            match f[0] {
                "region" => assert_eq!(f.len(), 4, "{l}"),
                "item" => {
                    assert!(Item::named(f[2]).is_some(), "{l}");
                    assert!(crate::units::micro_usd(f[3]).is_ok(), "{l}");
                }
                "instance" => {
                    assert!(
                        topology::instance_types::type_figures(f[2]).is_some(),
                        "{l}"
                    );
                    assert!(crate::units::micro_usd(f[3]).is_ok(), "{l}");
                }
                _ => panic!("unknown line {l}"),
            }
        }
        // Every Region prices every item.
        for r in regions() {
            for i in Item::ALL {
                assert!(lookup("item", r.region, i.name()).is_some(), "{i:?}");
            }
        }
    }

    #[test]
    fn a_region_without_figures_falls_back_and_says_so() {
        let p = PriceList::default();
        assert_eq!(
            p.item("us-east-1", Item::NlbHour),
            Price {
                micro_usd: 22_500,
                basis: Basis::Table
            }
        );
        assert_eq!(p.item("ap-south-2", Item::NlbHour).basis, Basis::Fallback);
        let mut p = PriceList::default();
        p.set(Item::NlbHour, 30_000);
        p.set_instance("m5.large", 100_000);
        assert_eq!(p.item("us-east-1", Item::NlbHour).micro_usd, 30_000);
        assert_eq!(
            p.instance("us-east-1", "m5.large").map(|p| p.basis),
            Some(Basis::Scenario)
        );
        assert_eq!(p.instance("us-east-1", "m5.lage"), None);
    }
}
