//! Cloud Storage's JSON API, the subset the Vertex batch lane and Google's client library
//! use: buckets (`peel sim --bucket`, `POST /storage/v1/b`), objects kept on disk with the
//! `crc32c` and `md5Hash` GCS keeps, media, multipart and resumable uploads, metadata and
//! media reads, listing by prefix, deletes. `routes/` holds the handlers; `refs.rs` reads
//! the `gs://` objects Vertex AI requests name; this file the store and the resource JSON.

pub mod refs;
pub mod routes;

use std::collections::{BTreeMap, HashMap};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use md5::Digest as _;
use serde_json::{Value, json};

use crate::store::owner::Owner;

/// One stored object.
#[derive(Debug, Clone)]
pub struct Object {
    /// Its name.
    pub name: String,
    /// Its bucket.
    pub bucket: String,
    /// Bytes.
    pub size: u64,
    /// Base64 big-endian CRC32C.
    pub crc32c: String,
    /// Base64 MD5.
    pub md5: String,
    /// Generation (microseconds since the epoch, as GCS does).
    pub generation: i64,
    /// Content type.
    pub content_type: String,
    /// When it was written.
    pub created: DateTime<Utc>,
    /// Where its bytes are.
    pub path: Arc<PathBuf>,
}

impl Object {
    /// The `storage#object` resource.
    pub fn resource(&self, base_url: &str) -> Value {
        let encoded = encode(&self.name);
        json!({
            "kind": "storage#object",
            "id": format!("{}/{}/{}", self.bucket, self.name, self.generation),
            "selfLink": format!("{base_url}/storage/v1/b/{}/o/{encoded}", self.bucket),
            "mediaLink": format!("{base_url}/download/storage/v1/b/{}/o/{encoded}?generation={}&alt=media", self.bucket, self.generation),
            "name": self.name,
            "bucket": self.bucket,
            "generation": self.generation.to_string(),
            "metageneration": "1",
            "contentType": self.content_type,
            "storageClass": "STANDARD",
            "size": self.size.to_string(),
            "md5Hash": self.md5,
            "crc32c": self.crc32c,
            "etag": STANDARD.encode(self.generation.to_be_bytes()),
            "timeCreated": rfc3339(self.created),
            "updated": rfc3339(self.created),
            "timeStorageClassUpdated": rfc3339(self.created),
        })
    }
}

/// RFC 3339 with milliseconds, as GCS writes times.
pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// An object name percent-encoded as one path segment.
pub fn encode(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

struct Bucket {
    created: DateTime<Utc>,
    read_only: bool,
    objects: BTreeMap<String, Object>,
}

/// A resumable upload in progress.
#[derive(Debug, Clone)]
pub struct Session {
    /// Target bucket.
    pub bucket: String,
    /// Target name.
    pub name: String,
    /// Content type.
    pub content_type: String,
    /// Checksums the client declared.
    pub declared: Declared,
    /// Bytes received so far (in `partial`).
    pub received: u64,
    /// The bytes so far.
    pub partial: PathBuf,
    /// The object, once complete.
    pub done: Option<Object>,
}

/// Checksums a client declared for an upload (metadata or `x-goog-hash`).
#[derive(Debug, Clone, Default)]
pub struct Declared {
    /// Base64 CRC32C.
    pub crc32c: Option<String>,
    /// Base64 MD5.
    pub md5: Option<String>,
}

/// Why a write was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteRefusal {
    /// No such bucket.
    NoBucket,
    /// The bucket may not be written.
    ReadOnly,
    /// A declared checksum does not match the bytes.
    Mismatch(String),
    /// The disk failed.
    Disk(String),
}

/// The start of the name of each simulator's object folder, followed by its process.
const FOLDER_PREFIX: &str = "peel-sim-gcs-";

