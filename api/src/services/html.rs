//! Sanitising the rich text of an activity (活动内容) before it is stored: admins paste it
//! from editors and it is shown to members, so only ordinary formatting survives.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use ammonia::Builder;

/// Ordinary formatting: paragraphs, line breaks, emphasis, lists, headings, tables,
/// links and images with http(s) URLs. Scripts, styles, event handlers and
/// `javascript:`/`data:` URLs are removed; link targets get `rel="noopener noreferrer"`.
fn sanitiser() -> &'static Builder<'static> {
    static BUILDER: OnceLock<Builder<'static>> = OnceLock::new();
    BUILDER.get_or_init(|| {
        let tags: HashSet<&str> = [
            "p",
            "br",
            "hr",
            "strong",
            "b",
            "em",
            "i",
            "u",
            "s",
            "del",
            "sub",
            "sup",
            "span",
            "div",
            "blockquote",
            "ul",
            "ol",
            "li",
            "h1",
            "h2",
            "h3",
            "h4",
            "a",
            "img",
            "table",
            "thead",
            "tbody",
            "tr",
            "th",
            "td",
            "pre",
            "code",
        ]
        .into_iter()
        .collect();
        let mut tag_attributes: HashMap<&str, HashSet<&str>> = HashMap::new();
        tag_attributes.insert("a", ["href", "title", "target"].into_iter().collect());
        tag_attributes.insert(
            "img",
            ["src", "alt", "title", "width", "height"]
                .into_iter()
                .collect(),
        );
        tag_attributes.insert("td", ["colspan", "rowspan"].into_iter().collect());
        tag_attributes.insert("th", ["colspan", "rowspan"].into_iter().collect());
        let mut builder = Builder::new();
        builder
            .tags(tags)
            .tag_attributes(tag_attributes)
            .generic_attributes(HashSet::new())
            .url_schemes(["http", "https"].into_iter().collect())
            .url_relative(ammonia::UrlRelative::Deny)
            .link_rel(Some("noopener noreferrer"))
            .strip_comments(true);
        builder
    })
}

/// The sanitised HTML.
pub fn sanitise(html: &str) -> String {
    sanitiser().clean(html).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_handlers_and_javascript_urls_are_removed() {
        let clean = sanitise(
            r#"<p onclick="steal()">福利<script>alert(1)</script></p><a href="javascript:alert(1)">x</a><img src="https://a.cn/x.png" onerror="alert(2)"><style>p{}</style><iframe src="https://evil"></iframe>"#,
        );
        assert!(!clean.contains("script"), "{clean}");
        assert!(!clean.contains("onclick"), "{clean}");
        assert!(!clean.contains("onerror"), "{clean}");
        assert!(!clean.contains("javascript"), "{clean}");
        assert!(!clean.contains("iframe"), "{clean}");
        assert!(!clean.contains("style"), "{clean}");
        assert!(
            clean.contains(r#"<img src="https://a.cn/x.png">"#),
            "{clean}"
        );
    }

    #[test]
    fn ordinary_formatting_is_kept() {
        let html = "<h2>中秋福利</h2><p>请于<strong>9月30日</strong>前<em>领取</em><br>地点：</p><ul><li>东港区</li></ul><ol><li>一</li></ol>";
        assert_eq!(sanitise(html), html);
        let link = sanitise(r#"<a href="https://www.rzzgh.cn/">总工会</a>"#);
        assert_eq!(
            link,
            r#"<a href="https://www.rzzgh.cn/" rel="noopener noreferrer">总工会</a>"#
        );
    }
}
