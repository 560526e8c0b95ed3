//! The notes server's tools, resources and prompts. Plain functions: the attributes do
//! the rest.

use mcp_runtime::prelude::*;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Mutex;

/// A note.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Note {
    /// Its id, given by the server.
    pub id: u32,
    /// Short title.
    pub title: String,
    /// The text, in Markdown.
    pub body: String,
    /// Labels.
    pub tags: Vec<String>,
}

/// A search hit.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct NoteSummary {
    /// The note's id.
    pub id: u32,
    /// The note's title.
    pub title: String,
}

/// Every note, in memory.
#[derive(Default)]
pub struct Notes {
    inner: Mutex<Store>,
}

#[derive(Default)]
struct Store {
    next_id: u32,
    notes: BTreeMap<u32, Note>,
}

impl Notes {
    /// A store holding one note, "Welcome".
    pub fn with_welcome_note() -> Notes {
        let notes = Notes::default();
        notes.add(
            "Welcome".into(),
            "This server keeps notes in memory.".into(),
            vec!["meta".into()],
        );
        notes
    }

    fn store(&self) -> std::sync::MutexGuard<'_, Store> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn add(&self, title: String, body: String, tags: Vec<String>) -> Note {
        let mut store = self.store();
        store.next_id += 1;
        let note = Note {
            id: store.next_id,
            title,
            body,
            tags,
        };
        store.notes.insert(note.id, note.clone());
        note
    }

    fn get(&self, id: u32) -> Result<Note, NotFound> {
        self.store()
            .notes
            .get(&id)
            .cloned()
            .ok_or_else(|| NotFound::new(format!("no note with id {id}")))
    }
}

/// Add a note to the knowledge base.
#[tool(scopes = ["notes:write"])]
pub fn add_note(
    /// Short title of the note.
    title: String,
    /// The note's text, in Markdown.
    body: String,
    /// Labels to file the note under.
    tags: Option<Vec<String>>,
    notes: State<Notes>,
) -> Note {
    notes.add(title, body, tags.unwrap_or_default())
}

/// Find notes whose title or body contains the query (case-insensitive).
#[tool(read_only)]
pub fn search_notes(
    /// Text to look for.
    query: String,
    /// At most this many results (default 10).
    limit: Option<u32>,
    notes: State<Notes>,
) -> Vec<NoteSummary> {
    let query = query.to_lowercase();
    let store = notes.store();
    store
        .notes
        .values()
        .filter(|n| {
            n.title.to_lowercase().contains(&query) || n.body.to_lowercase().contains(&query)
        })
        .take(limit.unwrap_or(10) as usize)
        .map(|n| NoteSummary {
            id: n.id,
            title: n.title.clone(),
        })
        .collect()
}

/// Delete a note by id.
#[tool(destructive, scopes = ["notes:write"])]
pub fn delete_note(
    /// The id of the note to delete.
    id: u32,
    notes: State<Notes>,
) -> Result<String, NotFound> {
    match notes.store().notes.remove(&id) {
        Some(_) => Ok(format!("Deleted note {id}.")),
        None => Err(NotFound::new(format!("no note with id {id}"))),
    }
}

/// Count the words in a text.
#[tool(read_only)]
pub async fn count_words(
    /// The text to count.
    text: String,
) -> usize {
    text.split_whitespace().count()
}

/// Every note, one line each.
#[resource("notes://index", mime_type = "text/markdown")]
pub fn index(notes: State<Notes>) -> String {
    let store = notes.store();
    let mut out = String::from("# Notes\n\n");
    for note in store.notes.values() {
        out.push_str(&format!(
            "- [{}] {} (notes://{})\n",
            note.id, note.title, note.id
        ));
    }
    out
}

/// A note, by id.
#[resource("notes://{id}", mime_type = "text/markdown")]
pub async fn note(id: u32, notes: State<Notes>) -> Result<String, NotFound> {
    let note = notes.get(id)?;
    Ok(format!(
        "# {}\n\n{}\n\nTags: {}\n",
        note.title,
        note.body,
        note.tags.join(", ")
    ))
}

/// Ask for a review of some code.
#[prompt]
pub fn review(
    /// The code to review.
    code: String,
    /// Optional focus, e.g. "security".
    focus: Option<String>,
) -> String {
    match focus {
        Some(focus) => format!("Please review this code, focusing on {focus}:\n\n{code}"),
        None => format!("Please review this code:\n\n{code}"),
    }
}

/// Summarize one note.
#[prompt]
pub fn summarize_note(
    /// The id of the note.
    id: u32,
    notes: State<Notes>,
) -> Result<Vec<PromptMessage>, NotFound> {
    let note = notes.get(id)?;
    Ok(vec![PromptMessage::user(format!(
        "Summarize this note in one sentence.\n\nTitle: {}\n\n{}",
        note.title, note.body
    ))])
}
