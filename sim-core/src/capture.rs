//! Captures: the bytes of every delivered copy, handed to a sink the caller
//! provides (the binary writes pcap files; tests keep them in memory).

use std::net::IpAddr;

use topology::Topology;

use crate::copy_plan::CopyPlan;
use crate::delivery::Via;
use crate::pipeline::InFlight;
use crate::resolved::Scenario;
use crate::wire::{copy, frame, router_mac};

/// Where captured frames go.
pub trait CaptureSink {
    /// A frame arrived at the appliance `appliance` (its ENI id) at
    /// simulated time `at_ns`.
    fn capture(&mut self, appliance: &str, at_ns: u64, frame: &[u8]);
}

/// Builds the bytes of delivered copies, reusing its buffer.
pub struct Capturer {
    payloads: frame::Payloads,
    /// Each subnet's VPC router MAC.
    routers: Vec<topology::MacAddr>,
    out: Vec<u8>,
}

impl Capturer {
    pub fn new(seed: u64, topo: &Topology) -> Capturer {
        Capturer {
            payloads: frame::Payloads::new(seed),
            routers: topo.subnets.iter().map(|s| router_mac(&s.id)).collect(),
            out: Vec::with_capacity(9400),
        }
    }
}

impl Capturer {
    /// The frame of a delivered copy, as its appliance's capture shows it.
    /// `plan` is the plan of the session's configuration that sent it.
    pub fn frame(&mut self, scenario: &Scenario, c: &InFlight, plan: &CopyPlan) -> &[u8] {
        let topo = &scenario.topology;
        let via = plan.via;
        let flow = &scenario.flows[(c.slot / 2) as usize];
        let source = topo.eni(c.source_eni);
        let router = self.routers[source.subnet.index()];
        // Inner MACs: inbound packets come from the VPC router to the ENI,
        // outbound ones go from the ENI to the router.
        let (src_mac, dst_mac) = if c.direction == topology::Direction::Ingress {
            (router, source.mac)
        } else {
            (source.mac, router)
        };
        let packet = frame::FramePacket {
            key: &flow.key,
            src_mac,
            dst_mac,
            size: c.bytes as u16,
            tcp_seq: c.tcp_seq,
            index: c.index,
            seed: flow.rng_seed,
            reply: flow.reply,
        };
        let kept = c.kept as usize;
        let payloads = &self.payloads;
        // A replayed packet's copy carries the captured frame itself.
        let captured: Option<&[u8]> = flow.replay.as_ref().map(|r| {
            let n = r.packets.len().max(1);
            let p = r.packets[c.index as usize % n];
            scenario.captures[r.capture as usize].frame_bytes(p.frame)
        });
        let write_frame = |out: &mut Vec<u8>| match captured {
            Some(bytes) => out.extend_from_slice(&bytes[..kept.min(bytes.len())]),
            None => frame::write(&packet, payloads, kept, out),
        };
        let appliance = topo.eni(c.appliance);
        let dest = topo.copy_destination(c.target, c.node as usize);
        // PKT-04: the symmetric flow hash, except copies of answers from the
        // Amazon-provided DNS resolver, which all carry 0xFF80 (observed).
        let resolver = topo.vpc_of(c.source_eni).amazon_dns_resolver();
        let source_port = if Some(flow.key.src) == resolver && flow.key.src_port == 53 {
            0xFF80
        } else {
            topology::packet::outer_source_port(&flow.key)
        };
        let geneve = match via {
            Via::Gwlb(v, g) => {
                let endpoint = &topo.gwlb_endpoints[v.index()];
                let zone = &topo.subnet(endpoint.subnet).availability_zone;
                let gw = &topo.gateway_load_balancers[g.index()];
                let node = gw
                    .nodes
                    .iter()
                    .find(|n| &n.availability_zone == zone)
                    .unwrap_or(&gw.nodes[0]);
                let cookie = crate::rng::component_id(&format!("{}:{}", flow.name, endpoint.id));
                Some(copy::Geneve {
                    node_mac: self.routers[node.subnet.index()],
                    node_ip: node.ip,
                    appliance_ip: appliance.private_ip,
                    source_port: 0xC000 | (cookie as u16 & 0x3FFF),
                    endpoint_id: copy::endpoint_id(&endpoint.id),
                    attachment_id: crate::rng::component_id(&format!("attachment/{}", endpoint.id)),
                    flow_cookie: cookie as u32,
                })
            }
            _ => None,
        };
        // PKT-03 (corrected): an NLB rewrites the destination to the
        // appliance it chose, and a UDP target group keeps the source ENI's
        // IP as the source.
        let dst_ip: IpAddr = match via {
            Via::Nlb(_) => appliance.private_ip,
            _ => dest.ip,
        };
        copy::build(
            &copy::Copy {
                dst_mac: appliance.mac,
                src_mac: self.routers[appliance.subnet.index()],
                src_ip: source.private_ip,
                dst_ip,
                source_port,
                vni: plan.virtual_network_id,
                // A frame the capture's snap length cut is written as far as
                // it was captured; only mirroring's own cut clears checksums.
                frame_len: captured.map_or(14 + c.bytes as usize, <[u8]>::len),
                kept,
                geneve,
                write_frame: &write_frame,
            },
            &mut self.out,
        );
        &self.out
    }
}
