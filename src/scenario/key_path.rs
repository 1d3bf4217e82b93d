//! Key paths: how an item of a list is named (`reasons.billing`, else
//! `reasons[0]`), and which key a TOML error position falls in.
//!
//! serde reports a syntax error or an unknown key by its byte offset only;
//! walking the document again names the key there, the same way pass 1
//! names keys, so that every message carries a key path.

use toml::de::{DeTable, DeValue};

/// `reasons.billing` for a named item, else `reasons[0]`.
pub(super) fn item_key(list: &str, name: Option<&str>, index: usize) -> String {
    match name {
        Some(n) if !n.trim().is_empty() => format!("{list}.{n}"),
        _ => format!("{list}[{index}]"),
    }
}

/// The key path of the innermost key or value spanning `offset` (for serde errors).
pub(super) fn key_path_at(text: &str, offset: usize) -> Option<String> {
    let doc = DeTable::parse(text).ok()?;
    find_in_table(doc.get_ref(), offset, "")
}

fn find_in_table(table: &DeTable<'_>, offset: usize, prefix: &str) -> Option<String> {
    for (k, v) in table.iter() {
        let path = if prefix.is_empty() { k.get_ref().to_string() } else { format!("{prefix}.{}", k.get_ref()) };
        if k.span().contains(&offset) {
            return Some(path);
        }
        if let Some(p) = find_in_value(v.get_ref(), offset, &path) {
            return Some(p);
        }
        if v.span().contains(&offset) {
            return Some(path);
        }
    }
    None
}

fn find_in_value(value: &DeValue<'_>, offset: usize, path: &str) -> Option<String> {
    match value {
        DeValue::Table(t) => find_in_table(t, offset, path),
        DeValue::Array(items) => items.iter().enumerate().find_map(|(i, item)| {
            let name = item.get_ref().as_table().and_then(|t| t.get("name")).and_then(|n| n.get_ref().as_str());
            let key = item_key(path, name, i);
            find_in_value(item.get_ref(), offset, &key).or_else(|| item.span().contains(&offset).then_some(key))
        }),
        _ => None,
    }
}
