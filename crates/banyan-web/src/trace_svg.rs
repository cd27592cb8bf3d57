//! The drawing of a lookup, as inline SVG: one box per server asked, top to bottom in the
//! order asked (root → TLD → authoritative, RFC 1034 §5.3.3), joined by arrows, and the
//! configured resolver's answer in a box of its own below. A pure function of the steps, so
//! the layout is tested without a server; `maud` escapes every text it places.
//!
//! Each box carries its facts as data attributes (`data-zone`, `data-server`,
//! `data-address`, `data-kind`) for scripts and browser tests to read.

use maud::{html, Markup};

use crate::lookup::{CacheVerdict, ResolverView, Step};

/// The drawing's width, in SVG user units.
pub const WIDTH: u32 = 720;
/// A box's height.
pub const BOX_HEIGHT: u32 = 66;
/// The gap between two boxes, where the arrow goes.
pub const GAP: u32 = 26;
/// Characters of a text line before it is cut with "…" (SVG text does not wrap).
pub const LINE_CHARS: usize = 96;

const MARGIN: u32 = 8;

/// `text` cut to `max` characters, the last one "…" when cut.
pub fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// The fill of a box by what the reply meant: referrals blue, answers green, negative
/// answers amber, failures red.
fn fill(kind: &str) -> &'static str {
    match kind {
        "referral" | "minimised" => "#e7effa",
        "answer" | "cname" => "#e6f4ea",
        "nxdomain" | "nodata" => "#fff4dc",
        "timeout" | "lame" | "pending" => "#fdecec",
        _ => "#f1f1f1",
    }
}

/// "root" for the root zone, the zone's name otherwise.
fn zone_label(zone: &str) -> &str {
    if zone == "." {
        "root"
    } else {
        zone
    }
}

/// The resolver box's second line: its answer and the cache verdict.
fn resolver_lines(r: &ResolverView) -> (String, String) {
    let title = format!("resolver {}", r.address);
    let said = match (&r.error, &r.rcode) {
        (Some(e), _) => format!("no answer: {e}"),
        (None, rcode) => {
            let what = if r.answer.is_empty() {
                rcode.clone().unwrap_or_default()
            } else {
                r.answer.join("; ")
            };
            let cache = match r.cache {
                CacheVerdict::Cached { age } => format!("from its cache (fetched about {age} s ago)"),
                CacheVerdict::Fresh => "fetched just now".to_owned(),
                CacheVerdict::Unknown => "cache unknown".to_owned(),
            };
            format!("{what} — {cache}")
        }
    };
    (title, said)
}