/// Removes the object folders of simulators that are gone (killed before they could clean
/// up), read from their names: `peel-sim-gcs-<pid>-<start>-<random>`.
fn sweep_orphans() {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = name.strip_prefix(FOLDER_PREFIX) else {
            continue;
        };
        let mut parts = rest.splitn(3, '-');
        let (Some(pid), Some(started)) = (parts.next(), parts.next()) else {
            continue;
        };
        let (Ok(pid), Ok(started)) = (pid.parse::<u32>(), started.parse::<u64>()) else {
            continue;
        };
        if !(Owner { pid, started }).is_alive() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// Buckets, objects (bytes on disk) and upload sessions.
pub struct ObjectStore {
    /// Made on the first write, so a simulator that stores nothing leaves nothing behind.
    dir: std::sync::OnceLock<Result<tempfile::TempDir, String>>,
    inner: Mutex<Inner>,
}

struct Inner {
    buckets: BTreeMap<String, Bucket>,
    sessions: HashMap<String, Session>,
    last_generation: i64,
}

impl ObjectStore {
    /// A store with `buckets` (writable) and `read_only` buckets.
    pub fn new(buckets: &[String], read_only: &[String]) -> std::io::Result<Self> {
        let mut map = BTreeMap::new();
        for (name, read_only) in buckets
            .iter()
            .map(|b| (b, false))
            .chain(read_only.iter().map(|b| (b, true)))
        {
            map.insert(
                name.clone(),
                Bucket {
                    created: Utc::now(),
                    read_only,
                    objects: BTreeMap::new(),
                },
            );
        }
        Ok(Self {
            dir: std::sync::OnceLock::new(),
            inner: Mutex::new(Inner {
                buckets: map,
                sessions: HashMap::new(),
                last_generation: 0,
            }),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The `storage#bucket` resource, if the bucket exists.
    pub fn bucket(&self, name: &str, project: &str) -> Option<Value> {
        let inner = self.lock();
        let bucket = inner.buckets.get(name)?;
        Some(json!({
            "kind": "storage#bucket",
            "id": name,
            "name": name,
            "projectNumber": "123456789012",
            "metageneration": "1",
            "location": "US",
            "locationType": "multi-region",
            "storageClass": "STANDARD",
            "etag": "CAE=",
            "timeCreated": rfc3339(bucket.created),
            "updated": rfc3339(bucket.created),
            "selfLink": format!("https://www.googleapis.com/storage/v1/b/{name}"),
            "labels": {"peel-sim-project": project.to_ascii_lowercase()},
        }))
    }

    /// Creates a bucket; false when it exists already.
    pub fn create_bucket(&self, name: &str) -> bool {
        let mut inner = self.lock();
        if inner.buckets.contains_key(name) {
            return false;
        }
        inner.buckets.insert(
            name.to_string(),
            Bucket {
                created: Utc::now(),
                read_only: false,
                objects: BTreeMap::new(),
            },
        );
        true
    }

    /// Whether `bucket` may be written: `Err` says why not.
    pub fn writable(&self, bucket: &str) -> Result<(), WriteRefusal> {
        match self.lock().buckets.get(bucket) {
            None => Err(WriteRefusal::NoBucket),
            Some(b) if b.read_only => Err(WriteRefusal::ReadOnly),
            Some(_) => Ok(()),
        }
    }

    /// One object, if present.
    pub fn object(&self, bucket: &str, name: &str) -> Result<Option<Object>, WriteRefusal> {
        let inner = self.lock();
        let bucket = inner.buckets.get(bucket).ok_or(WriteRefusal::NoBucket)?;
        Ok(bucket.objects.get(name).cloned())
    }

    /// Objects whose name starts with `prefix`, in name order.
    pub fn list(&self, bucket: &str, prefix: &str) -> Option<Vec<Object>> {
        let inner = self.lock();
        let bucket = inner.buckets.get(bucket)?;
        Some(
            bucket
                .objects
                .range(prefix.to_string()..)
                .take_while(|(name, _)| name.starts_with(prefix))
                .map(|(_, o)| o.clone())
                .collect(),
        )
    }

    /// Deletes an object; false when there was none.
    pub fn delete(&self, bucket: &str, name: &str) -> Result<bool, WriteRefusal> {
        self.writable(bucket)?;
        let mut inner = self.lock();
        let bucket = inner
            .buckets
            .get_mut(bucket)
            .ok_or(WriteRefusal::NoBucket)?;
        Ok(bucket.objects.remove(name).is_some())
    }

    /// A fresh file in the store's folder.
    pub fn scratch(&self) -> Result<PathBuf, WriteRefusal> {
        let dir = self.dir.get_or_init(|| {
            sweep_orphans();
            let me = Owner::current();
            tempfile::Builder::new()
                .prefix(&format!("{FOLDER_PREFIX}{}-{}-", me.pid, me.started))
                .tempdir()
                .map_err(|e| format!("the simulator's Cloud Storage folder: {e}"))
        });
        let name = format!("blob-{}", uuid::Uuid::now_v7().simple());
        match dir {
            Ok(dir) => Ok(dir.path().join(name)),
            Err(e) => Err(WriteRefusal::Disk(e.clone())),
        }
    }

    /// Stores the bytes at `file` (moved into the store) as `bucket/name`, checking what
    /// the client declared.
    pub fn put_file(
        &self,
        bucket: &str,
        name: &str,
        content_type: &str,
        file: &Path,
        declared: &Declared,
    ) -> Result<Object, WriteRefusal> {
        self.writable(bucket)?;
        let (size, crc32c, md5) = checksums(file).map_err(|e| WriteRefusal::Disk(e.to_string()))?;
        if let Some(want) = declared.crc32c.as_deref().filter(|w| *w != crc32c) {
            return Err(WriteRefusal::Mismatch(format!(
                "Provided CRC32C \"{want}\" doesn't match calculated CRC32C \"{crc32c}\"."
            )));
        }
        if let Some(want) = declared.md5.as_deref().filter(|w| *w != md5) {
            return Err(WriteRefusal::Mismatch(format!(
                "Provided MD5 hash \"{want}\" doesn't match calculated MD5 hash \"{md5}\"."
            )));
        }
        let kept = self.scratch()?;
        std::fs::rename(file, &kept).map_err(|e| WriteRefusal::Disk(e.to_string()))?;
        let mut inner = self.lock();
        let generation = (Utc::now().timestamp_micros()).max(inner.last_generation + 1);
        inner.last_generation = generation;
        let object = Object {
            name: name.to_string(),
            bucket: bucket.to_string(),
            size,
            crc32c,
            md5,
            generation,
            content_type: content_type.to_string(),
            created: Utc::now(),
            path: Arc::new(kept),
        };
        let bucket = inner
            .buckets
            .get_mut(bucket)
            .ok_or(WriteRefusal::NoBucket)?;
        bucket.objects.insert(name.to_string(), object.clone());
        Ok(object)
    }

    /// Stores `bytes` as `bucket/name`, checking what the client declared.
    pub fn put_bytes(
        &self,
        bucket: &str,
        name: &str,
        content_type: &str,
        bytes: &[u8],
        declared: &Declared,
    ) -> Result<Object, WriteRefusal> {
        let file = self.scratch()?;
        std::fs::write(&file, bytes).map_err(|e| WriteRefusal::Disk(e.to_string()))?;
        self.put_file(bucket, name, content_type, &file, declared)
    }

    /// Opens a resumable session; returns its id.
    pub fn open_session(
        &self,
        bucket: &str,
        name: &str,
        content_type: &str,
        declared: Declared,
    ) -> Result<String, WriteRefusal> {
        self.writable(bucket)?;
        let id = uuid::Uuid::now_v7().simple().to_string();
        let partial = self.scratch()?;
        std::fs::File::create(&partial).map_err(|e| WriteRefusal::Disk(e.to_string()))?;
        self.lock().sessions.insert(
            id.clone(),
            Session {
                bucket: bucket.to_string(),
                name: name.to_string(),
                content_type: content_type.to_string(),
                declared,
                received: 0,
                partial,
                done: None,
            },
        );
        Ok(id)
    }

    /// A session as it stands.
    pub fn session(&self, id: &str) -> Option<Session> {
        self.lock().sessions.get(id).cloned()
    }

    /// Appends `bytes` received at `start` to a session; the object when `total` is reached.
    pub fn append(
        &self,
        id: &str,
        start: u64,
        bytes: &[u8],
        total: Option<u64>,
    ) -> Result<Session, WriteRefusal> {
        let session = self.session(id).ok_or(WriteRefusal::NoBucket)?;
        if session.done.is_some() {
            return Ok(session);
        }
        // Bytes the service already holds are skipped; a gap is not accepted.
        let skip = session.received.saturating_sub(start) as usize;
        if start <= session.received && skip <= bytes.len() {
            let mut file = std::fs::OpenOptions::new()
                .append(true)
                .open(&session.partial)
                .map_err(|e| WriteRefusal::Disk(e.to_string()))?;
            file.write_all(&bytes[skip..])
                .map_err(|e| WriteRefusal::Disk(e.to_string()))?;
            let received = session.received + (bytes.len() - skip) as u64;
            if let Some(s) = self.lock().sessions.get_mut(id) {
                s.received = received;
            }
        }
        let session = self.session(id).ok_or(WriteRefusal::NoBucket)?;
        if total.is_some_and(|t| session.received >= t) {
            let object = self.put_file(
                &session.bucket,
                &session.name,
                &session.content_type,
                &session.partial,
                &session.declared,
            )?;
            if let Some(s) = self.lock().sessions.get_mut(id) {
                s.done = Some(object);
            }
        }
        self.session(id).ok_or(WriteRefusal::NoBucket)
    }
}

/// Size, base64 CRC32C and base64 MD5 of a file.
fn checksums(path: &Path) -> std::io::Result<(u64, String, String)> {
    let mut file = std::fs::File::open(path)?;
    let mut crc = 0u32;
    let mut md5 = md5::Md5::new();
    let mut size = 0u64;
    let mut buffer = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        crc = crc32c::crc32c_append(crc, &buffer[..n]);
        md5.update(&buffer[..n]);
        size += n as u64;
    }
    Ok((
        size,
        STANDARD.encode(crc.to_be_bytes()),
        STANDARD.encode(md5.finalize()),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_is_made_on_disk_before_the_first_write() {
        let store = ObjectStore::new(&["b".into()], &[]).unwrap();
        assert!(store.writable("b").is_ok());
        assert!(store.list("b", "").is_some_and(|l| l.is_empty()));
        assert!(store.dir.get().is_none(), "a folder was made for nothing");
        let file = store.scratch().unwrap();
        assert!(file.parent().is_some_and(Path::exists));
    }

    #[test]
    fn folders_of_simulators_that_are_gone_are_swept() {
        let me = Owner::current();
        let gone = std::env::temp_dir().join(format!("{FOLDER_PREFIX}4194399-1-test"));
        let mine =
            std::env::temp_dir().join(format!("{FOLDER_PREFIX}{}-{}-test", me.pid, me.started));
        for dir in [&gone, &mine] {
            std::fs::create_dir_all(dir).unwrap();
            std::fs::write(dir.join("blob"), b"x").unwrap();
        }
        sweep_orphans();
        let (gone_left, mine_left) = (gone.exists(), mine.exists());
        let _ = std::fs::remove_dir_all(&mine);
        assert!(!gone_left, "the folder of a process that is gone stays");
        assert!(mine_left, "a live simulator's folder was removed");
    }

    #[test]
    fn objects_keep_gcs_checksums_and_sessions_resume() {
        let store = ObjectStore::new(&["b".into()], &["ro".into()]).unwrap();
        let object = store
            .put_bytes("b", "a/x.txt", "text/plain", b"", &Declared::default())
            .unwrap();
        assert_eq!(object.crc32c, "AAAAAA==");
        assert_eq!(object.md5, "1B2M2Y8AsgTpgAmY7PhCfg==");
        assert_eq!(
            store
                .put_bytes("ro", "x", "text/plain", b"x", &Declared::default())
                .unwrap_err(),
            WriteRefusal::ReadOnly
        );
        let id = store
            .open_session("b", "big", "text/plain", Declared::default())
            .unwrap();
        let s = store.append(&id, 0, b"hello ", Some(11)).unwrap();
        assert_eq!((s.received, s.done.is_some()), (6, false));
        let s = store.append(&id, 3, b"lo world", Some(11)).unwrap();
        let done = s.done.unwrap();
        assert_eq!(done.size, 11);
        assert_eq!(std::fs::read(&*done.path).unwrap(), b"hello world");
        assert_eq!(store.list("b", "a/").unwrap().len(), 1);
        assert_eq!(encode("a/b c"), "a%2Fb%20c");
    }

    #[test]
    fn a_declared_checksum_must_match() {
        let store = ObjectStore::new(&["b".into()], &[]).unwrap();
        let file = store.scratch().unwrap();
        std::fs::write(&file, b"abc").unwrap();
        let declared = Declared {
            crc32c: Some("AAAAAA==".into()),
            md5: None,
        };
        let refused = store
            .put_file("b", "x", "text/plain", &file, &declared)
            .unwrap_err();
        assert!(matches!(refused, WriteRefusal::Mismatch(m) if m.contains("CRC32C")));
    }
}
