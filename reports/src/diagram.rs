//! The world's network drawn: `sim graph` (DOT or SVG) and the diagram in
//! `report.html`. The graph is [`topology::world_graph::WorldGraph`]; DOT is
//! petgraph's, the SVG is laid out in pure Rust by layout-rs (no Graphviz).
//!
//! Sessions are coloured by their fate: green when their copies arrive,
//! red when they are dropped on the way, orange when some are and some are
//! not (a run's figures, or the path check's when there is no run).

use std::fmt::Write;

use layout::backends::svg::SVGWriter;
use layout::core::base::Orientation;
use layout::core::color::Color;
use layout::core::geometry::{get_size_for_str, pad_shape_scalar};
use layout::core::style::{LineStyleKind, StyleAttr};
use layout::std_shapes::shapes::{Arrow, Element, LineEndKind, ShapeKind};
use layout::topo::layout::VisualGraph;
use petgraph::dot::{Config, Dot};
use petgraph::visit::EdgeRef;
use topology::world_graph::{Edge, WorldGraph};
use topology::{SessionIdx, Topology};

/// What became of a session's copies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fate {
    Arrive,
    Partly,
    Dropped,
    /// Nothing to say (no copies in the run).
    Unknown,
}

impl Fate {
    fn color(self) -> &'static str {
        match self {
            Fate::Arrive => "green",
            Fate::Partly => "orange",
            Fate::Dropped => "red",
            Fate::Unknown => "gray",
        }
    }
}

/// Each session's fate by the path check (`sim check`'s answer): its
/// copies arrive on every path, on some, or on none.
pub fn fates_by_path(topo: &Topology) -> Vec<Fate> {
    topo.sessions
        .iter()
        .map(|s| {
            let paths = topo.copy_paths(s.source, s.target);
            let arrive = paths.iter().filter(|(_, r)| r.stop.is_none()).count();
            match arrive {
                0 => Fate::Dropped,
                n if n == paths.len() => Fate::Arrive,
                _ => Fate::Partly,
            }
        })
        .collect()
}

/// Each session's fate by a run's report: delivered and dropped copies.
pub fn fates_by_report(report: &crate::Report) -> Vec<Fate> {
    report
        .sessions
        .iter()
        .map(|s| {
            let c = &s.categories;
            match (c.delivered.packets > 0, c.dropped.packets > 0) {
                (true, false) => Fate::Arrive,
                (true, true) => Fate::Partly,
                (false, true) => Fate::Dropped,
                (false, false) => Fate::Unknown,
            }
        })
        .collect()
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

/// The graph in Graphviz's DOT language, as petgraph writes it.
pub fn dot(topo: &Topology, fates: &[Fate]) -> String {
    let g = WorldGraph::new(topo);
    let edge = |_, e: petgraph::graph::EdgeReference<'_, Edge>| {
        let w = e.weight();
        let mut a = format!("label = \"{}\"", escape(&w.label(topo)));
        if let Edge::Session(s) = w {
            let fate = fates.get(s.index()).copied().unwrap_or(Fate::Unknown);
            let _ = write!(a, ", color = \"{}\", penwidth = 2", fate.color());
        }
        a
    };
    let node = |_, (_, n): (petgraph::graph::NodeIndex, &topology::world_graph::Node)| {
        let (kind, id) = n.label(topo);
        format!(
            "label = \"{}\\n{}\", shape = box",
            escape(kind),
            escape(&id)
        )
    };
    let dot = Dot::with_attr_getters(
        &g.graph,
        &[Config::EdgeNoLabel, Config::NodeNoLabel],
        &edge,
        &node,
    );
    format!("{dot:?}")
}

/// The graph as an SVG picture, laid out top to bottom.
pub fn svg(topo: &Topology, fates: &[Fate]) -> String {
    let g = WorldGraph::new(topo);
    let font = 14;
    let mut vg = VisualGraph::new(Orientation::TopToBottom);
    let handles: Vec<_> = g
        .graph
        .node_indices()
        .map(|i| {
            let (kind, id) = g.graph[i].label(topo);
            let text = format!("{kind}\n{id}");
            let size = pad_shape_scalar(get_size_for_str(&text, font), 10.);
            let look = StyleAttr::new(Color::fast("black"), 1, Some(Color::fast("white")), 0, font);
            vg.add_node(Element::create(
                ShapeKind::new_box(&text),
                look,
                Orientation::LeftToRight,
                size,
            ))
        })
        .collect();
    for e in g.graph.edge_references() {
        let w = e.weight();
        let (color, width, label) = match w {
            Edge::Session(s) => {
                let fate = fates.get(s.index()).copied().unwrap_or(Fate::Unknown);
                (fate.color(), 3, w.label(topo))
            }
            _ => ("gray", 1, String::new()),
        };
        let look = StyleAttr::new(Color::fast(color), width, None, 0, font);
        let arrow = Arrow::new(
            LineEndKind::None,
            LineEndKind::Arrow,
            if matches!(w, Edge::Session(_)) {
                LineStyleKind::Normal
            } else {
                LineStyleKind::Dashed
            },
            &label,
            &look,
            &None,
            &None,
        );
        vg.add_edge(
            arrow,
            handles[e.source().index()],
            handles[e.target().index()],
        );
    }
    let mut out = SVGWriter::new();
    // layout-rs's edge-crossing optimiser grows steeply with the graph
    // (measured: 94 % of a 100-source run's 6 s); past this many edges the
    // diagram is laid out without it: more crossings, in milliseconds.
    let optimise = g.graph.edge_count() <= MAX_OPTIMISED_EDGES;
    vg.do_it(false, !optimise, false, &mut out);
    out.finalize()
}

/// Diagrams with more edges than this skip the crossing optimiser.
const MAX_OPTIMISED_EDGES: usize = 150;

/// The session a fate belongs to, for legends.
pub fn legend(topo: &Topology, fates: &[Fate]) -> Vec<(String, &'static str)> {
    (0..topo.sessions.len())
        .map(|i| {
            let fate = fates.get(i).copied().unwrap_or(Fate::Unknown);
            (
                topo.session(SessionIdx(i as u32)).id.clone(),
                match fate {
                    Fate::Arrive => "copies arrive",
                    Fate::Partly => "some copies are dropped",
                    Fate::Dropped => "copies are dropped",
                    Fate::Unknown => "no copies",
                },
            )
        })
        .collect()
}