/// Draws `steps` and, when given, the resolver's answer.
pub fn draw(steps: &[Step], resolver: Option<&ResolverView>) -> Markup {
    let boxes = steps.len() + usize::from(resolver.is_some());
    let count = u32::try_from(boxes).unwrap_or(u32::MAX);
    let height = (MARGIN * 2 + count.saturating_mul(BOX_HEIGHT + GAP)).saturating_sub(GAP);
    let inner = WIDTH - 2 * MARGIN;
    let top = |i: usize| MARGIN + u32::try_from(i).unwrap_or(u32::MAX).saturating_mul(BOX_HEIGHT + GAP);
    let mid = WIDTH / 2;
    html! {
        svg.trace xmlns="http://www.w3.org/2000/svg" width=(WIDTH) height=(height)
            viewBox={ "0 0 " (WIDTH) " " (height) } role="img"
            aria-label={ "Resolution trace: " (steps.len()) " servers asked" } {
            defs {
                marker #arrow viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto" {
                    path d="M0,0 L10,5 L0,10 z" fill="#555" {}
                }
            }
            @for (i, step) in steps.iter().enumerate() {
                @let y = top(i);
                @let server = step.server.as_deref().unwrap_or("?");
                @let ms = step.ms.map_or_else(|| "—".to_owned(), |m| format!("{m} ms"));
                @let over = if step.tcp { " over TCP" } else { "" };
                g.step data-step=(i) data-zone=(step.zone) data-server=(server) data-address=(step.address) data-kind=(step.kind) {
                    rect x=(MARGIN) y=(y) width=(inner) height=(BOX_HEIGHT) rx="6" fill=(fill(&step.kind)) stroke="#777" {}
                    text x=(MARGIN + 10) y=(y + 20) font-weight="bold" font-size="14" {
                        (clip(&format!("{} — {server} ({}){over}", zone_label(&step.zone), step.address), LINE_CHARS))
                    }
                    text x=(MARGIN + 10) y=(y + 38) font-size="12" fill="#333" {
                        (clip(&format!("asked {} · {ms}", step.question), LINE_CHARS))
                    }
                    text x=(MARGIN + 10) y=(y + 56) font-size="12" {
                        (clip(&step.said, LINE_CHARS))
                    }
                }
                @if i + 1 < boxes {
                    line x1=(mid) y1=(y + BOX_HEIGHT) x2=(mid) y2=(y + BOX_HEIGHT + GAP - 2)
                        stroke="#555" stroke-width="1.5" marker-end="url(#arrow)"
                        stroke-dasharray=[(i + 1 == steps.len()).then_some("4 3")] {}
                }
            }
            @if let Some(r) = resolver {
                @let y = top(steps.len());
                @let (title, said) = resolver_lines(r);
                g.resolver data-address=(r.address) data-cache=(match r.cache {
                    CacheVerdict::Cached { .. } => "cached", CacheVerdict::Fresh => "fresh", CacheVerdict::Unknown => "unknown" }) {
                    rect x=(MARGIN) y=(y) width=(inner) height=(BOX_HEIGHT) rx="6" fill="#f3ecfa" stroke="#6b4f8a" {}
                    text x=(MARGIN + 10) y=(y + 20) font-weight="bold" font-size="14" { (clip(&title, LINE_CHARS)) }
                    text x=(MARGIN + 10) y=(y + 38) font-size="12" fill="#333" {
                        (clip(&format!("what clients get · {}", r.ms.map_or_else(|| "—".to_owned(), |m| format!("{m} ms"))), LINE_CHARS))
                    }
                    text x=(MARGIN + 10) y=(y + 56) font-size="12" { (clip(&said, LINE_CHARS)) }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lookup::steps;

    fn view() -> ResolverView {
        ResolverView {
            address: "127.54.0.9:53".into(),
            rcode: Some("NOERROR".into()),
            answer: vec!["www.example.test. 250 IN A 192.0.2.1".into()],
            ttl: Some(250),
            authoritative_ttl: Some(300),
            cache: CacheVerdict::Cached { age: 50 },
            ms: Some(1),
            error: None,
        }
    }

    #[test]
    fn one_box_per_server_in_order_then_the_resolver() {
        let s = steps(&crate::lookup::tests::sample());
        let svg = draw(&s, Some(&view())).into_string();
        assert!(svg.starts_with("<svg"), "{svg}");
        let order: Vec<usize> = ["a.root.lab.", "ns1.nic.test.", "ns1.example.test."]
            .iter()
            .map(|n| svg.find(&format!("data-server=\"{n}\"")).expect(n))
            .collect();
        assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}");
        assert_eq!(svg.matches("<g class=\"step\"").count(), 4);
        assert!(svg.contains("root — a.root.lab. (127.54.0.1:5300)"), "{svg}");
        assert!(svg.contains("referral to test. (ns1.nic.test.)"), "{svg}");
        assert!(svg.contains("data-kind=\"timeout\""), "{svg}");
        assert!(svg.contains("data-cache=\"cached\""), "{svg}");
        assert!(svg.contains("fetched about 50 s ago"), "{svg}");
        // Five boxes, four gaps: 2·8 + 5·66 + 4·26.
        assert!(svg.contains("height=\"450\""), "{svg}");
        // An arrow between each pair of boxes.
        assert_eq!(svg.matches("<line").count(), 4);
    }

    #[test]
    fn text_is_escaped_and_clipped() {
        let mut s = steps(&crate::lookup::tests::sample());
        s[0].said = format!("<script>{}</script>", "x".repeat(200));
        let svg = draw(&s[..1], None).into_string();
        assert!(!svg.contains("<script>"), "{svg}");
        assert!(svg.contains("&lt;script&gt;"), "{svg}");
        assert!(svg.contains('…'));
        assert_eq!(svg.matches("<line").count(), 0);
        assert_eq!(clip("abc", 3), "abc");
        assert_eq!(clip("abcd", 3), "ab…");
    }

    #[test]
    fn empty_trace_is_an_empty_drawing() {
        let svg = draw(&[], None).into_string();
        assert!(svg.contains("height=\"0\"") || svg.contains("height=\"16\""), "{svg}");
        assert!(!svg.contains("<rect"));
    }
}
