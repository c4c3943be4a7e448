//! The first pass: read the file, check each record, and spool the good ones by type; keep their
//! keys (to resolve references in any order and to catch a key given twice), the organisations'
//! parents (to catch cycles), and every failure.

use std::{
    collections::{HashMap, HashSet},
    fs::File,
    io::{BufReader, BufWriter, Read, Seek, Write},
    path::PathBuf,
};

use serde::{Deserialize, Serialize};

use super::{
    Failure, check,
    progress::Reporter,
    reader::{self, Format},
    record::{Kind, Record},
};
use crate::{error::ApiError, service::write::ContentLimits};

/// A checked record and where it came from.
pub struct Spooled {
    /// The file it came from, when an import reads several.
    pub file: Option<String>,
    pub line: u64,
    pub record: Record,
}

/// A spooled record on disk, in postcard (a compact binary serde format), after its length as
/// four little-endian bytes. Its type is the spool's, so the record is written without its tag
/// (postcard cannot read an internally tagged enum, and JSON buffered every field to find it).
/// A binary spool halves the first pass's writing and the second pass's reading: strings are
/// copied, never escaped or scanned.
#[derive(Serialize, Deserialize)]
struct OnDisk<T> {
    file: Option<String>,
    line: u64,
    record: T,
}

fn decode(kind: Kind, bytes: &[u8]) -> postcard::Result<Spooled> {
    fn read<T: serde::de::DeserializeOwned>(bytes: &[u8], wrap: fn(T) -> Record) -> postcard::Result<Spooled> {
        let OnDisk { file, line, record } = postcard::from_bytes::<OnDisk<T>>(bytes)?;
        Ok(Spooled { file, line, record: wrap(record) })
    }
    match kind {
        Kind::Organisation => read(bytes, Record::Organisation),
        Kind::Topic => read(bytes, Record::Topic),
        Kind::Contact => read(bytes, Record::Contact),
        Kind::Commission => read(bytes, Record::Commission),
        Kind::Release => read(bytes, Record::Release),
    }
}

fn encode(spooled: Spooled) -> postcard::Result<Vec<u8>> {
    let Spooled { file, line, record } = spooled;
    match record {
        Record::Organisation(record) => postcard::to_allocvec(&OnDisk { file, line, record }),
        Record::Topic(record) => postcard::to_allocvec(&OnDisk { file, line, record }),
        Record::Contact(record) => postcard::to_allocvec(&OnDisk { file, line, record }),
        Record::Commission(record) => postcard::to_allocvec(&OnDisk { file, line, record }),
        Record::Release(record) => postcard::to_allocvec(&OnDisk { file, line, record }),
    }
}

/// The good records of one type, on disk.
pub struct Spool {
    kind: Kind,
    file: BufWriter<File>,
    pub count: u64,
}

impl Spool {
    /// The records, in file order.
    pub fn records(self) -> Result<impl Iterator<Item = Result<Spooled, ApiError>>, ApiError> {
        let mut file = self.file.into_inner().map_err(|error| io(error.into_error()))?;
        file.rewind().map_err(io)?;
        let (kind, mut left) = (self.kind, self.count);
        let mut input = BufReader::with_capacity(256 * 1024, file);
        let mut buffer = Vec::new();
        Ok(std::iter::from_fn(move || {
            if left == 0 {
                return None;
            }
            left -= 1;
            let mut length = [0; 4];
            let read = input.read_exact(&mut length).and_then(|()| {
                buffer.resize(u32::from_le_bytes(length) as usize, 0);
                input.read_exact(&mut buffer)
            });
            Some(read.map_err(io).and_then(|()| {
                decode(kind, &buffer).map_err(|error| ApiError::BadRequest(format!("import spool: {error}")))
            }))
        }))
    }
}

fn io(error: std::io::Error) -> ApiError {
    ApiError::BadRequest(format!("cannot read or write the import's temporary files: {error}"))
}

