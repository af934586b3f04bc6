//! Reading a roster and checking its rows: the reader hands rows, a chunk at a time,
//! to checker threads that apply the rules of manual entry (and the union's units) and
//! hash and encrypt the ID numbers, while the rest of the file is still being read.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap, VecDeque};

use entity::value::{mask_id_number, mask_phone};
use entity::{task, unit};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::reader::{self, FileRefused, Limits};
use super::result::{RowOutcome, RowResult};
use super::{ImportParams, ReadyRow};
use crate::task_runner::TaskError;
use crate::workers::JobContext;

/// What the reading thread ends with: the file's layout, or why the file is refused.
pub(super) type Reading =
    tokio::task::JoinHandle<Result<Result<reader::Layout, FileRefused>, TaskError>>;

/// Rows checked together, `start` being the index of the first. Chunks may arrive out
/// of file order (several checkers); `Settled` puts them back in order.
pub(super) type CheckedChunk = (usize, Vec<Checked>);

/// Starts reading the roster and checking every row with the rules of manual entry (and
/// the union's units), off the async runtime: the rows go from the reader, in chunks, to
/// checker threads that hash and encrypt their ID numbers and send each checked chunk
/// on `out` while the rest of the file is still being read, so the import can write
/// the first rows meanwhile. The reading thread's end says whether the file was good.
pub(super) async fn start_reading(
    ctx: &JobContext,
    task: &task::Model,
    params: &ImportParams,
    bytes: Vec<u8>,
    out: tokio::sync::mpsc::Sender<CheckedChunk>,
) -> Result<Reading, TaskError> {
    let limits = Limits {
        max_rows: ctx.settings.import_max_rows,
        max_uncompressed_bytes: ctx.settings.import_max_uncompressed_mb * 1024 * 1024,
    };
    let units = union_units(ctx, task.org_id).await?;
    // Checked on upload; a unit deleted since then is no default.
    let default_unit = params
        .default_unit_id
        .filter(|id| units.values().any(|u| u == id));
    let today = ctx.clock.today();
    let cipher = ctx.cipher.clone();
    Ok(tokio::task::spawn_blocking(move || {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
        let (sender, chunks) = std::sync::mpsc::sync_channel::<Chunk>(2 * threads);
        // Each checker holds the receiving end: should every one of them panic, or the
        // import stop listening, the reader's next send fails instead of waiting for ever.
        let chunks = std::sync::Arc::new(std::sync::Mutex::new(chunks));
        let check = &|chunk: Chunk| {
            let unit_rule = UnitRule {
                units: &units,
                default_unit,
                has_unit_column: chunk.has_unit_column,
            };
            let checked = chunk
                .rows
                .into_iter()
                .enumerate()
                .map(|(i, row)| check_row(&cipher, &unit_rule, today, chunk.start + i, row))
                .collect::<Vec<_>>();
            (chunk.start, checked)
        };
        std::thread::scope(|scope| {
            let checkers: Vec<_> = (0..threads)
                .map(|_| {
                    let chunks = std::sync::Arc::clone(&chunks);
                    let out = out.clone();
                    scope.spawn(move || {
                        while let Some(chunk) = next_chunk(&chunks) {
                            if out.blocking_send(check(chunk)).is_err() {
                                // The import stopped (an error): nothing more to check.
                                break;
                            }
                        }
                    })
                })
                .collect();
            drop((chunks, out));
            let mut sink = ChunkSink::new(sender);
            let layout = reader::read_into(&bytes, limits, &mut sink);
            sink.finish();
            for checker in checkers {
                checker
                    .join()
                    .map_err(|_| TaskError::Other("import: a row checker panicked".into()))?;
            }
            Ok(layout)
        })
    }))
}

/// The next chunk to check; `None` once the reader is done. The lock is held only to
/// take it.
fn next_chunk(chunks: &std::sync::Mutex<std::sync::mpsc::Receiver<Chunk>>) -> Option<Chunk> {
    let chunks = chunks
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    chunks.recv().ok()
}

/// Rows in file order, `start` being the index of the first.
struct Chunk {
    start: usize,
    rows: Vec<reader::ParsedRow>,
    has_unit_column: bool,
}

/// Hands the reader's rows to the checker threads a chunk at a time.
struct ChunkSink {
    sender: Option<std::sync::mpsc::SyncSender<Chunk>>,
    next: Chunk,
}

impl ChunkSink {
    const ROWS: usize = 1024;

    fn new(sender: std::sync::mpsc::SyncSender<Chunk>) -> Self {
        Self {
            sender: Some(sender),
            next: Chunk {
                start: 0,
                rows: Vec::with_capacity(Self::ROWS),
                has_unit_column: false,
            },
        }
    }

    fn send(&mut self) {
        let rows = std::mem::replace(&mut self.next.rows, Vec::with_capacity(Self::ROWS));
        let chunk = Chunk {
            start: self.next.start,
            rows,
            has_unit_column: self.next.has_unit_column,
        };
        self.next.start += chunk.rows.len();
        if let Some(sender) = &self.sender
            && sender.send(chunk).is_err()
        {
            // Every checker is gone (they panicked, which fails the import): nothing
            // more to send.
            self.sender = None;
        }
    }

    /// Sends the last rows and closes the channel, so the checkers stop.
    fn finish(mut self) {
        if !self.next.rows.is_empty() {
            self.send();
        }
    }
}

impl reader::RowSink for ChunkSink {
    fn header(&mut self, has_unit_column: bool) {
        self.next.has_unit_column = has_unit_column;
    }

