//! `gs://BUCKET/PATH` URIs: parsed once, checked against Cloud Storage's bucket-name rules,
//! and joined without doubled slashes.

use std::fmt;

/// A Cloud Storage location: a bucket and an object name (or a prefix of names).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GcsUri {
    /// The bucket.
    pub bucket: String,
    /// The object name or prefix, without a leading slash; may be empty.
    pub object: String,
}

impl GcsUri {
    /// Parses `gs://BUCKET[/PATH]`; the error says what is wrong with the text.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let Some(rest) = text.strip_prefix("gs://") else {
            return Err(format!(
                "'{text}' is not a Cloud Storage URI: write it as gs://BUCKET/PREFIX"
            ));
        };
        let (bucket, object) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(format!(
                "'{text}' names no bucket: write it as gs://BUCKET/PREFIX"
            ));
        }
        if let Some(why) = bucket_name_problem(bucket) {
            return Err(format!("'{bucket}' is not a valid bucket name: {why}"));
        }
        Ok(Self {
            bucket: bucket.to_string(),
            object: object.trim_matches('/').to_string(),
        })
    }

    /// This location with `name` appended as a path below it.
    pub fn join(&self, name: &str) -> Self {
        let name = name.trim_matches('/');
        let object = match (self.object.is_empty(), name.is_empty()) {
            (true, _) => name.to_string(),
            (false, true) => self.object.clone(),
            (false, false) => format!("{}/{name}", self.object),
        };
        Self {
            bucket: self.bucket.clone(),
            object,
        }
    }
}

impl fmt::Display for GcsUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.object.is_empty() {
            write!(f, "gs://{}", self.bucket)
        } else {
            write!(f, "gs://{}/{}", self.bucket, self.object)
        }
    }
}

/// Why `name` cannot be a bucket (3–63 characters of lowercase letters, digits, `-`, `_`
/// and `.`, starting and ending with a letter or digit), or `None`.
fn bucket_name_problem(name: &str) -> Option<&'static str> {
    let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || "-_.".contains(c);
    let edge = |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    let longest = if name.contains('.') { 222 } else { 63 };
    if !(3..=longest).contains(&name.len()) {
        return Some("it must be 3 to 63 characters long (222 with dots)");
    }
    if !name.chars().all(allowed) {
        return Some("only lowercase letters, digits, '-', '_' and '.' are allowed");
    }
    if !edge(name.chars().next()) || !edge(name.chars().last()) {
        return Some("it must start and end with a letter or a digit");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_bucket_and_prefix_and_joins_cleanly() {
        let uri = GcsUri::parse("gs://my-bucket/peel/runs/").unwrap();
        assert_eq!(
            (uri.bucket.as_str(), uri.object.as_str()),
            ("my-bucket", "peel/runs")
        );
        assert_eq!(
            uri.join("7/input.jsonl").to_string(),
            "gs://my-bucket/peel/runs/7/input.jsonl"
        );
        let bare = GcsUri::parse("gs://my-bucket").unwrap();
        assert_eq!(bare.join("/7/").to_string(), "gs://my-bucket/7");
    }

    #[test]
    fn refuses_what_cloud_storage_refuses() {
        assert!(
            GcsUri::parse("gs:///prefix")
                .unwrap_err()
                .contains("names no bucket")
        );
        assert!(
            GcsUri::parse("s3://b/p")
                .unwrap_err()
                .contains("gs://BUCKET/PREFIX")
        );
        assert!(
            GcsUri::parse("gs://My_Bucket/p")
                .unwrap_err()
                .contains("lowercase")
        );
        assert!(GcsUri::parse("gs://ab/p").unwrap_err().contains("3 to 63"));
    }
}