/// What the first pass found.
pub struct Plan {
    pub spools: HashMap<Kind, Spool>,
    /// The natural keys of the good records of each type.
    pub keys: HashMap<Kind, HashSet<String>>,
    /// Each organisation's parent slug, as the file sets it.
    pub parents: HashMap<String, (u64, Option<String>)>,
    pub failures: Vec<Failure>,
    pub records: u64,
    /// Good records that the whole file makes bad (organisations in a parent cycle).
    pub rejected: HashSet<(Kind, String)>,
    /// The releases that a good record names as its translation (`language/slug`).
    pub translated: HashSet<String>,
    /// The slug of the organisation of the file holding each external identifier, by reference
    /// (`scheme=value`).
    pub organisation_refs: HashMap<String, String>,
    /// The key of the release of the file holding each external identifier (`scheme=value`).
    pub release_refs: HashMap<String, String>,
    /// Each topic's parent slug, as the file sets it.
    pub topic_parents: HashMap<String, (u64, Option<String>)>,
}

/// Counts the bytes read, for progress.
struct Counting<R> {
    inner: R,
    bytes: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl<R: std::io::Read> std::io::Read for Counting<R> {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        let read = self.inner.read(buffer)?;
        self.bytes.fetch_add(read as u64, std::sync::atomic::Ordering::Relaxed);
        Ok(read)
    }
}

/// Reads and checks the files `inputs`, in order, as one import.
pub fn read(inputs: &[(PathBuf, Format)], limits: &ContentLimits, progress: &Reporter) -> Result<Plan, ApiError> {
    let total_bytes = inputs.iter().filter_map(|(path, _)| std::fs::metadata(path).ok()).map(|m| m.len()).sum();
    let bytes = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let bytes_read = || bytes.load(std::sync::atomic::Ordering::Relaxed);
    let mut plan = Plan {
        spools: HashMap::new(),
        keys: HashMap::new(),
        parents: HashMap::new(),
        failures: Vec::new(),
        records: 0,
        rejected: HashSet::new(),
        translated: HashSet::new(),
        organisation_refs: HashMap::new(),
        release_refs: HashMap::new(),
        topic_parents: HashMap::new(),
    };
    let mut first_line: HashMap<(Kind, String), (Option<String>, u64)> = HashMap::new();
    let mut error = None;
    for (path, format) in inputs {
        let file = Counting { inner: File::open(path).map_err(io)?, bytes: bytes.clone() };
        let name =
            (inputs.len() > 1).then(|| path.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned()));
        // Progress counts records, not lines: a JSON array's records can span many lines, or share one.
        let mut seen = 0;
        let records = reader::read(*format, file, &mut |(line, result)| {
            seen += 1;
            progress.tick(plan.records + seen, None, bytes_read(), total_bytes);
            let failures = match result.map_err(|failure| vec![failure]).and_then(|value| check::record(value, limits))
            {
                Ok(record) => {
                    let (kind, key) = (record.kind(), record.key());
                    if let Some((file, first)) = first_line.get(&(kind, key.clone())) {
                        let place = match file {
                            Some(file) => format!("{file}, line {first}"),
                            None => format!("line {first}"),
                        };
                        vec![Failure {
                            kind: Some(kind),
                            key: Some(key.clone()),
                            ..Failure::file("DUPLICATE_KEY", format!("the same {} is already on {place}", kind.name()))
                        }]
                    } else if let Some(failure) = external_ids_taken(&mut plan, &record) {
                        vec![failure]
                    } else {
                        first_line.insert((kind, key.clone()), (name.clone(), line));
                        if let Record::Organisation(organisation) = &record {
                            plan.parents.insert(key.clone(), (line, organisation.parent.clone()));
                        }
                        if let Record::Release(release) = &record {
                            plan.translated.extend(release.translations.iter().cloned());
                        }
                        if let Record::Topic(topic) = &record {
                            plan.topic_parents.insert(key.clone(), (line, topic.parent.clone()));
                        }
                        plan.keys.entry(kind).or_default().insert(key);
                        if let Err(failure) = spool(&mut plan.spools, Spooled { file: name.clone(), line, record }) {
                            error.get_or_insert(failure);
                        }
                        Vec::new()
                    }
                }
                Err(failures) => failures,
            };
            plan.failures.extend(failures.into_iter().map(|failure| Failure {
                file: name.clone(),
                line: Some(line),
                ..failure
            }));
        });
        plan.records += records;
    }
    if let Some(error) = error {
        return Err(error);
    }
    if plan.records == 0 && plan.failures.is_empty() {
        plan.failures.push(Failure::file("EMPTY_FILE", "the file holds no records".into()));
    }
    // Parents named by external identifier, as the slugs of the file's organisations holding them.
    for (_, parent) in plan.parents.values_mut() {
        if let Some(slug) = parent.as_ref().and_then(|reference| plan.organisation_refs.get(reference)) {
            *parent = Some(slug.clone());
        }
    }
    cycles(&mut plan);
    progress.done(plan.records, None, bytes_read(), total_bytes);
    Ok(plan)
}