    fn row(&mut self, row: reader::ParsedRow) {
        self.next.rows.push(row);
        if self.next.rows.len() == Self::ROWS {
            self.send();
        }
    }
}

/// Every row's result in file order, and the rows ready to write as their chunks come
/// in order: a row whose ID number an earlier row of the file has is refused (the
/// earlier one counts).
#[derive(Default)]
pub(super) struct Settled {
    pub results: Vec<RowResult>,
    first_seen: HashMap<String, u32, foldhash::fast::RandomState>,
    waiting: BTreeMap<usize, Vec<Checked>>,
}

impl Settled {
    /// Takes a chunk; rows of chunks now in file order get their results, and those
    /// ready to write go to `ready`.
    pub(super) fn add(&mut self, (start, rows): CheckedChunk, ready: &mut VecDeque<ReadyRow>) {
        self.waiting.insert(start, rows);
        while let Some(rows) = self.waiting.remove(&self.results.len()) {
            for row in rows {
                self.settle(row, ready);
            }
        }
    }

    fn settle(&mut self, checked: Checked, ready: &mut VecDeque<ReadyRow>) {
        let Checked {
            mut result,
            hash,
            ready: row_ready,
        } = checked;
        if let Some(hash) = hash {
            match self.first_seen.entry(hash) {
                Entry::Occupied(first) => {
                    let first = first.get();
                    result
                        .reasons
                        .push(format!("证件号码与第{first}行重复（以第{first}行为准）"));
                }
                Entry::Vacant(place) => {
                    place.insert(result.row_no);
                }
            }
        }
        if result.reasons.is_empty() {
            ready.extend(row_ready);
        }
        self.results.push(result);
    }
}

/// One row checked on its own: its result so far, its ID number's hash when the ID
/// number is valid, and the row ready to write when nothing is wrong with it (repeats
/// in the file are found after).
pub(super) struct Checked {
    result: RowResult,
    hash: Option<String>,
    ready: Option<ReadyRow>,
}

/// How a row's 所在单位 is found: by name among the union's units, else the unit
/// chosen on upload.
struct UnitRule<'a> {
    units: &'a HashMap<String, i64>,
    default_unit: Option<i64>,
    has_unit_column: bool,
}

impl UnitRule<'_> {
    fn unit_of(&self, name: Option<&String>, reasons: &mut Vec<String>) -> Option<i64> {
        match name {
            Some(u) => match self.units.get(u) {
                Some(id) => Some(*id),
                None => {
                    reasons.push(format!("所在单位“{u}”未登记，请先在单位管理中添加"));
                    None
                }
            },
            None if self.default_unit.is_some() => self.default_unit,
            None if !self.has_unit_column => {
                reasons.push(NO_UNIT.to_owned());
                None
            }
            None => None,
        }
    }
}

/// A row of a file without a 所在单位 column, when no unit was chosen on upload.
pub const NO_UNIT: &str = "文件中没有“所在单位”列，上传时也未选择默认单位：请在文件中加上所在单位列，或上传时选择默认单位";

/// One row's result, and the row ready to write when it passed every check.
fn check_row(
    cipher: &entity::crypto::PiiCipher,
    unit_rule: &UnitRule<'_>,
    today: chrono::NaiveDate,
    index: usize,
    row: reader::ParsedRow,
) -> Checked {
    let mut reasons: Vec<String> = row.errors.iter().map(|e| e.message.clone()).collect();
    let unit_id = unit_rule.unit_of(row.unit_name.as_ref(), &mut reasons);
    let name = row.draft.name.clone();
    let id_number_typed = entity::value::normalize(&row.draft.id_number);
    let phone_typed = entity::value::normalize(&row.draft.phone);
    let valid = match row.draft.validate_with(today, false) {
        Ok(m) => Some(m),
        Err(errors) => {
            // A field the reader already explained (digits lost to a number format)
            // gets no second, misleading reason (a check-digit error).
            reasons.extend(
                errors
                    .into_iter()
                    .filter(|e| !row.errors.iter().any(|r| r.field == e.field))
                    .map(|e| e.message),
            );
            None
        }
    };
    let Some(member) = valid else {
        // Masked as typed, since the row has no valid ID number or phone to mask.
        let result = RowResult {
            row_no: row.row_no,
            name,
            id_number_masked: mask_id_number(&id_number_typed),
            phone_masked: mask_phone(&phone_typed),
            outcome: RowOutcome::Failed,
            reasons,
        };
        return Checked {
            result,
            hash: None,
            ready: None,
        };
    };
    let id_number = member.id.as_str();
    let hash = cipher.lookup_hash(id_number);
    let result = RowResult {
        row_no: row.row_no,
        name,
        id_number_masked: mask_id_number(id_number),
        phone_masked: member
            .phone
            .as_ref()
            .map(|p| p.masked())
            .unwrap_or_default(),
        outcome: RowOutcome::Failed,
        reasons,
    };
    let encrypted = result.reasons.is_empty().then(|| cipher.encrypt(id_number));
    let ready = encrypted.map(|encrypted| ReadyRow {
        index,
        encrypted,
        id_number_masked: result.id_number_masked.clone(),
        member,
        unit_id,
        status: row.status,
        hash: hash.clone(),
    });
    Checked {
        result,
        hash: Some(hash),
        ready,
    }
}

async fn union_units(ctx: &JobContext, org_id: i64) -> Result<HashMap<String, i64>, TaskError> {
    Ok(unit::Entity::find()
        .filter(unit::Column::OrgId.eq(org_id))
        .all(&ctx.db)
        .await?
        .into_iter()
        .map(|u| (u.name, u.id))
        .collect())
}
