//! Reading an import file, a record at a time: NDJSON, a JSON array, or CSV (one file per type).
//! Nothing holds the whole file: each record goes to `sink` as soon as it is read, with its line
//! (NDJSON, CSV) or position (JSON array), or with why it could not be read.

use std::io::{BufRead, Read};

use serde::de::{DeserializeSeed, SeqAccess, Visitor};
use serde_json::{Map, Value};

use super::{Failure, cells, record::Kind};

/// The file formats import reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// One JSON record per line, each with its `type`.
    Ndjson,
    /// A JSON array of the same records.
    Json,
    /// One type per file, a header row, cells in the documented syntax.
    Csv(Kind),
}

/// Longest line (or CSV row) read: a line longer than this is refused rather than buffered.
pub const MAX_LINE_BYTES: usize = 8 * 1024 * 1024;

/// A record read from the file, as JSON, at its `line` (or position in a JSON array).
pub type Read1 = (u64, Result<Value, Failure>);

/// Reads `input` in `format`, handing each record to `sink`. Returns how many records were found.
pub fn read(format: Format, input: impl Read, sink: &mut dyn FnMut(Read1)) -> u64 {
    match format {
        Format::Ndjson => ndjson(std::io::BufReader::with_capacity(256 * 1024, input), sink),
        Format::Json => json_array(std::io::BufReader::with_capacity(256 * 1024, input), sink),
        Format::Csv(kind) => csv(kind, input, sink),
    }
}

fn ndjson(mut input: impl BufRead, sink: &mut dyn FnMut(Read1)) -> u64 {
    let mut buffer = Vec::new();
    let mut line = 0;
    let mut records = 0;
    loop {
        buffer.clear();
        let read = match (&mut input).take(MAX_LINE_BYTES as u64 + 1).read_until(b'\n', &mut buffer) {
            Ok(read) => read,
            Err(error) => {
                sink((line + 1, Err(Failure::file("READ_FAILED", error.to_string()))));
                return records;
            }
        };
        if read == 0 {
            return records;
        }
        line += 1;
        let terminated = buffer.last() == Some(&b'\n');
        if !terminated && buffer.len() > MAX_LINE_BYTES {
            sink((line, Err(Failure::file("LINE_TOO_LONG", format!("a line is longer than {MAX_LINE_BYTES} bytes")))));
            return records;
        }
        let mut bytes = buffer.as_slice();
        if line == 1 {
            bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        }
        let bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
        let bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
        if bytes.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        records += 1;
        let result = match std::str::from_utf8(bytes) {
            Err(error) => Err(Failure::file(
                "INVALID_UTF8",
                format!("the line is not UTF-8 (bad byte at column {})", error.valid_up_to() + 1),
            )),
            Ok(text) => serde_json::from_str::<Value>(text).map_err(|error| {
                if error.is_eof() && !terminated {
                    Failure::file("TRUNCATED_LINE", format!("the last line ends in the middle of a record: {error}"))
                } else {
                    Failure::file("MALFORMED_JSON", error.to_string())
                }
            }),
        };
        sink((line, result));
    }
}

/// Hands each element of a top-level JSON array to the sink as it is parsed.
struct Elements<'a> {
    sink: &'a mut dyn FnMut(Read1),
    count: u64,
}

impl<'de> Visitor<'de> for &mut Elements<'_> {
    type Value = ();

    fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
        formatter.write_str("an array of records")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(value) = seq.next_element::<Value>()? {
            self.count += 1;
            (self.sink)((self.count, Ok(value)));
        }
        Ok(())
    }
}

impl<'de> DeserializeSeed<'de> for &mut Elements<'_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

fn json_array(mut input: impl BufRead, sink: &mut dyn FnMut(Read1)) -> u64 {
    // A byte order mark is accepted, as in NDJSON.
    if let Ok(start) = input.fill_buf()
        && start.starts_with(b"\xEF\xBB\xBF")
    {
        input.consume(3);
    }
    let mut elements = Elements { sink, count: 0 };
    let mut deserializer = serde_json::Deserializer::from_reader(input);
    let result = (&mut elements).deserialize(&mut deserializer).and_then(|()| deserializer.end());
    if let Err(error) = result {
        let code = if error.is_eof() { "TRUNCATED_FILE" } else { "MALFORMED_JSON" };
        let at = elements.count + 1;
        (elements.sink)((at, Err(Failure::file(code, format!("record {at}: {error}")))));
    }
    elements.count
}

fn csv(kind: Kind, input: impl Read, sink: &mut dyn FnMut(Read1)) -> u64 {
    let mut reader = csv::ReaderBuilder::new().has_headers(true).flexible(false).from_reader(input);
    let headers = match reader.headers() {
        Ok(headers) => {
            headers.iter().map(|header| header.trim_start_matches('\u{feff}').to_owned()).collect::<Vec<_>>()
        }
        Err(error) => {
            sink((1, Err(Failure::file("MALFORMED_CSV", error.to_string()))));
            return 0;
        }
    };
    let mut records = 0;
    for row in reader.records() {
        records += 1;
        let result = match row {
            Ok(row) => {
                let line = row.position().map_or(records + 1, |position| position.line());
                let mut object = Map::new();
                object.insert("type".into(), Value::String(kind.name().into()));
                for (column, text) in headers.iter().zip(row.iter()) {
                    let value = cells::parse(kind, column, text);
                    // An empty cell means "none", but only in a column the type has: an unknown
                    // one is kept, empty or not, so that it is reported rather than lost.
                    if !value.is_null() || !cells::columns(kind).contains(&column.as_str()) {
                        object.insert(column.clone(), value);
                    }
                }
                (line, Ok(Value::Object(object)))
            }
            Err(error) => {
                let line = error.position().map_or(records + 1, |position| position.line());
                let failure = match error.kind() {
                    csv::ErrorKind::UnequalLengths { expected_len, len, .. } => Failure::file(
                        "CSV_ROW_LENGTH",
                        format!("the row has {len} cells where the header has {expected_len}"),
                    ),
                    csv::ErrorKind::Utf8 { .. } => Failure::file("INVALID_UTF8", "the row is not UTF-8".into()),
                    _ => Failure::file("MALFORMED_CSV", error.to_string()),
                };
                (line, Err(failure))
            }
        };
        sink(result);
    }
    records
}