fn spool(spools: &mut HashMap<Kind, Spool>, spooled: Spooled) -> Result<(), ApiError> {
    let kind = spooled.record.kind();
    let spool = match spools.entry(kind) {
        std::collections::hash_map::Entry::Occupied(entry) => entry.into_mut(),
        std::collections::hash_map::Entry::Vacant(entry) => {
            let file = BufWriter::with_capacity(256 * 1024, tempfile::tempfile().map_err(io)?);
            entry.insert(Spool { kind, file, count: 0 })
        }
    };
    let bytes = encode(spooled).map_err(|error| ApiError::BadRequest(format!("import spool: {error}")))?;
    let length = u32::try_from(bytes.len()).map_err(|_| ApiError::BadRequest("a record is over 4 GB".into()))?;
    spool.file.write_all(&length.to_le_bytes()).and_then(|()| spool.file.write_all(&bytes)).map_err(io)?;
    spool.count += 1;
    Ok(())
}

/// The failure of a record holding an external identifier that an earlier record of its type in
/// the file holds (CONFLICT, naming that record); otherwise the record's identifiers are noted.
fn external_ids_taken(plan: &mut Plan, record: &Record) -> Option<Failure> {
    let (ids, holders) = match record {
        Record::Organisation(o) => (&o.external_ids, &mut plan.organisation_refs),
        Record::Release(r) => (&r.external_ids, &mut plan.release_refs),
        _ => return None,
    };
    let key = record.key();
    for (index, id) in ids.iter().enumerate() {
        if let Some(holder) = holders.get(&id.reference()).filter(|holder| **holder != key) {
            let kind = record.kind();
            let message = format!("the external id `{}` is already the {} `{holder}`'s", id.reference(), kind.name());
            return Some(Failure {
                kind: Some(kind),
                key: Some(key),
                field: Some(format!("external_ids[{index}]")),
                ..Failure::file("CONFLICT", message)
            });
        }
    }
    for id in ids {
        holders.insert(id.reference(), key.clone());
    }
    None
}

/// Organisations (and topics) whose parents, as the file sets them, lead back to themselves.
fn cycles(plan: &mut Plan) {
    for (kind, parents) in [(Kind::Organisation, &plan.parents), (Kind::Topic, &plan.topic_parents)] {
        for (slug, line) in cycles_in(parents) {
            plan.rejected.insert((kind, slug.clone()));
            plan.failures.push(Failure {
                line,
                kind: Some(kind),
                key: Some(slug),
                field: Some("parent".into()),
                ..Failure::file("REFERENCE_CYCLE", "its parents lead back to itself".into())
            });
        }
    }
}

/// The records of `parents` whose parents lead back to themselves, by slug, with their lines.
fn cycles_in(parents: &HashMap<String, (u64, Option<String>)>) -> Vec<(String, Option<u64>)> {
    let mut in_cycle = Vec::new();
    for start in parents.keys() {
        let mut seen = HashSet::new();
        let mut at = start;
        while let Some((_, Some(parent))) = parents.get(at) {
            if parent == start {
                in_cycle.push(start.clone());
                break;
            }
            if !seen.insert(parent) {
                break;
            }
            at = parent;
        }
    }
    in_cycle.sort();
    in_cycle
        .into_iter()
        .map(|slug| {
            let line = parents.get(&slug).map(|(line, _)| *line);
            (slug, line)
        })
        .collect()
}
