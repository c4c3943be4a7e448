//! Release bodies are Markdown; what leaves the API as HTML is rendered and then sanitised, so
//! that a body can never carry script into a partner's page.

/// Renders Markdown to HTML with every unsafe element and attribute removed.
pub fn to_safe_html(markdown: &str) -> String {
    let parser = pulldown_cmark::Parser::new_ext(markdown, pulldown_cmark::Options::ENABLE_TABLES);
    let mut html = String::with_capacity(markdown.len() * 5 / 4);
    pulldown_cmark::html::push_html(&mut html, parser);
    ammonia::clean(&html)
}

#[cfg(test)]
mod tests {
    #[test]
    fn scripts_are_removed_and_markup_kept() {
        let html = super::to_safe_html("**Quito** <script>alert(1)</script>");
        assert!(html.contains("<strong>Quito</strong>"));
        assert!(!html.contains("script"));
    }
}
