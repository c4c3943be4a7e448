//! Reading an import file, a record at a time: NDJSON, a JSON array, or CSV (one file per type).
//! Nothing holds the whole file: each record goes to `sink` as soon as it is read, with the line
//! of the file it starts on (from 1), or with why it could not be read and on which line.

use std::{
    cell::Cell,
    io::{BufRead, Read},
    rc::Rc,
};

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

/// A record read from the file, as JSON, at its `line`.
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

/// Hands each element of a top-level JSON array to the sink as it is parsed, with the line it
/// starts on.
struct Elements<'a> {
    sink: &'a mut dyn FnMut(Read1),
    count: u64,
    /// Line breaks the parser has read so far (see `Lines`).
    breaks: Rc<Cell<u64>>,
}

/// One element, read at the line the parser is on when it starts it.
struct Element {
    breaks: Rc<Cell<u64>>,
}

impl<'de> DeserializeSeed<'de> for Element {
    type Value = (u64, Value);

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        // serde_json has skipped the separator and the blanks before the element and peeked at its
        // first byte, which is no line break: the breaks read so far are those before it.
        let line = self.breaks.get() + 1;
        Ok((line, <Value as serde::Deserialize>::deserialize(deserializer)?))
    }
}

impl<'de> Visitor<'de> for &mut Elements<'_> {
    type Value = ();

    fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
        formatter.write_str("an array of records")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some((line, value)) = seq.next_element_seed(Element { breaks: self.breaks.clone() })? {
            self.count += 1;
            (self.sink)((line, Ok(value)));
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

/// Counts the line breaks read through it. serde_json reads from a reader a byte at a time and
/// peeks at most one byte ahead, so the count says where the parser is; its errors carry their
/// own line, but the elements it hands over do not.
struct Lines<R> {
    inner: R,
    breaks: Rc<Cell<u64>>,
}

impl<R: Read> Read for Lines<R> {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        let read = self.inner.read(buffer)?;
        let breaks = buffer[..read].iter().filter(|&&byte| byte == b'\n').count() as u64;
        self.breaks.set(self.breaks.get() + breaks);
        Ok(read)
    }
}

fn json_array(mut input: impl BufRead, sink: &mut dyn FnMut(Read1)) -> u64 {
    // A byte order mark is accepted, as in NDJSON.
    if let Ok(start) = input.fill_buf()
        && start.starts_with(b"\xEF\xBB\xBF")
    {
        input.consume(3);
    }
    let breaks = Rc::new(Cell::new(0));
    let mut elements = Elements { sink, count: 0, breaks: breaks.clone() };
    let mut deserializer = serde_json::Deserializer::from_reader(Lines { inner: input, breaks: breaks.clone() });
    let result = (&mut elements).deserialize(&mut deserializer).and_then(|()| deserializer.end());
    if let Err(error) = result {
        let code = match error.classify() {
            serde_json::error::Category::Eof => "TRUNCATED_FILE",
            serde_json::error::Category::Io => "READ_FAILED",
            _ => "MALFORMED_JSON",
        };
        // A syntax error knows its line; a failed read does not (its line is 0): it is where the
        // parser had got to.
        let line = if error.line() > 0 { error.line() as u64 } else { breaks.get() + 1 };
        let message = format!("record {}: {error}", elements.count + 1);
        (elements.sink)((line, Err(Failure::file(code, message))));
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

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(format: Format, text: &str) -> Vec<(u64, Result<Value, &'static str>)> {
        let mut read = Vec::new();
        super::read(format, text.as_bytes(), &mut |(line, result)| {
            read.push((line, result.map_err(|failure| failure.code)));
        });
        read
    }

    #[test]
    fn a_json_array_reports_the_lines_of_the_file() {
        let pretty = "[\n  {\n    \"a\": 1\n  },\n\n  {\"b\": 2}, {\"c\": 3}\n]\n";
        let read = lines(Format::Json, pretty);
        let at: Vec<u64> = read.iter().map(|(line, _)| *line).collect();
        assert_eq!(at, [2, 6, 6], "each record at the line it starts on: {read:?}");
        assert_eq!(lines(Format::Json, "[\n{\"a\": 1},\n{\"b\"")[1], (3, Err("TRUNCATED_FILE")));
        assert_eq!(lines(Format::Json, "[\n{\"a\": 1},\n\n{\"b\" 2}\n]")[1], (4, Err("MALFORMED_JSON")));
    }
}
